"""Finding and loading spells: single program files, spell folders and ``spell.yaml`` files."""

from __future__ import annotations

import os
from pathlib import Path

from engines.spell.detect import detect_engine, read_shebang, shebang_interpreter
from engines.spell.errors import SpellLoadError
from engines.spell.manifest import load_manifest
from engines.spell.model import EXTENSION_ENGINES, Spell

MANIFEST_NAME = "spell.yaml"
# Folders that never hold spells but can be huge.
_SKIP_DIRS = {"node_modules", "__pycache__"}


def load_spell(path: str | Path) -> Spell:
    """Load a spell from a program file, a spell folder, or the path of its ``spell.yaml``.

    Raises SpellLoadError (ManifestError for an invalid manifest) naming the file at fault.
    """
    path = Path(path).expanduser().absolute()
    if path.is_dir():
        manifest = path / MANIFEST_NAME
        if not manifest.is_file():
            raise SpellLoadError(f"not a spell folder: there is no {MANIFEST_NAME} in it", path)
        return load_manifest(manifest)
    if not path.exists():
        raise SpellLoadError("no such spell file or folder", path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return load_manifest(path)
    return _load_single_file(path.resolve())


def _load_single_file(path: Path) -> Spell:
    engine = detect_engine(path)
    if engine is None:
        shebang = read_shebang(path)
        if shebang is not None:
            why = f"its shebang runs {shebang_interpreter(shebang)!r}, not a spell engine"
        else:
            why = "unknown extension and no shebang"
        raise SpellLoadError(
            f"cannot tell the engine ({why}); use .lua, .js or .tengo or a shebang such as "
            "'#!/usr/bin/env llmspell-lua'",
            path,
        )
    return Spell(
        name=path.stem,
        version="0.0.0",
        description="",
        engine=engine,
        dir=path.parent,
        entry=path,
    )


def _is_loose_spell(path: Path) -> bool:
    if path.name.startswith("."):
        return False
    if path.suffix.lower() in EXTENSION_ENGINES:
        return True
    # Extension-less scripts count when their shebang names an engine.
    return not path.suffix and read_shebang(path) is not None and detect_engine(path) is not None


def discover_spells(root: Path) -> list[Spell | tuple[Path, Exception]]:
    """Every spell under ``root``, sorted by name; broken ones come as ``(path, error)``.

    Spell folders (with spell.yaml) are found at any depth but not searched inside (``root``
    itself included); loose program files count only directly in ``root``. Hidden files and
    folders, ``node_modules`` and ``__pycache__`` are skipped.
    """
    root = Path(root).expanduser().absolute()
    if not root.is_dir():
        raise SpellLoadError("not a folder", root)
    found: list[Path] = []
    for current, dirs, files in os.walk(root):
        here = Path(current)
        if MANIFEST_NAME in files:
            found.append(here)
            dirs.clear()
            continue
        if here == root:
            found.extend(here / f for f in sorted(files) if _is_loose_spell(here / f))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
    results: list[Spell | tuple[Path, Exception]] = []
    for path in found:
        try:
            results.append(load_spell(path))
        except (SpellLoadError, OSError) as exc:
            results.append((path, exc))
    return sorted(results, key=_sort_key)


def _sort_key(item: Spell | tuple[Path, Exception]) -> tuple[str, str]:
    if isinstance(item, Spell):
        return item.name.lower(), str(item.entry)
    path = item[0]
    name = path.stem if path.is_file() else path.name
    return name.lower(), str(path)
