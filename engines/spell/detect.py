"""Which engine runs a program file: its shebang line if it names one, else its extension."""

from __future__ import annotations

import re
from pathlib import Path

from engines.spell.model import EXTENSION_ENGINES

_INTERPRETERS = {
    "lua": "lua",
    "luajit": "lua",
    "node": "javascript",
    "nodejs": "javascript",
    "javascript": "javascript",
    "js": "javascript",
    "tengo": "tengo",
}


def read_shebang(path: Path) -> str | None:
    """The first line of ``path`` if it is a ``#!`` line."""
    try:
        with path.open("rb") as f:
            first = f.readline(512)
    except OSError:
        return None
    line = first.decode("utf-8", "replace").lstrip("\ufeff").strip()
    return line if line.startswith("#!") else None


def shebang_interpreter(line: str) -> str:
    """The program a shebang runs: ``#!/usr/bin/env -S lua5.4 -W`` gives ``lua5.4``."""
    parts = line[2:].split()
    if not parts:
        return ""
    prog = parts[0].rsplit("/", 1)[-1]
    if prog == "env":
        args = [a for a in parts[1:] if not a.startswith("-") and "=" not in a]
        prog = args[0].rsplit("/", 1)[-1] if args else ""
    return prog


def interpreter_engine(prog: str) -> str | None:
    """Engine for an interpreter name: ``llmspell-lua``, ``lua5.4``, ``node``, ``tengo``..."""
    name = prog.lower().removeprefix("llmspell-")
    name = re.sub(r"[\d.]+$", "", name)  # version suffixes: lua5.4, lua54, node18
    return _INTERPRETERS.get(name)


def detect_engine(path: Path) -> str | None:
    """Engine of a program file; a recognised shebang wins over the extension.

    An unrecognised shebang (``#!/bin/sh``) is not ours to interpret, so the extension decides.
    """
    line = read_shebang(path)
    if line is not None:
        engine = interpreter_engine(shebang_interpreter(line))
        if engine is not None:
            return engine
    return EXTENSION_ENGINES.get(path.suffix.lower())
