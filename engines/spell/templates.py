"""New-spell templates: ``create_spell`` writes a manifest and a greeting program per engine."""

from __future__ import annotations

import json
import re
from pathlib import Path

from engines.spell.model import ENGINE_EXTENSIONS

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_ALIASES = {"js": "javascript"}

_PROGRAMS = {
    "lua": """\
-- {name}: a new spell.
local who = params.get("name")
log.info("greeting", {{who = who}})
state.set("greeted", who)
print("Hello, " .. who .. "!")
""",
    "javascript": """\
// {name}: a new spell.
const who = params.get("name");
log.info("greeting", {{ who: who }});
state.set("greeted", who);
print("Hello, " + who + "!");
""",
    "tengo": """\
// {name}: a new spell.
params := import("params")
log := import("log")
state := import("state")
fmt := import("fmt")

who := params.get("name")
log.info("greeting", {{who: who}})
state.set("greeted", who)
fmt.println("Hello, " + who + "!")
""",
}

_MANIFEST = """\
# Manifest of the {name} spell.
name: {quoted}
version: 0.1.0
description: A new spell that greets someone.
engine: {engine}
entry: {entry}
parameters:
  name:
    type: string
    default: world
    description: Who to greet.
limits:
  timeout: 30s
  memory: 256MB
"""


def create_spell(parent_dir: Path, name: str, engine: str) -> Path:
    """Create the spell folder ``parent_dir/name`` and return it.

    ``engine`` is lua, javascript (or js) or tengo. Raises ValueError for an invalid name or
    engine and FileExistsError when the folder exists; ``parent_dir`` is created if needed.
    """
    if not NAME_RE.match(name):
        raise ValueError(
            f"invalid spell name {name!r}: use letters, digits, '-' and '_', starting with a letter"
        )
    key = _ALIASES.get(engine.lower(), engine.lower())
    if key not in _PROGRAMS:
        raise ValueError(f"unknown engine {engine!r}: use lua, javascript (js) or tengo")
    folder = Path(parent_dir) / name
    if folder.exists():
        raise FileExistsError(f"{folder} already exists; choose another name")
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir()  # not exist_ok: a folder created meanwhile must not be overwritten
    entry = f"main{ENGINE_EXTENSIONS[key]}"
    (folder / entry).write_text(_PROGRAMS[key].format(name=name), encoding="utf-8")
    manifest = _MANIFEST.format(name=name, quoted=json.dumps(name), engine=key, entry=entry)
    (folder / "spell.yaml").write_text(manifest, encoding="utf-8")
    return folder
