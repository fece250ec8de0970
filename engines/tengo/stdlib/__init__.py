"""Tengo standard library modules (one Python module per Tengo module)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ALL_MODULES = ("fmt", "text", "times", "math", "rand", "os", "json", "base64", "hex", "enum")


def stdlib_modules(selection: Iterable[str] | bool, os_policy: Any = None) -> dict[str, Any]:
    """Returns ``{name: module}`` for the selected stdlib modules.

    A module is either an ``ImmutableMap`` value or, for ``enum`` (written in
    Tengo upstream), its Tengo source text.
    """
    if selection is True:
        names: Iterable[str] = ALL_MODULES
    elif selection is False:
        names = ()
    else:
        names = selection
    out: dict[str, Any] = {}
    for name in names:
        out[name] = load_module(name, os_policy)
    return out


def load_module(name: str, os_policy: Any = None) -> Any:
    import importlib

    mod = importlib.import_module(f"{__name__}.{name}_mod")
    if name == "os":
        return mod.make_module(os_policy)
    return mod.MODULE
