"""Shared pieces of the Tengo-to-Python compiler: options, result type,
symbol/scope/function bookkeeping, line emission and helpers that reason about
"atoms" (the Python expressions naming already-computed values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import ast as A
from .debug_info import DebugInfo
from .errors import Frame, TengoCompileError
from .scanner import SourceFile

BUILTIN_NAMES = (
    "len", "copy", "append", "delete", "splice", "string", "int", "bool", "float", "char",
    "bytes", "time", "is_int", "is_float", "is_string", "is_bool", "is_char", "is_bytes",
    "is_array", "is_immutable_array", "is_map", "is_immutable_map", "is_iterable", "is_time",
    "is_error", "is_undefined", "is_function", "is_callable", "type_name", "format", "range",
    "freeze",
)  # fmt: skip

_MAX = "9223372036854775807"
_MIN = "-9223372036854775808"
_SPAN = "18446744073709551616"

_HELPERS = {
    "+": "_add", "-": "_sub", "*": "_mul", "<": "_lt", ">": "_gt", "<=": "_le", ">=": "_ge",
    "/": "_quo", "%": "_rem",
}  # fmt: skip

_COMPOUND = {
    "+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%", "&=": "&", "|=": "|",
    "^=": "^", "<<=": "<<", ">>=": ">>", "&^=": "&^",
}  # fmt: skip


@dataclass(eq=False)
class Sym:
    name: str
    py: str
    kind: str  # "global" | "local" | "builtin"
    fctx: FuncCtx | None
    key: int = 0
    boxed: bool = False


@dataclass(eq=False)
class Scope:
    parent: Scope | None
    fctx: FuncCtx | None
    syms: dict[str, Sym] = field(default_factory=dict)


@dataclass(eq=False)
class FuncCtx:
    parent: FuncCtx | None
    src: SourceFile
    kind: str  # "main" | "module" | "func"
    lines: list[tuple[int, str, SourceFile | None, int | None]] = field(default_factory=list)
    ind: int = 1
    ntemp: int = 0
    loop_depth: int = 0
    nonlocals: set[str] = field(default_factory=set)
    box_params: set[str] = field(default_factory=set)
    # outer variables this function reads (a function that reads none can
    # be defined at the top level of the generated module)
    free: set[str] = field(default_factory=set)
    # atoms known to hold a Python bool (comparison results) / an int64
    bool_atoms: set[str] = field(default_factory=set)
    int_atoms: set[str] = field(default_factory=set)
    # set while compiling the int-specialised body of a function
    spec: Any = None
    # (debug) the generated function's name and its debug_info marks
    py_name: str = ""
    marks: list[tuple[int, str, Any]] = field(default_factory=list)


class CompileOptions:
    def __init__(
        self,
        predeclared: list[str] | None = None,
        modules: Any = None,
        line_hook: bool = False,
        count_allocs: bool = False,
        max_string_len: int | None = None,
        length_limits: bool = False,
    ) -> None:
        self.predeclared = predeclared or []
        # .get(name) -> ("source", text) | ("value", tengo value) | None
        self.modules: Any = modules or {}
        self.line_hook = line_hook
        self.count_allocs = count_allocs
        self.max_string_len = max_string_len
        # string/bytes size limits are in force: concatenations must go
        # through the checking helper
        self.length_limits = length_limits


class CompiledUnit:
    """Result of compilation: Python source plus the tables needed to run it."""

    def __init__(self, source: str, line_map: list, consts: dict[str, Any], fn_info: dict) -> None:
        self.source = source
        self.line_map = line_map  # index = generated line number
        self.consts = consts
        self.fn_info = fn_info  # python function name -> (nparams, varargs)
        self.global_names: list[str] = []
        # generated line -> ((column, Tengo position), ...) for lines holding
        # several calls: the failing call's column picks the position
        self.col_map: dict[int, tuple[tuple[int, int], ...]] = {}
        # names, scopes and statement lines for the debugger (with line_hook only)
        self.debug: DebugInfo | None = None


def _has_continue(node: Any) -> bool:
    """True if ``node`` contains a ``continue`` bound to the enclosing loop."""
    if isinstance(node, A.BranchStmt):
        return node.tok == "continue"
    if isinstance(node, (A.ForStmt, A.ForInStmt, A.FuncLit)):
        return False
    if isinstance(node, A.BlockStmt):
        return any(_has_continue(s) for s in node.stmts)
    if isinstance(node, A.IfStmt):
        return _has_continue(node.body) or (node.else_ is not None and _has_continue(node.else_))
    return False


def _may_change_vars(node: Any) -> bool:
    """True if evaluating ``node`` could assign variables (only calls can), so
    a variable read before it must be copied to keep upstream's order."""
    if isinstance(node, (A.CallExpr, A.ImportExpr)):
        return True
    if isinstance(node, A.FuncLit):
        return False
    for value in vars(node).values():
        if isinstance(value, A.Node) and _may_change_vars(value):
            return True
        if isinstance(value, list) and any(
            isinstance(v, A.Node) and _may_change_vars(v) for v in value
        ):
            return True
    return False


def _out_of_range(t: str) -> str:
    """Python condition: ``t`` (a number) lies outside int64.  The first test
    is against compact bounds (|v| < 2**30), which CPython 3.11 specialises,
    and uses plain comparisons rather than a chained one (fewer
    instructions); the exact int64 bounds are only consulted for large
    values.  Raises TypeError for non-numbers such as str."""
    return f"({t} > 1073741823 or {t} < -1073741823) and ({t} > {_MAX} or {t} < {_MIN})"


def _int_atom(a: str) -> int | None:
    if a and (a[0].isdigit() or (a[0] == "-" and a[1:].isdigit())):
        try:
            return int(a)
        except ValueError:
            return None
    return None


def _eq_expr(op: str, a: str, b: str, ints: set[str] | frozenset[str] = frozenset()) -> str:
    """Python expression for Tengo ``a == b`` / ``a != b`` on two atoms
    (``ints``: atoms known to hold ints)."""
    neg = op == "!="
    a_int = _int_atom(a)
    b_int = _int_atom(b)
    if (a_int is not None or a in ints) and (b_int is not None or b in ints):
        return f"{a} {op} {b}"
    if a_int is not None or b_int is not None:
        x, k = (b, a) if a_int is not None else (a, b)
        kv = _int_atom(k)
        # Python's == agrees with upstream for every type except that
        # False == 0 and True == 1; Char.__eq__ compares with ints.
        test = f"{x} == {k}"
        if kv in (0, 1):
            test += f" and {x} is not {'False' if kv == 0 else 'True'}"
        return f"not ({test})" if neg else test
    if _is_str_atom(a) or _is_str_atom(b):
        return f"{a} {op} {b}"
    if a == "None" or b == "None":
        return f"{a} is {'not ' if neg else ''}{b}"
    # same plain type (int, float, str, bool, bytearray, undefined): Python's ==
    test = f"({a} == {b} if type({a}) is type({b}) and type({a}) in _PLAIN_EQ else _eq({a}, {b}))"
    return f"not {test}" if neg else test


def _is_float_atom(a: str) -> bool:
    try:
        float(a)
    except ValueError:
        return False
    return _int_atom(a) is None


def _py_arith_ok(a: str) -> bool:
    """False for literal operands where Python's operators disagree with
    Tengo's (bools act as ints in Python, undefined is None)."""
    return a not in ("True", "False", "None")


def _is_str_atom(a: str) -> bool:
    return len(a) >= 2 and a[0] in "'\"" and a[-1] == a[0]


class CodegenBase:
    """State and emission helpers shared by the expression and statement compilers."""

    def __init__(self, opts: CompileOptions, boxed_keys: set[int] | None = None) -> None:
        self.opts = opts
        self.boxed_keys = boxed_keys or set()
        self.found_boxed: set[int] = set()
        self.consts: dict[str, Any] = {}
        self._const_ids: dict[tuple, str] = {}
        self.fn_info: dict[str, tuple[int, bool]] = {}
        self.nfunc = 0
        self.nsym = 0
        self.module_defs: list[FuncCtx] = []
        self.module_fn: dict[str, str] = {}
        self.module_stack: list[str] = []
        self.f: FuncCtx
        self.scope: Scope
        self.loops: list[int] = []
        # (tengo name, python name) of every global defined in main
        self.global_syms: list[tuple[str, str]] = []
        # int specialisation (see specialize.py): the variable a function
        # literal is being bound to, the file being compiled (and the names
        # assigned in it, by id of the tree), top-level defs of specialised
        # bodies
        self.defining: Sym | None = None
        self.file_tree: A.Node | None = None
        self._assigned: dict[int, set[str]] = {}
        self.top_defs: list[tuple[str, FuncCtx]] = []
        # (debug) every generated function: (context, kind, Tengo line, name given to it)
        self.debug_fns: list[tuple[FuncCtx, str, int, str | None, list[str]]] = []
        self.fn_hint: str | None = None  # the name a function literal is being given

    # --- helpers --------------------------------------------------------------

    @property
    def bool_atoms(self) -> set[str]:
        # per function: temporaries are numbered per function, so a name
        # known to be a bool in one function says nothing about another
        return self.f.bool_atoms

    def copy_needed(self, a: str) -> bool:
        """``a`` is a variable that evaluating a call could assign, so it must
        be copied first to keep upstream's evaluation order (temporaries and
        the never-assigned parameters of a specialised body cannot change)."""
        if not a.isidentifier() or a.startswith("_t"):
            return False
        spec = self.f.spec
        return spec is None or a not in spec.fixed

    def is_int(self, a: str) -> bool:
        """``a`` is known to hold an int64 (literal or int-specialised value)."""
        return a in self.f.int_atoms or _int_atom(a) is not None

    def error(self, node: A.Node, msg: str) -> TengoCompileError:
        src = self.f.src
        line, col = src.line_col(node.pos)
        return TengoCompileError(msg, [Frame(src.name, line, col)])

    def emit(
        self, text: str, pos: int | None = None, spans: list[tuple[int, int]] | None = None
    ) -> None:
        """Appends a generated line; ``pos`` is the Tengo position of the
        operation that can fail on it.  ``spans`` ((byte column in ``text``,
        position), ...) give a position per call when a line holds several."""
        f = self.f
        p: Any = pos if not spans else (pos, tuple(spans))
        f.lines.append((f.ind, text, f.src if pos is not None else None, p))

    @property
    def hot(self) -> bool:
        """True where code may run many times (functions and loop bodies)."""
        return self.f.kind == "func" or self.f.loop_depth > 0

    def count_alloc(self, pos: int, callee: str | None = None) -> None:
        """Allocation accounting as upstream's VM does it (only when a limit
        is set, so normal code carries no cost): one unit per operation that
        creates an object; calls count unless they go to a compiled function."""
        if not self.opts.count_allocs:
            return
        if callee is None:
            self.emit("_alloc()", pos)
        else:
            self.emit(f"_alloc_call({callee})", pos)

    def tmp(self) -> str:
        self.f.ntemp += 1
        return f"_t{self.f.ntemp}"

    def const(self, value: Any, key: tuple) -> str:
        name = self._const_ids.get(key)
        if name is None:
            name = f"_k{len(self.consts)}"
            self.consts[name] = value
            self._const_ids[key] = name
        return name

    # --- symbols ----------------------------------------------------------------

    def push_scope(self, fctx: FuncCtx | None = None) -> None:
        self.scope = Scope(self.scope, fctx if fctx is not None else self.f)

    def pop_scope(self) -> None:
        assert self.scope.parent is not None
        if self.opts.line_hook:
            self.mark_scope_end(self.scope)
        self.scope = self.scope.parent

    def mark(self, kind: str, data: Any, index: int | None = None) -> None:
        """A debug_info mark at line `index` of the current function (default: the next)."""
        f = self.f
        f.marks.append((len(f.lines) if index is None else index, kind, data))

    def mark_scope_end(self, scope: Scope) -> None:
        own = [s.py for s in scope.syms.values() if s.fctx is self.f and s.kind != "builtin"]
        if own:
            self.mark("end", (self.f, own))

    def define(self, name: str) -> Sym:
        self.nsym += 1
        py = f"{name}_{self.nsym}"
        if not py.isidentifier():  # Go accepts a few letters Python does not
            py = f"v_{self.nsym}"
        kind = "global" if self.f.kind == "main" else "local"
        sym = Sym(name, py, kind, self.f, self.nsym)
        if kind == "local" and self.f.loop_depth > 0 and self.nsym in self.boxed_keys:
            sym.boxed = True
        self.scope.syms[name] = sym
        return sym

    def resolve(self, name: str) -> Sym | None:
        s: Scope | None = self.scope
        while s is not None:
            sym = s.syms.get(name)
            if sym is not None:
                if sym.fctx is not None and sym.fctx is not self.f:
                    self._capture(sym)
                return sym
            s = s.parent
        return None

    def _capture(self, sym: Sym) -> None:
        if sym.kind == "local" and sym.fctx is not None and sym.fctx.loop_depth > 0:
            # possibly defined in a loop; remember for the second pass
            self.found_boxed.add(sym.key)
        if sym.boxed:
            f: FuncCtx | None = self.f
            while f is not None and f is not sym.fctx:
                f.box_params.add(sym.py)
                f = f.parent

    def read_sym(self, sym: Sym) -> str:
        if sym.kind == "builtin":
            return f"_bv_{sym.name}"
        if sym.fctx is not self.f:
            self.f.free.add(sym.py)
        if sym.boxed:
            t = self.tmp()
            self.emit(f"{t} = {sym.py}[0]")
            return t
        return sym.py

    def write_sym(self, sym: Sym, value: str, define: bool = False) -> None:
        if sym.boxed:
            if define:
                self.emit(f"{sym.py} = [{value}]")
            else:
                self.emit(f"{sym.py}[0] = {value}")
        else:
            if sym.fctx is not self.f:
                self.f.nonlocals.add(sym.py)
            if not self.retarget(value, sym.py + " = "):
                self.emit(f"{sym.py} = {value}")
        if define and self.opts.line_hook:
            self.mark_defined(sym, len(self.f.lines) - 1)

    def mark_defined(self, sym: Sym, index: int) -> None:
        self.mark("def", (sym.fctx, sym.py, sym.boxed), index)

    def retarget(self, value: str, prefix: str) -> bool:
        """If the last line (at the current indentation) computed ``value``
        into a temporary, make it ``prefix + expression`` instead and return
        True: ``_t3 = f(x)`` + ``y = _t3`` becomes ``y = f(x)``."""
        lines = self.f.lines
        if value.startswith("_t") and lines:
            ind, text, src, pos = lines[-1]
            old = value + " = "
            if ind == self.f.ind and text.startswith(old):
                if isinstance(pos, tuple):  # columns move with the new prefix
                    d = len(prefix.encode()) - len(old)
                    pos = (pos[0], tuple((c + d, p) for c, p in pos[1]))
                lines[-1] = (ind, prefix + text[len(old) :], src, pos)
                return True
        return False

    def cond_atom(self, node: A.Node) -> str:
        while isinstance(node, A.ParenExpr):
            node = node.expr
        if isinstance(node, A.BinaryExpr) and node.op in ("==", "!="):
            # equality cannot fail, so it can sit in the condition itself
            a = self.expr(node.lhs)
            if _may_change_vars(node.rhs) and self.copy_needed(a):
                t = self.tmp()
                self.emit(f"{t} = {a}")
                a = t
            b = self.expr(node.rhs)
            return f"({_eq_expr(node.op, a, b, self.f.int_atoms)})"
        a = self.expr(node)
        return self.truth(a)

    def truth(self, a: str) -> str:
        if a in ("True", "False") or a in self.bool_atoms:
            return a
        return f"_truthy({a})"

    def expr(self, n: A.Node) -> str:
        raise NotImplementedError  # provided by the expression compiler

    def compile_module(self, name: str, text: str) -> str:
        raise NotImplementedError  # provided by the statement compiler

    def block_stmts(self, stmts: list[A.Node]) -> None:
        raise NotImplementedError  # provided by the statement compiler
