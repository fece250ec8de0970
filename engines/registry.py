"""The engines, by name, imported only when a spell needs one (V8 and friends are heavy)."""

from __future__ import annotations

import importlib
from typing import Any

from engines.errors import SpellError

# name -> (module, class); extensions decide the engine of a single-file spell.
ENGINES: dict[str, tuple[str, str]] = {
    "lua": ("engines.lua.adapter", "LuaEngine"),
    "javascript": ("engines.javascript.adapter", "JavaScriptEngine"),
    "tengo": ("engines.tengo.adapter", "TengoEngine"),
}
PLANNED: tuple[str, ...] = ()


def available() -> list[str]:
    return list(ENGINES)


def engine_class(name: str) -> Any:
    if name not in ENGINES:
        if name in PLANNED:
            raise SpellError(f"the {name} engine is not available in this version yet")
        raise SpellError(f"unknown engine {name!r}; known engines: {', '.join(ENGINES)}")
    module_name, class_name = ENGINES[name]
    return getattr(importlib.import_module(module_name), class_name)
