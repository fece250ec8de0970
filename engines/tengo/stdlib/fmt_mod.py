"""The ``fmt`` module: print, printf, println, sprintf (stdout is sys.stdout)."""

from __future__ import annotations

import sys
from typing import Any

from ..gofmt import go_sprintf
from ..values import to_plain_str
from ._util import bad_arg, check_str, module, wrong_args


def _print(*args: Any) -> None:
    sys.stdout.write("".join(to_plain_str(a) for a in args))


def _println(*args: Any) -> None:
    sys.stdout.write(" ".join(to_plain_str(a) for a in args) + "\n")


def _format(name: str, args: tuple) -> str:
    if not args:
        raise wrong_args(name)
    if type(args[0]) is not str:
        raise bad_arg(name, 0, "string", args[0])
    if len(args) == 1:
        return args[0]
    return check_str(go_sprintf(args[0], list(args[1:])))


def _printf(*args: Any) -> None:
    sys.stdout.write(_format("printf", args))


def _sprintf(*args: Any) -> str:
    return _format("sprintf", args)


MODULE = module(
    "fmt", {"print": _print, "printf": _printf, "println": _println, "sprintf": _sprintf}
)
