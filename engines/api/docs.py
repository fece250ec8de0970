"""Generates docs/api.md from the API declarations (`python -m engines.api.docs`)."""

from __future__ import annotations

from engines.api.declarations import API, GLOBALS, Function, Module


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _function(module: Module, fn: Function) -> list[str]:
    lines = [f"### `{module.name}.{fn.signature()}` → {fn.returns}", "", fn.doc, ""]
    if camel(fn.name) != fn.name:
        lines += [f"JavaScript: `{module.name}.{camel(fn.name)}`.", ""]
    if fn.params:
        lines += ["| parameter | type | |", "|---|---|---|"]
        for param in fn.params:
            optional = " (optional)" if param.optional else ""
            lines.append(f"| `{param.name}` | {param.type}{optional} | {param.doc} |")
        lines.append("")
    return lines


def render() -> str:
    lines = [
        "# The spell API",
        "",
        "Generated from `engines/api/declarations.py` by `make docs`; do not edit by hand.",
        "",
        "Every module is a global in Lua (`state.get(...)`) and JavaScript (camelCase names,",
        '`state.get(...)`), and a module in Tengo (`state := import("state")`). Each call',
        "becomes a telemetry record of the run.",
        "",
        "## Globals",
        "",
    ]
    lines += [f"- `{name}` — {doc}" for name, doc in GLOBALS.items()]
    lines.append("")
    for module in API:
        lines += [f"## {module.name}", "", module.doc, ""]
        for fn in module.functions:
            lines += _function(module, fn)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
