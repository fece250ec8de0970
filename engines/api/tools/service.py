"""The `tools` service: builtins and spell-defined tools, called through one path.

Every call — from a spell (`tools.call`) or from Python (`ToolsService.invoke`, which the
agents use) — is a span `execute_tool {name}`, passes the hooks `before_tool_call` and
`after_tool_call`, may stop in the debugger (a `tool` function breakpoint), has its
arguments validated against the tool's JSON Schema and its result checked to be JSON.
A failing tool gives a structured error, `{"ok": false, "error": {"type", "message"}}`:

- `unknown_tool`, `invalid_arguments`, `permission_denied`, `cancelled` (by a hook),
  `invalid_result` (not JSON-able), `tool_error` (the tool itself failed).

Limits, cancellation, a debugger's terminate and a hook's own failure are not tool
failures: they propagate.
"""

from __future__ import annotations

import builtins
import difflib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from engines.api.binding import type_name
from engines.api.context import RunContext
from engines.api.hooks import HooksService
from engines.api.schema_check import certainly_valid
from engines.api.telemetry_services import TraceService
from engines.api.tools.registry import NAME, SPELL_GROUP, Tool, ToolRegistry
from engines.errors import ApiError, LimitExceeded, PermissionDenied
from engines.host.debugger import Terminated

# How much of a result (JSON text) a span attribute keeps.
MAX_ATTRIBUTE = 4096
# Keys of a JSON Schema whose value is an array: a Lua `{}` arrives as an empty object.
_ARRAY_KEYWORDS = ("required", "enum", "allOf", "anyOf", "oneOf", "prefixItems", "type")


def builtin_tools() -> list[Tool]:
    """Every builtin, group by group (fresh Tool objects; validators are cached per run)."""
    from engines.api.tools import calc, data, dates, feeds, files, system, web

    found: list[Tool] = []
    for module in (files, web, data, dates, calc, system, feeds):
        found.extend(
            Tool(t.name, t.description, t.parameters, t.group, handler=t.handler)
            for t in module.TOOLS
        )
    return found


class _Failure(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class ToolsService:
    def __init__(
        self, ctx: RunContext, trace: TraceService | None = None, hooks: HooksService | None = None
    ) -> None:
        self._ctx = ctx
        self._trace = trace or TraceService(ctx)
        self._hooks = hooks or HooksService(ctx)
        self.registry = ToolRegistry(builtin_tools())

    # -- the spell's functions ---------------------------------------------------------------

    def register(
        self, name: str, description: str, parameters: dict[str, Any], fn: Callable[..., Any]
    ) -> None:
        if not NAME.match(name):
            raise ApiError(f"bad tool name {name!r}: 1 to 64 letters, digits, '_' or '-'")
        if not callable(fn):
            raise ApiError("fn must be a function")
        schema = _normalize_schema(parameters)
        if schema.get("type", "object") != "object":
            raise ApiError(f"tool {name!r}: parameters must be a JSON Schema of type object")
        schema.setdefault("type", "object")
        import jsonschema

        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            raise ApiError(
                f"tool {name!r}: parameters is not a valid JSON Schema"
                f"{f' at {where}' if where else ''}: {exc.message}"
            ) from None
        self.registry.add(Tool(name, description, schema, SPELL_GROUP, fn=fn))

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        outcome = self.invoke(name, arguments)
        if outcome["ok"]:
            return outcome["result"]
        error = outcome["error"]
        kind = PermissionDenied if error["type"] == "permission_denied" else ApiError
        raise kind(f"tool '{name}' failed: {error['message']}")

    def list(self, group: str | None = None) -> builtins.list[dict[str, Any]]:
        if group is not None and group not in self.registry.groups():
            known = ", ".join(self.registry.groups())
            raise ApiError(f"unknown tool group {group!r}; groups: {known}")
        return [_public(t.info()) for t in self.registry if group is None or t.group == group]

    def describe(self, name: str) -> dict[str, Any]:
        return _public(self._get(name).info())

    # -- for Python callers (agents) ----------------------------------------------------------

    def names(self) -> builtins.list[str]:
        return self.registry.names()

    def specs(self, names: builtins.list[str] | None = None) -> builtins.list[dict[str, Any]]:
        """OpenAI-style function specs of the named tools (all when None); an unknown name
        is an ApiError."""
        tools = list(self.registry) if names is None else [self._get(n) for n in names]
        return [_public(t.spec()) for t in tools]

    def invoke(self, name: str, arguments: Mapping[str, Any] | str | None = None) -> dict[str, Any]:
        """Run a tool: `{"ok": True, "result": ...}` or `{"ok": False, "error": {type,
        message}}`; never raises for a tool's failure. `arguments` may be a JSON text (as
        an LLM gives it)."""
        self._ctx.check_deadline()
        args_text = arguments if isinstance(arguments, str) else _attribute(arguments or {})
        attributes = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.type": "function",
            "gen_ai.tool.call.arguments": args_text,
        }
        tool = self.registry.get(name)
        if tool is not None:
            attributes["gen_ai.tool.description"] = tool.description
        try:
            with self._trace.span(f"execute_tool {name}", attributes) as span_id:
                result, final_args = self._execute(name, tool, arguments)
                self._trace.end_span(
                    span_id,
                    {
                        "gen_ai.tool.call.arguments": _attribute(final_args),
                        "gen_ai.tool.call.result": _attribute(result),
                    },
                )
        except _Failure as failure:
            # The debugger's `tool_error` exception filter stops here, before the caller sees it.
            self._ctx.exception_stop("tool_error", f"tool {name} failed: {failure.message}")
            return {"ok": False, "error": {"type": failure.kind, "message": failure.message}}
        return {"ok": True, "result": result}

    # -- the one call path --------------------------------------------------------------------

    def _execute(
        self, name: str, tool: Tool | None, arguments: Mapping[str, Any] | str | None
    ) -> tuple[Any, dict[str, Any]]:
        if tool is None:
            self._fail("unknown_tool", self._unknown(name))
        args = self._arguments(arguments)
        before = self._hooks.run("before_tool_call", {"tool": name, "arguments": args})
        if before.cancelled:
            reason = before.reason or "no reason given"
            self._fail("cancelled", f"cancelled by hook: {reason}")
        if isinstance(before.payload, dict) and isinstance(before.payload.get("arguments"), dict):
            args = before.payload["arguments"]
        stop = getattr(self._ctx, "semantic_stop", None)
        if stop is not None:
            stop("tool", name, f"before tool {name}", {"tool": name, "arguments": args})
        args = _fill_arrays(args, tool.parameters)
        self._validate(tool, args)
        result = self._run(tool, args)
        after = self._hooks.run(
            "after_tool_call", {"tool": name, "arguments": args, "result": result}
        )
        if isinstance(after.payload, dict) and "result" in after.payload:
            result = self._json_result(name, after.payload["result"])
        return result, args

    def _arguments(self, arguments: Mapping[str, Any] | str | None) -> dict[str, Any]:
        if arguments is None:
            return {}
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except ValueError as exc:
                self._fail("invalid_arguments", f"arguments are not valid JSON: {exc}")
        if not isinstance(arguments, Mapping):
            self._fail("invalid_arguments", "arguments must be an object")
        assert isinstance(arguments, Mapping)
        return dict(arguments)

    def _validate(self, tool: Tool, args: dict[str, Any]) -> None:
        if certainly_valid(tool.parameters, args):
            return
        import jsonschema

        errors = sorted(tool.validator().iter_errors(args), key=jsonschema.exceptions.relevance)
        if errors:
            best = jsonschema.exceptions.best_match(errors) or errors[0]
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in best.absolute_path)
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            self._fail("invalid_arguments", f"arguments{where}: {best.message}{more}")

    def _run(self, tool: Tool, args: dict[str, Any]) -> Any:
        try:
            if tool.handler is not None:
                result = tool.handler(self._ctx, args)
            else:
                assert tool.fn is not None
                result = tool.fn(args)
        except (LimitExceeded, Terminated, MemoryError, _Failure):
            raise
        except PermissionDenied as exc:
            self._fail("permission_denied", str(exc))
        except ApiError as exc:
            self._fail("tool_error", str(exc))
        except RecursionError:
            self._fail("tool_error", "recursion too deep")
        except Exception as exc:
            if type(exc).__name__ == "LuaError":
                self._fail("tool_error", _lua_message(exc))
            self._fail("tool_error", f"{type(exc).__name__}: {exc}")
        self._ctx.check_deadline()
        return self._json_result(tool.name, result)

    def _json_result(self, name: str, result: Any) -> Any:
        """The result as plain JSON data (string keys), or an `invalid_result` failure."""
        if isinstance(result, tuple):
            result = list(result)
        try:
            return json.loads(json.dumps(result, allow_nan=False, ensure_ascii=False))
        except (TypeError, ValueError):
            try:
                where, what = _non_json(result, "result")
            except RecursionError:
                where, what = "result", ""
            what = what or "a value that contains itself"
            self._fail("invalid_result", f"the result is not JSON-able: {where} is {what}")
        except RecursionError:
            self._fail("invalid_result", "the result is not JSON-able: nested too deeply")

    def _fail(self, kind: str, message: str) -> NoReturn:
        # Raised inside the span, so it ends with status error and this message.
        current = self._trace.current()
        if current is not None:
            self._trace.set_attribute("error.type", kind)
        raise _Failure(kind, message)

    def _get(self, name: str) -> Tool:
        tool = self.registry.get(name)
        if tool is None:
            raise ApiError(self._unknown(name))
        return tool

    def _unknown(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.registry.names(), n=1)
        hint = f" — did you mean {close[0]!r}?" if close else ""
        return f"unknown tool {name!r}{hint} (tools.list() shows them all)"


def _public(data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy, so a caller changing the answer does not change the registry."""
    copied: dict[str, Any] = json.loads(json.dumps(data))
    return copied


def _attribute(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (ValueError, RecursionError):
        text = repr(value)
    if len(text) > MAX_ATTRIBUTE:
        text = text[:MAX_ATTRIBUTE] + f"… ({len(text) - MAX_ATTRIBUTE} more characters)"
    return text


def _non_json(value: Any, where: str) -> tuple[str, str]:
    """Where in a value the first thing JSON cannot hold is, and what it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str | int | float | bool) and key is not None:
                return where, f"a table with a {type_name(key)} key"
            found = _non_json(item, f"{where}.{key}")
            if found[1]:
                return found
        return where, ""
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _non_json(item, f"{where}[{index}]")
            if found[1]:
                return found
        return where, ""
    if isinstance(value, float) and not math.isfinite(value):
        return where, f"{value} (not a finite number)"
    if value is None or isinstance(value, str | int | float | bool):
        return where, ""
    return where, f"a {type_name(value)}"


def _lua_message(exc: Exception) -> str:
    message = str(exc).partition("\nstack traceback:")[0]
    return message or "error in the tool's function"


def _normalize_schema(schema: Any) -> dict[str, Any]:
    """A schema from a spell, with the `{}` an engine gives for an empty array fixed."""

    def fix(node: Any, key: str | None = None) -> Any:
        if isinstance(node, dict):
            if node == {} and key in _ARRAY_KEYWORDS:
                return []
            return {k: fix(v, k if key != "properties" else None) for k, v in node.items()}
        if isinstance(node, list):
            return [fix(v) for v in node]
        return node

    if not isinstance(schema, dict):
        raise ApiError("parameters must be a JSON Schema (an object)")
    fixed: dict[str, Any] = fix(json.loads(json.dumps(schema, default=_not_json)))
    return fixed


def _not_json(value: Any) -> Any:
    raise ApiError(f"parameters must be plain JSON data, not {type(value).__name__}")


def _fill_arrays(value: Any, schema: Any) -> Any:
    """An engine's empty table `{}` where the schema wants an array becomes `[]`."""
    if not isinstance(schema, dict):
        return value
    wants_array = schema.get("type") == "array" or (
        isinstance(schema.get("type"), list)
        and "array" in schema["type"]
        and "object" not in schema["type"]
    )
    if value == {} and wants_array:
        return []
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        return {
            k: _fill_arrays(v, props.get(k, extra if isinstance(extra, dict) else None))
            for k, v in value.items()
        }
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_fill_arrays(v, schema["items"]) for v in value]
    return value
