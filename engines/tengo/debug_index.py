"""What the debugger needs to know about a compiled Tengo unit, read from its generated Python.

The compiler gives each Tengo variable a unique Python name (`count_2` for `count`), each
function literal a `def _fN`, and (under `line_hook`) a `_line_hook(file, line)` call before
every statement. From the generated source and its line table this module derives, once per
compiled unit: the Tengo location of every generated line, a display name for every function,
where each variable comes into scope and leaves it, which variables are boxed (a one-element
list shared with closures), and the set of every line that has a hook (for stepping).
Nothing here runs on the fast path.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

_HOOK = re.compile(r"^\s*_line_hook\((['\"])(.*)\1, (\d+)\)$")
_DEF = re.compile(r"^(\s*)def (_f\d+|_mod\d+|_main)\((.*)\):$")
_ASSIGN = re.compile(r"^(\s*)([A-Za-z_]\w*_\d+)(\[0\])? = ")
_FOR = re.compile(r"^(\s*)for (.+) in _iter_\w+\(")
_NAMED_FN = re.compile(r"^\s*([A-Za-z_]\w*_\d+)(?:\[0\])? = (_f\d+)$")
_KEYED_FN = re.compile(r"'([A-Za-z_]\w*)': (_f\d+)\b")
_BOX_PARAM = re.compile(r"\b([A-Za-z_]\w*_\d+)=\1\b")
_VAR = re.compile(r"^([A-Za-z_]\w*)_(\d+)$")


def tengo_name(mangled: str) -> tuple[str, int] | None:
    """`count_2` → ("count", 2); None for the compiler's own names (_t1, _k0, _f1, _g), which
    never have an underscore right before their digits."""
    match = _VAR.match(mangled)
    return (match.group(1), int(match.group(2))) if match is not None else None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


@dataclass
class FunctionInfo:
    """One generated function: its display name and where its variables are in scope."""

    name: str
    start: int  # the generated line of its `def`
    params: set[str] = field(default_factory=set)
    # mangled name -> (first generated line where it is defined, first line out of scope)
    scopes: dict[str, tuple[int, int]] = field(default_factory=dict)


class UnitIndex:
    def __init__(self, source: str, line_map: list[Any]) -> None:
        lines = source.split("\n")
        self._lines = lines
        count = len(lines)
        # 1-based generated line -> (file, line) of the Tengo statement it belongs to.
        self.location: list[tuple[str, int] | None] = [None] * (count + 2)
        self.hook_lines: set[int] = set()
        self.boxed: set[str] = set()
        self.functions: dict[int, FunctionInfo] = {}
        current: tuple[str, int] | None = None
        for number, text in enumerate(lines, 1):
            hook = _HOOK.match(text)
            entry = line_map[number] if number < len(line_map) else None
            if hook is not None:
                current = (hook.group(2), int(hook.group(3)))
                self.hook_lines.add(current[1])
            elif entry is not None:
                src, pos = entry
                self.location[number] = (src.name, src.line_col(pos)[0])
                continue
            self.location[number] = current
        self._index_functions(lines)

    def _index_functions(self, lines: list[str]) -> None:
        names: dict[str, str] = {}
        for text in lines:
            named = _NAMED_FN.match(text)
            if named is not None:
                found = tengo_name(named.group(1))
                if found is not None:
                    names.setdefault(named.group(2), found[0])
            for key, fn in _KEYED_FN.findall(text):
                names.setdefault(fn, key)
        stack: list[tuple[int, FunctionInfo]] = []  # (indentation of the def, info)
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            indent = _indent(text)
            while stack and indent <= stack[-1][0]:
                stack.pop()
            match = _DEF.match(text)
            if match is not None:
                info = FunctionInfo(self._function_name(match.group(2), names, number), number)
                for param in match.group(3).split(","):
                    param = param.strip().lstrip("*").split("=")[0].strip()
                    if param and tengo_name(param) is not None:
                        info.params.add(param)
                self.boxed.update(_BOX_PARAM.findall(match.group(3)))
                self.functions[number] = info
                stack.append((indent, info))
                continue
            if not stack:
                continue
            info = stack[-1][1]
            if number == info.start + 1 and info.name == "main" and text.endswith(" = None"):
                continue  # _main sets every global to undefined up front
            assigned = _ASSIGN.match(text)
            targets: list[str] = []
            end_indent = indent - 1
            if assigned is not None:
                targets = [assigned.group(2)]
            else:
                loop = _FOR.match(text)
                if loop is not None:
                    targets = [t.strip() for t in loop.group(2).split(",")]
                    end_indent = indent
            for target in targets:
                if target in info.scopes or tengo_name(target) is None:
                    continue
                info.scopes[target] = (number, self._block_end(number, end_indent))

    def _block_end(self, number: int, end_indent: int) -> int:
        """The first generated line after `number` indented at most `end_indent`."""
        for after in range(number, len(self._lines)):
            text = self._lines[after]
            if text.strip() and _indent(text) <= end_indent:
                return after + 1
        return len(self._lines) + 1

    def _function_name(self, py_name: str, names: dict[str, str], number: int) -> str:
        if py_name == "_main":
            return "main"
        location = self._first_location_after(number)
        if py_name.startswith("_mod"):
            file = location[0] if location else "?"
            return f"module {os.path.splitext(os.path.basename(file))[0]}"
        if py_name in names:
            return names[py_name]
        where = self.location[number]
        return f"func <{os.path.basename(where[0])}:{where[1]}>" if where else "func"

    def _first_location_after(self, number: int) -> tuple[str, int] | None:
        for after in range(number + 1, len(self.location)):
            if self.location[after] is not None:
                return self.location[after]
        return None

    def function(self, code: Any) -> FunctionInfo | None:
        return self.functions.get(code.co_firstlineno)

    def visible(self, code: Any, line: int, mangled: str) -> bool:
        """Whether the variable is in scope at that generated line of its function."""
        info = self.function(code)
        if info is None or mangled in info.params:
            return True
        scope = info.scopes.get(mangled)
        if scope is None:
            return True  # a variable of an enclosing function (a closure cell)
        return scope[0] <= line < scope[1]
