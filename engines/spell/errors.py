"""Exceptions raised while loading spells, their manifests and their parameters.

Every message is meant to be shown to a person as is, so each one names the file
(and the line, where one is known) that needs fixing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class SpellLoadError(Exception):
    """A spell could not be loaded; ``file`` and ``line`` point at the culprit when known."""

    def __init__(self, message: str, file: Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        if self.file is None:
            return self.message
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Problem:
    """One problem found in a manifest; ``line`` is 1-based, ``path`` is dotted (``a.b[0]``)."""

    file: Path
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        return f"{where}: {self.path}: {self.message}"


class ManifestError(SpellLoadError):
    """A ``spell.yaml`` is invalid; ``problems`` lists everything wrong with it, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("ManifestError needs at least one problem")
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.message, first.file, first.line)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ParamError(SpellLoadError):
    """Spell parameters are invalid; ``problems`` holds one readable line per problem."""

    def __init__(
        self, problems: list[str], file: Path | None = None, line: int | None = None
    ) -> None:
        if not problems:
            raise ValueError("ParamError needs at least one problem")
        self.problems = list(problems)
        super().__init__(self.problems[0], file, line)

    def __str__(self) -> str:
        return "\n".join(self.problems)
