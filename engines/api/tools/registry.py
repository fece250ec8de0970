"""Tools and the registry that holds them: the builtins of every group, and the spell's own.

A tool is a name, a one-line description, a JSON Schema for its arguments, a group and a
function. Builtins are declared by their module with `@builtin(...)` and run with the run's
context; spell-defined tools run the spell's function with the arguments as one table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engines.api.context import RunContext
from engines.errors import ApiError

# The names OpenAI-style function calling accepts.
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SPELL_GROUP = "spell"

Handler = Callable[[RunContext, dict[str, Any]], Any]


@dataclass
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    group: str
    handler: Handler | None = None  # builtins: handler(ctx, arguments)
    fn: Callable[..., Any] | None = None  # spell-defined: fn(arguments)
    _validator: Any = field(default=None, repr=False, compare=False)

    @property
    def builtin(self) -> bool:
        return self.handler is not None

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "group": self.group,
            "parameters": self.parameters,
            "builtin": self.builtin,
        }

    def spec(self) -> dict[str, Any]:
        """The OpenAI-style function tool spec an LLM is offered."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    def validator(self) -> Any:
        if self._validator is None:
            import jsonschema

            cls = jsonschema.validators.validator_for(self.parameters)
            self._validator = cls(self.parameters)
        return self._validator


class ToolRegistry:
    """Builtins first (by group, in declaration order), then tools the spell registered."""

    def __init__(self, builtins: list[Tool]) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in builtins:
            if tool.name in self._tools:
                raise AssertionError(f"builtin tool {tool.name} declared twice")
            self._tools[tool.name] = tool

    def add(self, tool: Tool) -> None:
        existing = self._tools.get(tool.name)
        if existing is not None:
            what = "a builtin tool" if existing.builtin else "already registered"
            raise ApiError(f"tool {tool.name!r} is {what}; choose another name")
        self._tools[tool.name] = tool

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def groups(self) -> list[str]:
        return list(dict.fromkeys(t.group for t in self._tools.values()))

    def __iter__(self) -> Iterator[Tool]:
        return iter(list(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)


def builtin_declarer(group: str, into: list[Tool]) -> Callable[..., Callable[[Handler], Handler]]:
    """A decorator factory for one builtin module: `@tool(name, description, parameters)`."""

    def tool(
        name: str, description: str, parameters: dict[str, Any]
    ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            into.append(Tool(name, description, parameters, group, handler=handler))
            return handler

        return decorate

    return tool


# -- schema helpers: builtins declare their JSON Schemas with these --------------------------


def obj(properties: dict[str, Any], required: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    return schema


def string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def integer(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "integer", "description": description, **extra}


def number(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "number", "description": description, **extra}


def boolean(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "boolean", "description": description, **extra}


def array(description: str, items: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "description": description, **extra}
    if items is not None:
        schema["items"] = items
    return schema


def anything(description: str) -> dict[str, Any]:
    return {"description": description}
