"""Finds the native debug hook (engines/lua/native/linehook.c, built at install time by
setup.py) and binds it to the Lua inside lupa, for the Lua engine's prelude.

The library is not linked against Lua: lupa's module holds Lua 5.4 and Python loads it
RTLD_LOCAL, so the library looks the Lua C API up in that module itself, once per process,
when `llmspell_linehook_bind` is called here. Lua then loads it with package.loadlib (the
same file, so the same bound copy). When it is missing or cannot bind, the prelude keeps
its pure-Lua hook: same behaviour, slower line breakpoints.
"""

from __future__ import annotations

import ctypes
import functools
import os
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from lupa import lua54

ENTRY_POINT = "luaopen_llmspell_linehook"
# Set to "lua" to run the pure-Lua hook instead (to compare, or to rule the native one out).
HOOK_VARIABLE = "LLMSPELL_LUA_HOOK"
_FOLDER = Path(__file__).resolve().parent / "native"
# Loaded libraries stay loaded: Lua states keep pointers into them.
_loaded: list[ctypes.CDLL] = []


def library_file() -> Path | None:
    """The built library, if the install built one."""
    for suffix in EXTENSION_SUFFIXES:
        path = _FOLDER / f"linehook{suffix}"
        if path.is_file():
            return path
    return None


def native_library() -> tuple[str | None, str]:
    """(path of the bound library, "") or (None, why there is none)."""
    if os.environ.get(HOOK_VARIABLE) == "lua":
        return None, f"{HOOK_VARIABLE}=lua"
    return _bound_library()


@functools.cache
def _bound_library() -> tuple[str | None, str]:
    path = library_file()
    if path is None:
        return None, f"the native line hook is not built (no {_FOLDER / 'linehook*.so'})"
    try:
        library = ctypes.CDLL(str(path))
        bind = library.llmspell_linehook_bind
    except (OSError, AttributeError) as exc:
        return None, f"the native line hook cannot be loaded: {exc}"
    bind.argtypes = [ctypes.c_char_p]
    bind.restype = ctypes.c_int
    if not bind(os.fsencode(lua54.__file__)):
        return None, f"the native line hook found no Lua C API in {lua54.__file__}"
    _loaded.append(library)
    return str(path), ""
