"""Completion lists and call tips for the spell API, generated from its declarations.

Plain Python: `ApiIndex(language)` answers "what follows `state.`?" and "what is the call tip
of `state.set(`?" in the naming of the language (Lua and Tengo snake_case, JS camelCase).
"""

from __future__ import annotations

import re

from engines.api.declarations import API, GLOBALS, Function


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class ApiIndex:
    def __init__(self, language: str) -> None:
        self.language = language
        self._name = camel if language == "javascript" else (lambda n: n)
        self.modules: dict[str, dict[str, Function]] = {
            mod.name: {self._name(fn.name): fn for fn in mod.functions} for mod in API
        }
        self.module_docs = {mod.name: mod.doc for mod in API}

    def top_level(self, prefix: str = "") -> list[str]:
        """Module names and globals starting with `prefix`, sorted."""
        names = [*self.modules, *GLOBALS]
        return sorted(n for n in names if n.startswith(prefix))

    def members(self, module: str, prefix: str = "") -> list[str]:
        return sorted(n for n in self.modules.get(module, {}) if n.startswith(prefix))

    def function(self, module: str, name: str) -> Function | None:
        return self.modules.get(module, {}).get(name)

    def call_tip(self, module: str, name: str) -> str | None:
        fn = self.function(module, name)
        if fn is None:
            return None
        params = [f"{self._name(p.name)}{'?' if p.optional else ''}: {p.type}" for p in fn.params]
        lines = [f"{module}.{name}({', '.join(params)}) -> {fn.returns}", fn.doc]
        lines += [f"  {self._name(p.name)}: {p.doc}" for p in fn.params]
        return "\n".join(lines)


_DOTTED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)?$")
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\($")
_WORD = re.compile(r"(?<![.\w])([A-Za-z_][A-Za-z0-9_]*)$")


def completion_at(index: ApiIndex, line_before: str) -> tuple[str, list[str]] | None:
    """What to complete at the end of `line_before`: (typed prefix, candidates) or None."""
    match = _DOTTED.search(line_before)
    if match and match.group(1) in index.modules:
        prefix = match.group(2) or ""
        names = index.members(match.group(1), prefix)
        return (prefix, names) if names else None
    match = _WORD.search(line_before)
    if match and len(match.group(1)) >= 2:
        names = index.top_level(match.group(1))
        if names and names != [match.group(1)]:
            return match.group(1), names
    return None


def call_tip_at(index: ApiIndex, line_before: str) -> str | None:
    """The call tip when `line_before` ends with `module.function(`."""
    match = _CALL.search(line_before)
    if not match:
        return None
    return index.call_tip(match.group(1), match.group(2))
