"""The loaded form of a spell: what the runtime, the CLI and the IDE get from the loader."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engines.spell.params import ParameterSpec

ENGINES = ("lua", "javascript", "tengo")
# Extension of the program file of each engine, used for defaults and templates.
ENGINE_EXTENSIONS = {"lua": ".lua", "javascript": ".js", "tengo": ".tengo"}
EXTENSION_ENGINES = {ext: engine for engine, ext in ENGINE_EXTENSIONS.items()}

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 512 * 1024**2  # 512 MiB


@dataclass(frozen=True)
class Permissions:
    """What a spell may touch; everything is denied unless the manifest declares it.

    ``files_read``/``files_write`` are absolute roots (resolved relative to the spell folder).
    """

    files_read: tuple[Path, ...] = ()
    files_write: tuple[Path, ...] = ()
    network_hosts: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    exec: bool = False


@dataclass(frozen=True)
class Limits:
    """Resource limits: ``timeout`` in seconds, ``memory`` in bytes, ``instructions`` or None."""

    timeout: float = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY
    instructions: int | None = None


@dataclass(frozen=True)
class Spell:
    """A spell ready to run. ``manifest_path`` is None for a single-file spell."""

    name: str
    version: str
    description: str
    engine: str
    dir: Path
    entry: Path
    manifest_path: Path | None = None
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)
    permissions: Permissions = field(default_factory=Permissions)
    limits: Limits = field(default_factory=Limits)
    tags: tuple[str, ...] = ()
