"""Errors a run can end with, and the exit codes the CLI maps them to.

Load-time problems (bad manifest, bad parameters) live in `engines.spell.errors`; this module
holds what happens once the spell runs: its own errors, limits, and errors the API raises
back into the spell.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    SPELL_ERROR = 1
    USAGE = 2
    LIMIT = 3


class SpellError(Exception):
    """The spell failed: a syntax error, a runtime error, or an uncaught API error.

    `file` and `line` point into the spell's own source when known; `traceback` is the
    engine's traceback text (Lua's stack traceback, Tengo's frame list, ...).
    """

    exit_code = ExitCode.SPELL_ERROR

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        traceback: str = "",
        kind: str = "runtime",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.traceback = traceback
        self.kind = kind

    def location(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class LimitExceeded(SpellError):
    """A run went past one of its limits (memory, timeout, instructions, recursion)."""

    exit_code = ExitCode.LIMIT

    def __init__(self, limit: str, message: str, **kwargs: object) -> None:
        super().__init__(message, kind="limit", **kwargs)  # type: ignore[arg-type]
        self.limit = limit


def format_size(size: int) -> str:
    """Sizes as a manifest writes them: 64 MiB, 16 MB, or bytes."""
    for unit, factor in (
        ("GiB", 2**30),
        ("MiB", 2**20),
        ("GB", 10**9),
        ("MB", 10**6),
        ("KiB", 2**10),
    ):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def memory_limit_exceeded(limit: int) -> LimitExceeded:
    """The error every engine ends a run with when the spell outgrows its memory limit."""
    return LimitExceeded(
        "memory", f"memory limit exceeded: the spell used more than {format_size(limit)}"
    )


class ApiError(Exception):
    """Raised by an API service for a bad call; the spell sees it as a catchable error."""


class PermissionDenied(ApiError):
    """The spell asked for something its manifest does not allow."""
