"""Compiling and running Tengo programs (the engine's public entry points).

:func:`compile_script` parses and compiles a program (with its source
modules) into Python code; :meth:`CompiledScript.run` executes it and returns
the program's globals.  Python exceptions escaping generated code are turned
into :class:`TengoRuntimeError` with upstream's message and frame list, found
by walking the traceback through the generated functions' line tables.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import warnings
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import ops
from .builtins import BUILTIN_VALUES, BUILTINS
from .compiler import CompiledUnit, CompileOptions, compile_program
from .errors import Frame, TengoCompileError, TengoError, TengoRuntimeError
from .scanner import SourceFile
from .values import FunctionType, TError, python_type_to_tengo, wrap_int

# Upstream allows 1024 frames but eliminates tail calls; we allow deeper
# recursion instead (CPython 3.11 does not use the C stack for these calls).
MAX_FRAMES = 12000
_counter = itertools.count(1)
# generated file name -> unit, for mapping tracebacks back to Tengo source.
# Weak, so compiled scripts can be garbage collected; a unit stays alive as long
# as its script or any function it created does (see ``run``).
_UNITS: weakref.WeakValueDictionary[str, CompiledUnit] = weakref.WeakValueDictionary()


@dataclass
class Limits:
    """Resource limits (upstream's MaxStringLen / MaxBytesLen / max allocs)."""

    max_string_len: int = 2147483647
    max_bytes_len: int = 2147483647
    max_allocs: int = -1


class _AllocCounter:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def __call__(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise TengoRuntimeError("allocation limit exceeded")

    def call(self, callee: Any) -> None:
        # calls into compiled (Tengo) functions allocate nothing themselves
        if type(callee) is not FunctionType:
            self()


def _base_namespace() -> dict[str, Any]:
    """Names the generated code relies on (helpers, builtins)."""
    ns: dict[str, Any] = {
        "_add": ops.add,
        "_sub": ops.sub,
        "_mul": ops.mul,
        "_lt": ops.lt,
        "_le": ops.le,
        "_gt": ops.gt,
        "_ge": ops.ge,
        "_eq": ops.eq,
        "_neg": ops.neg,
        "_bitnot": ops.bitnot,
        "_binop": ops.binop,
        "_quo": lambda a, b: ops.binop("/", a, b),
        "_rem": lambda a, b: ops.binop("%", a, b),
        "_wrap": lambda v: wrap_int(v) if type(v) is int else v,
        "_truthy": ops.truthy,
        "_index": ops.index,
        "_set_index": ops.set_index,
        "_set_sel": ops.set_selectors,
        "_slice": ops.slice_,
        "_spread": ops.spread,
        "_iter_items": ops.iter_items,
        "_iter_values": ops.iter_values,
        "_iter_keys": ops.iter_keys,
        "_immutable": ops.immutable,
        "_TError": TError,
        "_refcount": sys.getrefcount,
        "_PLAIN_EQ": frozenset({int, float, str, bool, bytearray, type(None)}),
    }
    for name, fn in BUILTINS.items():
        ns["_b_" + name] = fn
    for name, val in BUILTIN_VALUES.items():
        ns["_bv_" + name] = val
    return ns


_BASE_NS = _base_namespace()


def _namespace(unit: CompiledUnit) -> dict[str, Any]:
    ns = dict(_BASE_NS)
    ns.update(unit.consts)
    return ns


_ARITY_RE = re.compile(
    r"(?:[\w.<>]+\.)?(\w+)\(\) (takes|missing) (\d+) .*?(?:but (\d+) (?:was|were) given)?$"
)
_NOT_CALLABLE_RE = re.compile(r"'(\w+)' object is not callable")


def _translate(exc: BaseException, unit_fn_info: dict) -> TengoRuntimeError:
    if isinstance(exc, TengoRuntimeError):
        return exc
    if isinstance(exc, RecursionError):
        return TengoRuntimeError("stack overflow")
    msg = str(exc)
    if isinstance(exc, TypeError):
        m = _NOT_CALLABLE_RE.search(msg)
        if m:
            return TengoRuntimeError(f"not callable: {python_type_to_tengo(m.group(1))}")
        m = _ARITY_RE.match(msg)
        if m and m.group(1) in unit_fn_info:
            nparams, varargs = unit_fn_info[m.group(1)]
            if varargs:
                nparams -= 1
            got = int(m.group(4) or 0) if m.group(2) == "takes" else nparams - int(m.group(3))
            want = f">={nparams}" if varargs else f"={nparams}"
            return TengoRuntimeError(f"wrong number of arguments: want{want}, got={got}")
    if isinstance(exc, MemoryError):
        return TengoRuntimeError("out of memory")
    return TengoRuntimeError(f"{type(exc).__name__}: {msg}")


MAX_REPORTED_FRAMES = 64


def _frames(exc: BaseException) -> list[Frame]:
    """Tengo frames of a traceback, innermost first (at most 64 reported)."""
    entries = []
    tb = exc.__traceback__
    while tb is not None:
        unit = _UNITS.get(tb.tb_frame.f_code.co_filename)
        if unit is not None:
            lm = unit.line_map
            ln = tb.tb_lineno
            entry = lm[ln] if 0 <= ln < len(lm) else None
            spans = unit.col_map.get(ln)
            if entry is not None and spans is not None:
                # several calls on this line: the failing one by its column
                code = tb.tb_frame.f_code
                col = next(itertools.islice(code.co_positions(), tb.tb_lasti // 2, None))[2]
                if col is not None:
                    entry = (entry[0], dict(spans).get(col, entry[1]))
            if entry is not None:
                entries.append(entry)
        tb = tb.tb_next
    frames = []
    for src, pos in reversed(entries[-MAX_REPORTED_FRAMES:]):
        line, col = src.line_col(pos)
        frames.append(Frame(src.name, line, col))
    return frames


class CompiledScript:
    """A compiled program, runnable any number of times."""

    def __init__(
        self,
        unit: CompiledUnit,
        globals_: dict[str, Any],
        limits: Limits,
        line_hook: Callable[[str, int], None] | None = None,
    ) -> None:
        self.unit = unit
        self.filename = f"<tengo-{next(_counter)}>"
        _UNITS[self.filename] = unit
        with warnings.catch_warnings():
            # e.g. "'NoneType' object is not subscriptable" for `undefined[0]`
            warnings.simplefilter("ignore")
            try:
                self.code = compile(unit.source, self.filename, "exec")
            except (SyntaxError, RecursionError, MemoryError) as e:
                # Python's own limits (e.g. 100 indentation levels, 20 nested
                # loops) can be hit by extremely nested programs
                raise TengoCompileError(f"program too complex to compile ({e})") from None
        self.globals = globals_
        self.limits = limits
        self.line_hook = line_hook
        # Under a line hook each statement first tests `line_flags[its line]`, and calls the
        # hook only when that is true (index 0: loops that run no statement). All lines are
        # flagged to begin with; a caller that wants fewer changes the list in place.
        debug = unit.debug
        self.line_flags: list[int] = [0] + [1] * (debug.max_line if debug else 0)
        # Called with every error leaving Tengo code (before it is translated and its
        # traceback dropped): a debugger reads the frames the error went through.
        self.on_error: Callable[[BaseException], None] | None = None

    def run(self) -> dict[str, Any]:
        """Runs the program; returns its globals (name -> Tengo value)."""
        ns = _namespace(self.unit)
        ns["__tengo_unit__"] = self.unit  # functions keep their line table alive
        if self.limits.max_allocs >= 0:
            counter = _AllocCounter(self.limits.max_allocs)
            ns["_alloc"] = counter
            ns["_alloc_call"] = counter.call
        ns["_line_hook"] = self.line_hook or (lambda f, line: None)
        ns["_lw"] = self.line_flags
        exec(self.code, ns)
        return self._invoke(ns["_main"], dict(self.globals))

    def call(self, fn: Any, *args: Any) -> Any:
        """Calls a Tengo function value (e.g. a callback a script handed to a
        host function) with Tengo-value arguments, translating errors like
        :meth:`run` does."""
        return self._invoke(fn, *args)

    def _invoke(self, fn: Any, *args: Any) -> Any:
        old_limits = ops.set_limits(self.limits.max_string_len, self.limits.max_bytes_len)
        depth = _stack_depth()
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, depth + MAX_FRAMES + 200))
        try:
            return fn(*args)
        except TengoError as e:
            if self.on_error is not None:
                self.on_error(e)
            if isinstance(e, TengoRuntimeError) and not e.frames:
                e.frames = _frames(e)
                e.__traceback__ = None
            raise
        except Exception as e:  # raw Python error inside generated code
            if self.on_error is not None:
                self.on_error(e)
            err = _translate(e, self.unit.fn_info)
            err.frames = _frames(e)
            raise err from None
        except BaseException as e:  # an interrupt (time limit, cancel) or a stop request
            if self.on_error is not None:
                self.on_error(e)
            raise
        finally:
            sys.setrecursionlimit(old_limit)
            ops.set_limits(*old_limits)


class _ModuleResolver:
    """Maps an import name to ``("source", text)`` or ``("value", module)``.

    Standard modules are loaded only when a script imports them."""

    def __init__(
        self, modules: dict[str, Any], stdlib: Any, os_policy: Any, import_dir: str | None = None
    ) -> None:
        from .stdlib import ALL_MODULES

        self.modules = modules
        if stdlib is True:
            self.stdlib: set[str] = set(ALL_MODULES)
        elif stdlib is False or stdlib is None:
            self.stdlib = set()
        else:
            self.stdlib = set(stdlib)
        self.os_policy = os_policy
        self.import_dir = import_dir
        self._cache: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name in self._cache:
            return self._cache[name]
        from .convert import host_module

        mod = self.modules.get(name)
        if mod is None and name in self.stdlib:
            from .stdlib import load_module

            mod = load_module(name, self.os_policy)
        if mod is None and self.import_dir is not None:
            res = self._file_module(name)
        elif mod is None:
            res = None
        elif isinstance(mod, str):
            res = ("source", mod)
        elif isinstance(mod, tuple):
            res = mod
        else:
            res = ("value", host_module(name, mod))
        self._cache[name] = res
        return res

    def _file_module(self, name: str) -> Any:
        """``import("./lib")`` reads lib.tengo next to the main script (the
        CLI's behaviour upstream); the module is named by its absolute path."""
        assert self.import_dir is not None
        file = name if name.endswith(".tengo") else name + ".tengo"
        path = os.path.abspath(os.path.join(self.import_dir, file))
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                return ("source", fh.read(), path)
        except OSError:
            return None


def _stack_depth() -> int:
    f = sys._getframe()
    n = 0
    while f is not None:
        n += 1
        f = f.f_back  # type: ignore[assignment]
    return n


def compile_script(
    source: str,
    file_name: str = "(main)",
    *,
    globals: dict[str, Any] | None = None,
    modules: dict[str, Any] | None = None,
    stdlib: set[str] | Iterable[str] | bool = True,
    limits: Limits | None = None,
    os_policy: Any = None,
    line_hook: Callable[[str, int], None] | None = None,
    import_dir: str | None = None,
) -> CompiledScript:
    """Parses and compiles ``source``.

    ``globals`` predeclares global variables (Tengo values).  ``modules`` maps
    an import name to Tengo source text (``str``) or a host module (a dict of
    name -> Tengo value / Python callable, see :func:`host_module`).
    ``stdlib`` selects importable standard modules (True = all).
    ``line_hook(file, line)`` if given is called before every statement (before those whose
    line is flagged in the script's ``line_flags``, which flags every line to begin with).
    ``import_dir`` enables importing ``NAME.tengo`` files from that directory.
    """
    limits = limits or Limits()
    resolver = _ModuleResolver(modules or {}, stdlib, os_policy, import_dir)
    opts = CompileOptions(
        predeclared=list((globals or {}).keys()),
        modules=resolver,
        line_hook=line_hook is not None,
        count_allocs=limits.max_allocs >= 0,
        max_string_len=limits.max_string_len if limits.max_string_len < 2147483647 else None,
        length_limits=limits.max_string_len < 2147483647 or limits.max_bytes_len < 2147483647,
    )
    unit = compile_program(SourceFile(file_name, source), opts)
    return CompiledScript(unit, dict(globals or {}), limits, line_hook)


def run_script(source: str, file_name: str = "(main)", **kw: Any) -> dict[str, Any]:
    return compile_script(source, file_name, **kw).run()
