"""Tengo (github.com/d5/tengo v2) implemented in Python.

Programs are compiled to Python source (see :mod:`.compiler`) and run by
CPython.  Public API:

* :func:`compile_script` -> :class:`CompiledScript` (``.run()`` returns the
  globals), :func:`run_script`;
* host modules: pass ``modules={"name": {"fn": callable, "const": value}}``
  (callables receive and return Tengo values; wrap plain-Python functions
  with :func:`python_function` to convert automatically); :func:`host_module`,
  :func:`user_function`; :meth:`CompiledScript.call` calls a script function
  from the host;
* conversions :func:`to_python` / :func:`from_python`;
* errors :class:`TengoError` (``.message``, ``str()`` = upstream text),
  :class:`TengoParseError`, :class:`TengoCompileError`,
  :class:`TengoRuntimeError` (``.frames``: list of :class:`Frame`);
  ``os.exit`` raises :class:`TengoExit`.
"""

from __future__ import annotations

from .ast import File
from .convert import (
    TengoErrorValue,
    from_python,
    host_module,
    python_function,
    to_python,
    user_function,
)
from .errors import (
    Frame,
    TengoCompileError,
    TengoError,
    TengoExit,
    TengoParseError,
    TengoRuntimeError,
)
from .parser import parse
from .scanner import SourceFile
from .script import CompiledScript, Limits, compile_script, run_script


def parse_source(source: str, file_name: str = "(main)") -> File:
    """Parses ``source``; raises :class:`TengoParseError`."""
    return parse(SourceFile(file_name, source))


__all__ = [
    "CompiledScript",
    "Frame",
    "Limits",
    "TengoCompileError",
    "TengoError",
    "TengoErrorValue",
    "TengoExit",
    "TengoParseError",
    "TengoRuntimeError",
    "compile_script",
    "from_python",
    "host_module",
    "parse_source",
    "python_function",
    "run_script",
    "to_python",
    "user_function",
]
