"""Exception types raised by the Tengo engine.

``str(exc)`` is exactly the text upstream's ``tengo`` command prints:

* ``Parse Error: <msg>\\n\\tat <file>:<line>:<col>`` (``(and N more errors)``)
* ``Compile Error: <msg>\\n\\tat <file>:<line>:<col>``
* ``Runtime Error: <msg>`` followed by one ``\\n\\tat <file>:<line>:<col>`` per
  frame, innermost first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scanner import SourceFile


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class TengoError(Exception):
    """Base class; ``message`` is the bare message, ``str()`` the formatted text."""

    kind = "Error"

    def __init__(self, message: str, frames: list[Frame] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.frames: list[Frame] = list(frames or [])

    @property
    def file(self) -> str | None:
        return self.frames[0].file if self.frames else None

    @property
    def line(self) -> int | None:
        return self.frames[0].line if self.frames else None

    @property
    def col(self) -> int | None:
        return self.frames[0].col if self.frames else None

    def __str__(self) -> str:
        text = f"{self.kind}: {self.message}"
        for fr in self.frames:
            text += f"\n\tat {fr}"
        return text


class TengoParseError(TengoError):
    kind = "Parse Error"

    def __init__(self, message: str, frames: list[Frame] | None = None, more: int = 0) -> None:
        super().__init__(message, frames)
        self.more = more

    @classmethod
    def from_list(cls, src: SourceFile, errors: list[tuple[int, str]]) -> TengoParseError:
        errors = sorted(errors, key=lambda e: e[0])
        pos, msg = errors[0]
        line, col = src.line_col(pos)
        return cls(msg, [Frame(src.name, line, col)], len(errors) - 1)

    def __str__(self) -> str:
        text = super().__str__()
        if self.more:
            text += f" (and {self.more} more errors)"
        return text


class TengoCompileError(TengoError):
    kind = "Compile Error"


class TengoRuntimeError(TengoError):
    """A Tengo run-time error.  Raised by helpers without frames; the engine
    fills ``frames`` from the Python traceback when the error leaves the
    script."""

    kind = "Runtime Error"


class TengoExit(TengoError):
    """Raised by ``os.exit(code)``: the script asked to stop with ``code``.
    The CLI turns it into the process exit status; hosts may catch it."""

    kind = "Exit"

    def __init__(self, code: int) -> None:
        super().__init__(f"exit status {code}")
        self.code = code
