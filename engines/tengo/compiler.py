"""Compiles a Tengo syntax tree into Python source code.

Each Tengo function becomes a Python ``def``; expressions are flattened into
three-address statements over temporaries so that every operation that can
fail sits on its own generated line.  A line table maps generated lines back
to Tengo positions, which is how run-time errors get upstream's
``at file:line:col`` frames without any bookkeeping on the fast path.

Semantics worth knowing:

* Each Tengo variable gets a unique Python name, so block shadowing is free.
* Main-program globals are locals of the generated ``_main`` function; nested
  functions reach them as Python closure cells (``nonlocal`` when assigned).
* Upstream closures capture variables by reference, but a ``:=`` executed
  again (e.g. in a loop body) creates a fresh variable.  Locals that are both
  defined inside a loop and captured by a closure are therefore "boxed" (held
  in a one-element list) and closures bind the current box via a keyword-only
  default argument.  This needs a second compile pass, done only when such a
  variable exists.
* Integer ``+ - *`` run inline when both operands are ints, followed by a
  cheap int64 overflow check; everything else goes through :mod:`.ops`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import ast as A
from .errors import Frame, TengoCompileError
from .parser import parse
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


def _is_simple(node: Any) -> bool:
    return isinstance(
        node,
        (A.Ident, A.IntLit, A.FloatLit, A.StringLit, A.CharLit, A.BoolLit, A.UndefinedLit),
    )


class Compiler:
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
        # temporaries known to hold a Python bool (comparison results)
        self.bool_atoms: set[str] = set()
        # (tengo name, python name) of every global defined in main
        self.global_syms: list[tuple[str, str]] = []

    # --- helpers --------------------------------------------------------------

    def error(self, node: A.Node, msg: str) -> TengoCompileError:
        src = self.f.src
        line, col = src.line_col(node.pos)
        return TengoCompileError(msg, [Frame(src.name, line, col)])

    def emit(self, text: str, pos: int | None = None) -> None:
        f = self.f
        f.lines.append((f.ind, text, f.src if pos is not None else None, pos))

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
        self.scope = self.scope.parent

    def define(self, name: str) -> Sym:
        self.nsym += 1
        py = f"{name}_{self.nsym}"
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
            return
        if sym.fctx is not self.f:
            self.f.nonlocals.add(sym.py)
        self.emit(f"{sym.py} = {value}")

    # --- entry points -----------------------------------------------------------

    def compile_main(self, src: SourceFile, tree: A.File) -> CompiledUnit:
        self.f = FuncCtx(None, src, "main")
        self.scope = Scope(None, None)
        for name in BUILTIN_NAMES:
            self.scope.syms[name] = Sym(name, f"_b_{name}", "builtin", None)
        self.push_scope(self.f)
        globals_: list[Sym] = []
        for name in self.opts.predeclared:
            sym = self.define(name)
            globals_.append(sym)
            self._note_global(sym)
            self.emit(f"{sym.py} = _g[{name!r}]")
        self.block_stmts(tree.stmts)
        all_globals = self._collect_globals()
        self.emit("return {" + ", ".join(f"{n!r}: {p}" for n, p in all_globals) + "}")
        main = self.f
        out: list[str] = []
        line_map: list = [None]
        for mod in self.module_defs:
            self._flatten(mod, out, line_map, 0)
        out.append("def _main(_g):")
        line_map.append(None)
        pre = {p for _, p in all_globals} - {s.py for s in globals_}
        if pre:
            out.append("    " + " = ".join(sorted(pre)) + " = None")
            line_map.append(None)
        for ind, text, s, pos in main.lines:
            out.append("    " * ind + text)
            line_map.append((s, pos) if s is not None else None)
        unit = CompiledUnit("\n".join(out) + "\n", line_map, self.consts, self.fn_info)
        unit.global_names = [n for n, _ in all_globals]
        return unit

    def _collect_globals(self) -> list[tuple[str, str]]:
        # every global defined anywhere in main (the latest definition of a name wins)
        return list(dict(self.global_syms).items())

    def _flatten(self, f: FuncCtx, out: list[str], line_map: list, base: int) -> None:
        for ind, text, s, pos in f.lines:
            out.append("    " * (ind + base) + text)
            line_map.append((s, pos) if s is not None else None)

    # --- statements ---------------------------------------------------------------

    def block_stmts(self, stmts: list[A.Node]) -> None:
        n = len(self.f.lines)
        for s in stmts:
            self.stmt(s)
        if len(self.f.lines) == n:
            self.emit("pass")

    def stmt(self, n: A.Node) -> None:
        if self.opts.line_hook and not isinstance(n, (A.EmptyStmt, A.BlockStmt)):
            line = self.f.src.line_col(n.pos)[0]
            self.emit(f"_line_hook({self.f.src.name!r}, {line})")
        m = getattr(self, "s_" + type(n).__name__)
        m(n)

    def s_EmptyStmt(self, n: A.EmptyStmt) -> None:
        pass

    def s_BadStmt(self, n: A.Node) -> None:  # pragma: no cover - parser rejects these
        raise self.error(n, "bad statement")

    def s_ExprStmt(self, n: A.ExprStmt) -> None:
        self.expr(n.expr)

    def s_BlockStmt(self, n: A.BlockStmt) -> None:
        if not n.stmts:
            self.emit("pass")
            return
        self.push_scope()
        self.block_stmts(n.stmts)
        self.pop_scope()

    def s_IncDecStmt(self, n: A.IncDecStmt) -> None:
        op = "+=" if n.op == "++" else "-="
        self.assign(n, [n.expr], [A.IntLit(1, "1", n.pos)], op)

    def s_AssignStmt(self, n: A.AssignStmt) -> None:
        self.assign(n, n.lhs, n.rhs, n.op)

    def assign(self, node: A.Node, lhs: list[A.Node], rhs: list[A.Node], op: str) -> None:
        if len(lhs) > 1 or len(rhs) > 1:
            raise self.error(node, "tuple assignment not allowed")
        target = lhs[0]
        sels: list[A.Node] = []
        while isinstance(target, (A.SelectorExpr, A.IndexExpr)):
            sels.append(target.sel if isinstance(target, A.SelectorExpr) else target.index)
            target = target.expr
        sels.reverse()
        # upstream resolves a non-identifier target to the empty name
        name = target.name if isinstance(target, A.Ident) else ""
        if op == ":=":
            if sels:
                raise self.error(node, "operator ':=' not allowed with selector")
            if name in self.scope.syms:
                raise self.error(node, f"'{name}' redeclared in this block")
            if isinstance(rhs[0], A.FuncLit):
                sym = self.define(name)
                if not sym.boxed:
                    value = self.expr(rhs[0])
                    self.write_sym(sym, value, define=True)
                else:
                    self.emit(f"{sym.py} = [None]")
                    value = self.expr(rhs[0])
                    self.emit(f"{sym.py}[0] = {value}")
                self._note_global(sym)
                return
            value = self.expr(rhs[0])
            sym = self.define(name)
            self.write_sym(sym, value, define=True)
            self._note_global(sym)
            return
        found = self.resolve(name)
        if found is None or found.kind == "builtin":
            raise self.error(node, f"unresolved reference '{name}'")
        sym = found
        if op == "=" and not sels and self._append_in_place(node, sym, rhs[0]):
            return
        if op != "=":
            cur = self.expr(lhs[0])
            if not _is_simple(rhs[0]) and not cur.startswith("_t"):
                # the right side may change the variable: keep its current value
                t = self.tmp()
                self.emit(f"{t} = {cur}")
                cur = t
            r = self.expr(rhs[0])
            value = self.binary_op(_COMPOUND[op], cur, r, node.pos)
        else:
            value = self.expr(rhs[0])
        if not sels:
            self.write_sym(sym, value)
            return
        sel_atoms = [self.expr(s) for s in reversed(sels)]
        sel_atoms.reverse()
        root = self.read_sym(sym)
        if len(sel_atoms) == 1:
            k = sel_atoms[0]
            if isinstance(sels[0], A.StringLit) and self.hot:
                self.emit(f"if type({root}) is dict: {root}[{k}] = {value}")
                self.emit(f"else: _set_index({root}, {k}, {value})", node.pos)
            else:
                self.emit(f"_set_index({root}, {k}, {value})", node.pos)
        else:
            self.emit(f"_set_sel({root}, ({', '.join(sel_atoms)},), {value})", node.pos)

    def _append_in_place(self, node: A.Node, sym: Sym, rhs: A.Node) -> bool:
        """``x = append(x, ...)``: grow the list in place when nothing else
        refers to it (CPython reference count), keeping upstream's semantics
        (a new array value) while making repeated appends amortised O(1)."""
        if not (
            isinstance(rhs, A.CallExpr)
            and not rhs.ellipsis
            and len(rhs.args) >= 2
            and isinstance(rhs.func, A.Ident)
            and isinstance(rhs.args[0], A.Ident)
            and rhs.args[0].name == sym.name
            and not sym.boxed
            and sym.kind != "builtin"
        ):
            return False
        fn = self.resolve(rhs.func.name)
        if fn is None or fn.kind != "builtin" or fn.name != "append":
            return False
        if self.resolve(rhs.args[0].name) is not sym:
            return False
        items = [self.expr(a) for a in rhs.args[1:]]
        self.count_alloc(rhs.pos, "None")
        x = sym.py
        if sym.fctx is not self.f:
            self.f.nonlocals.add(x)
        # 2 references: the variable and getrefcount's argument
        grow = (
            f"{x}.append({items[0]})" if len(items) == 1 else f"{x}.extend(({', '.join(items)},))"
        )
        self.emit(f"if type({x}) is list and _refcount({x}) == 2: {grow}")
        self.emit(f"else: {x} = _b_append({x}, {', '.join(items)})", rhs.pos)
        return True

    def _note_global(self, sym: Sym) -> None:
        if sym.kind == "global":
            self.global_syms.append((sym.name, sym.py))

    def s_ReturnStmt(self, n: A.ReturnStmt) -> None:
        if self.f.kind == "main":
            raise self.error(n, "return not allowed outside function")
        if n.result is None:
            self.emit("return None")
        else:
            v = self.expr(n.result)
            self.emit(f"return {v}")

    def s_ExportStmt(self, n: A.ExportStmt) -> None:
        if self.f.kind == "func":
            raise self.error(n, "export not allowed inside function")
        if self.f.kind == "main":
            return  # ignored outside modules, as upstream
        v = self.expr(n.result)
        self.emit(f"return _immutable({v})", n.pos)

    def s_BranchStmt(self, n: A.BranchStmt) -> None:
        if not self.loops:
            raise self.error(n, f"{n.tok} not allowed outside loop")
        # a loop whose post statement must run on `continue` puts that
        # statement at the top of the loop body (see s_ForStmt)
        self.emit(n.tok)

    def cond_atom(self, node: A.Node) -> str:
        while isinstance(node, A.ParenExpr):
            node = node.expr
        if isinstance(node, A.BinaryExpr) and node.op in ("==", "!="):
            # equality cannot fail, so it can sit in the condition itself
            a = self.expr(node.lhs)
            if not _is_simple(node.rhs) and a.isidentifier() and not a.startswith("_t"):
                t = self.tmp()
                self.emit(f"{t} = {a}")
                a = t
            b = self.expr(node.rhs)
            return f"({_eq_expr(node.op, a, b)})"
        a = self.expr(node)
        return self.truth(a)

    def truth(self, a: str) -> str:
        if a in ("True", "False") or a in self.bool_atoms:
            return a
        return f"_truthy({a})"

    def s_IfStmt(self, n: A.IfStmt) -> None:
        self.push_scope()
        if n.init is not None:
            self.stmt(n.init)
        c = self.cond_atom(n.cond)
        self.emit(f"if {c}:")
        self.f.ind += 1
        self.s_BlockStmt(n.body)
        self.f.ind -= 1
        if n.else_ is not None:
            self.emit("else:")
            self.f.ind += 1
            self.stmt(n.else_)
            self.f.ind -= 1
        self.pop_scope()

    def _enter_loop(self) -> None:
        self.f.loop_depth += 1
        self.loops.append(1)

    def _leave_loop(self) -> None:
        self.f.loop_depth -= 1
        self.loops.pop()

    def s_ForStmt(self, n: A.ForStmt) -> None:
        self.push_scope()
        if n.init is not None:
            self.stmt(n.init)
        post_first = n.post is not None and _has_continue(n.body)
        flag = ""
        if post_first:
            flag = self.tmp()
            self.emit(f"{flag} = True")
        self.emit("while True:")
        self.f.ind += 1
        if post_first:
            assert n.post is not None
            self.emit(f"if {flag}: {flag} = False")
            self.emit("else:")
            self.f.ind += 1
            self.stmt(n.post)
            self.f.ind -= 1
        if n.cond is not None:
            c = self.cond_atom(n.cond)
            self.emit(f"if not {c}: break")
        self._enter_loop()
        self.s_BlockStmt(n.body)
        self._leave_loop()
        if n.post is not None and not post_first:
            self.stmt(n.post)
        self.f.ind -= 1
        self.pop_scope()

    def s_ForInStmt(self, n: A.ForInStmt) -> None:
        self.push_scope()
        it = self.expr(n.iterable)
        key = n.key.name
        val = n.value.name if n.value is not None else "_"
        self._enter_loop()
        ksym = self.define(key) if key != "_" else None
        vsym = self.define(val) if val != "_" else None
        kt = self.tmp() if ksym is not None else "_"
        vt = self.tmp() if vsym is not None else "_"
        if ksym is not None and vsym is not None:
            self.emit(f"for {kt}, {vt} in _iter_items({it}):", n.pos)
        elif vsym is not None:
            self.emit(f"for {vt} in _iter_values({it}):", n.pos)
        else:
            self.emit(f"for {kt} in _iter_keys({it}):", n.pos)
        self.f.ind += 1
        for sym, t in ((ksym, kt), (vsym, vt)):
            if sym is not None:
                self.write_sym(sym, t, define=True)
                self._note_global(sym)
        self.s_BlockStmt(n.body)
        self.f.ind -= 1
        self._leave_loop()
        self.pop_scope()

    # --- expressions ----------------------------------------------------------------

    def expr(self, n: A.Node) -> str:
        return getattr(self, "x_" + type(n).__name__)(n)

    def x_BadExpr(self, n: A.Node) -> str:  # pragma: no cover
        raise self.error(n, "bad expression")

    def x_IntLit(self, n: A.IntLit) -> str:
        return str(n.value)

    def x_FloatLit(self, n: A.FloatLit) -> str:
        v = n.value
        if v != v or v in (float("inf"), float("-inf")):
            return self.const(v, ("f", repr(v)))
        return repr(v)

    def x_StringLit(self, n: A.StringLit) -> str:
        if self.opts.max_string_len is not None and len(n.value) > self.opts.max_string_len:
            raise self.error(n, "exceeding string size limit")
        return repr(n.value)

    def x_CharLit(self, n: A.CharLit) -> str:
        from .values import Char

        return self.const(Char(n.value), ("c", n.value))

    def x_BoolLit(self, n: A.BoolLit) -> str:
        return "True" if n.value else "False"

    def x_UndefinedLit(self, n: A.UndefinedLit) -> str:
        return "None"

    def x_ParenExpr(self, n: A.ParenExpr) -> str:
        return self.expr(n.expr)

    def x_Ident(self, n: A.Ident) -> str:
        sym = self.resolve(n.name)
        if sym is None:
            raise self.error(n, f"unresolved reference '{n.name}'")
        return self.read_sym(sym)

    def x_ArrayLit(self, n: A.ArrayLit) -> str:
        items = [self.expr(e) for e in n.elements]
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = [{', '.join(items)}]")
        return t

    def x_MapLit(self, n: A.MapLit) -> str:
        items = []
        for e in n.elements:
            if self.opts.max_string_len is not None and len(e.key) > self.opts.max_string_len:
                raise self.error(n, "exceeding string size limit")
            items.append(f"{e.key!r}: {self.expr(e.value)}")
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = {{{', '.join(items)}}}")
        return t

    def x_ErrorExpr(self, n: A.ErrorExpr) -> str:
        v = self.expr(n.expr)
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = _TError({v})")
        return t

    def x_ImmutableExpr(self, n: A.ImmutableExpr) -> str:
        v = self.expr(n.expr)
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = _immutable({v})")
        return t

    def x_UnaryExpr(self, n: A.UnaryExpr) -> str:
        op = n.op
        if op == "-" and isinstance(n.expr, A.IntLit):
            v = -n.expr.value
            return str(v) if v >= -(1 << 63) else str(v + (1 << 64))
        if op == "-" and isinstance(n.expr, A.FloatLit):
            return self.x_FloatLit(A.FloatLit(-n.expr.value, "", n.pos))
        a = self.expr(n.expr)
        if op == "+":
            return a
        if op != "!":
            self.count_alloc(n.pos)
        t = self.tmp()
        if op == "-":
            self.emit(f"{t} = -{a} if type({a}) is int and {a} != {_MIN} else _neg({a})", n.pos)
        elif op == "!":
            self.emit(f"{t} = not {self.truth(a)}")
            self.bool_atoms.add(t)
        else:
            self.emit(f"{t} = ~{a} if type({a}) is int else _bitnot({a})", n.pos)
        return t

    def x_BinaryExpr(self, n: A.BinaryExpr) -> str:
        op = n.op
        if op in ("&&", "||"):
            return self.logical(n)
        if op in ("<", "<="):
            b = self.expr(n.rhs)
            if not _is_simple(n.lhs) and b.isidentifier() and not b.startswith("_t"):
                t = self.tmp()
                self.emit(f"{t} = {b}")
                b = t
            a = self.expr(n.lhs)
        else:
            a = self.expr(n.lhs)
            if not _is_simple(n.rhs) and a.isidentifier() and not a.startswith("_t"):
                t = self.tmp()
                self.emit(f"{t} = {a}")
                a = t
            b = self.expr(n.rhs)
        return self.binary_op(op, a, b, n.pos)

    def binary_op(self, op: str, a: str, b: str, pos: int) -> str:
        if op not in ("==", "!="):
            self.count_alloc(pos)
        t = self.tmp()
        a_int = _int_atom(a)
        b_int = _int_atom(b)
        if not self.hot and op not in ("==", "!=") and (a_int is None or b_int is None):
            # code that runs once: a compact helper call keeps the generated
            # source (and Python's compile time) small
            helper = _HELPERS.get(op)
            call = f"{helper}({a}, {b})" if helper else f"_binop({op!r}, {a}, {b})"
            self.emit(f"{t} = {call}", pos)
            if op in ("<", ">", "<=", ">="):
                self.bool_atoms.add(t)
            return t
        if op in ("+", "-", "*"):
            if a_int is not None and b_int is not None:
                from .values import wrap_int

                v = {"+": a_int + b_int, "-": a_int - b_int, "*": a_int * b_int}[op]
                return str(wrap_int(v))
            helper = {"+": "_add", "-": "_sub", "*": "_mul"}[op]
            if not (_py_arith_ok(a) and _py_arith_ok(b)):
                self.emit(f"{t} = {helper}({a}, {b})", pos)
                return t
            if _is_str_atom(a) or _is_str_atom(b) or _is_float_atom(a) or _is_float_atom(b):
                check = ""  # the result cannot be an int
            elif op == "+" and (a_int is not None or b_int is not None):
                c = a_int if a_int is not None else b_int
                assert c is not None
                check = f"{t} > {_MAX}" if c >= 0 else f"{t} < {_MIN}"
            elif op == "-" and b_int is not None:
                check = f"{t} < {_MIN}" if b_int >= 0 else f"{t} > {_MAX}"
            else:
                check = f"not {_MIN} <= {t} <= {_MAX}"
                if op == "+" and not self.opts.length_limits:
                    # str/list/bytes concatenation is already right: skip the
                    # range check for it instead of failing into the helper
                    check = f"type({t}) is int and {check}"
            # Python's own operator is right for int/float/str/list/bytes; other
            # operand types raise TypeError and take upstream's rules in the
            # helper.  A non-number result (e.g. Python's "ab" * 2) makes the
            # int64 range check raise TypeError too, which also sends it there.
            self.emit("try:")
            self.f.ind += 1
            self.emit(f"{t} = {a} {op} {b}", pos)
            if check:
                self.emit(f"if {check}: {t} = _wrap({t})")
            self.f.ind -= 1
            self.emit(f"except TypeError: {t} = {helper}({a}, {b})", pos)
            return t
        if op in ("<", ">", "<=", ">="):
            helper = {"<": "_lt", ">": "_gt", "<=": "_le", ">=": "_ge"}[op]
            if not (_py_arith_ok(a) and _py_arith_ok(b)):
                self.emit(f"{t} = {helper}({a}, {b})", pos)
            elif a_int is not None and b_int is not None:
                self.emit(f"{t} = {a} {op} {b}")
            else:
                self.emit("try:")
                self.emit(f"    {t} = {a} {op} {b}", pos)
                self.emit(f"except TypeError: {t} = {helper}({a}, {b})", pos)
            self.bool_atoms.add(t)
            return t
        if op in ("==", "!="):
            self.emit(f"{t} = {_eq_expr(op, a, b)}")
            self.bool_atoms.add(t)
            return t
        if op == "%" and b_int is not None and b_int > 0:
            self.emit(f"{t} = {a} % {b} if type({a}) is int and {a} >= 0 else _rem({a}, {b})", pos)
            return t
        if op == "/" and b_int is not None and b_int > 0:
            self.emit(f"{t} = {a} // {b} if type({a}) is int and {a} >= 0 else _quo({a}, {b})", pos)
            return t
        if op in ("&", "|", "^"):
            guard = " and ".join(
                f"type({x}) is int" for x, k in ((a, a_int), (b, b_int)) if k is None
            )
            if guard:
                self.emit(f"{t} = {a} {op} {b} if {guard} else _binop({op!r}, {a}, {b})", pos)
            else:
                self.emit(f"{t} = {a} {op} {b}")
            return t
        if op == ">>" and b_int is not None and 0 <= b_int < 64:
            self.emit(f"{t} = {a} >> {b} if type({a}) is int else _binop('>>', {a}, {b})", pos)
            return t
        self.emit(f"{t} = _binop({op!r}, {a}, {b})", pos)
        return t

    def logical(self, n: A.BinaryExpr) -> str:
        a = self.expr(n.lhs)
        t = self.tmp()
        self.emit(f"{t} = {a}")
        tv = self.truth(t)
        self.emit(f"if {tv}:" if n.op == "&&" else f"if not {tv}:")
        self.f.ind += 1
        b = self.expr(n.rhs)
        self.emit(f"{t} = {b}")
        self.f.ind -= 1
        if a in self.bool_atoms and b in self.bool_atoms:
            self.bool_atoms.add(t)
        return t

    def x_CondExpr(self, n: A.CondExpr) -> str:
        c = self.cond_atom(n.cond)
        t = self.tmp()
        self.emit(f"if {c}:")
        self.f.ind += 1
        v = self.expr(n.true)
        self.emit(f"{t} = {v}")
        self.f.ind -= 1
        self.emit("else:")
        self.f.ind += 1
        v = self.expr(n.false)
        self.emit(f"{t} = {v}")
        self.f.ind -= 1
        return t

    def x_IndexExpr(self, n: A.IndexExpr) -> str:
        x = self.expr(n.expr)
        if not _is_simple(n.index) and x.isidentifier() and not x.startswith("_t"):
            t0 = self.tmp()
            self.emit(f"{t0} = {x}")
            x = t0
        i = self.expr(n.index)
        t = self.tmp()
        i_int = _int_atom(i)
        if not self.hot:
            self.emit(f"{t} = _index({x}, {i})", n.pos)
        elif i_int is not None and i_int >= 0:
            self.emit(
                f"{t} = {x}[{i}] if type({x}) is list and len({x}) > {i} else _index({x}, {i})",
                n.pos,
            )
        elif _is_str_atom(i):
            self.emit(f"{t} = {x}.get({i}) if type({x}) is dict else _index({x}, {i})", n.pos)
        else:
            self.emit(
                f"{t} = {x}[{i}] if type({x}) is list and type({i}) is int and 0 <= {i} < len({x})"
                f" else _index({x}, {i})",
                n.pos,
            )
        return t

    def x_SelectorExpr(self, n: A.SelectorExpr) -> str:
        x = self.expr(n.expr)
        t = self.tmp()
        k = repr(n.sel.value)
        if self.hot:
            self.emit(f"{t} = {x}.get({k}) if type({x}) is dict else _index({x}, {k})", n.pos)
        else:
            self.emit(f"{t} = _index({x}, {k})", n.pos)
        return t

    def x_SliceExpr(self, n: A.SliceExpr) -> str:
        x = self.expr(n.expr)
        lo = self.expr(n.low) if n.low is not None else "None"
        hi = self.expr(n.high) if n.high is not None else "None"
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = _slice({x}, {lo}, {hi})", n.pos)
        return t

    def x_CallExpr(self, n: A.CallExpr) -> str:
        fn = n.func
        callee: str
        if isinstance(fn, A.Ident):
            sym = self.resolve(fn.name)
            if sym is None:
                raise self.error(fn, f"unresolved reference '{fn.name}'")
            callee = f"_b_{sym.name}" if sym.kind == "builtin" else self.read_sym(sym)
        else:
            callee = self.expr(fn)
        args = []
        for i, arg in enumerate(n.args):
            a = self.expr(arg)
            later_complex = not all(_is_simple(x) for x in n.args[i + 1 :])
            if later_complex and a.isidentifier() and not a.startswith("_t"):
                t0 = self.tmp()
                self.emit(f"{t0} = {a}")
                a = t0
            args.append(a)
        if n.ellipsis and args:
            args[-1] = f"*_spread({args[-1]})"
        self.count_alloc(n.pos, "None" if callee.startswith("_b_") else callee)
        t = self.tmp()
        self.emit(f"{t} = {callee}({', '.join(args)})", n.pos)
        return t

    def x_ImportExpr(self, n: A.ImportExpr) -> str:
        name = n.name
        if name == "":
            raise self.error(n, "empty module name")
        mod = self.opts.modules.get(name)
        if mod is None:
            raise self.error(n, f"module '{name}' not found")
        kind, payload = mod
        t = self.tmp()
        if kind == "value":
            c = self.const(payload, ("m", name))
            return c
        if name in self.module_stack:
            raise self.error(n, f"cyclic module import: {name}")
        fn = self.module_fn.get(name)
        if fn is None:
            fn = self.compile_module(name, payload)
        self.emit(f"{t} = {fn}()", n.pos)
        return t

    def compile_module(self, name: str, text: str) -> str:
        src = SourceFile(name, text)
        tree = parse(src)
        saved = (self.f, self.scope, self.loops)
        self.module_stack.append(name)
        self.nfunc += 1
        fn = f"_mod{self.nfunc}"
        self.f = FuncCtx(None, src, "module")
        root = Scope(None, None)
        for b in BUILTIN_NAMES:
            root.syms[b] = Sym(b, f"_b_{b}", "builtin", None)
        self.scope = root
        self.push_scope(self.f)
        self.loops = []
        self.f.lines.append((0, f"def {fn}():", None, None))
        self.block_stmts(tree.stmts)
        self.emit("return None")
        self.module_defs.append(self.f)
        self.module_fn[name] = fn
        self.module_stack.pop()
        self.f, self.scope, self.loops = saved
        return fn

    def x_FuncLit(self, n: A.FuncLit) -> str:
        self.nfunc += 1
        name = f"_f{self.nfunc}"
        self.fn_info[name] = (len(n.params), n.varargs)
        outer_f, outer_loops = self.f, self.loops
        f = FuncCtx(outer_f, outer_f.src, "func", ind=1)
        self.f = f
        self.loops = []
        self.push_scope(f)
        params = []
        for p in n.params:
            sym = self.define(p)
            params.append(sym.py)
        if n.varargs:
            params[-1] = "*" + params[-1]
            self.emit(f"{params[-1][1:]} = list({params[-1][1:]})")
        self.block_stmts(n.body.stmts)
        self.emit("return None")
        self.pop_scope()
        self.f, self.loops = outer_f, outer_loops
        if f.box_params:
            kw = ", ".join(f"{p}={p}" for p in sorted(f.box_params))
            params.append(kw if n.varargs else "*, " + kw)
        header = f"def {name}({', '.join(params)}):"
        self.emit(header)
        base = self.f.ind
        if f.nonlocals:
            self.f.lines.append(
                (base + 1, "nonlocal " + ", ".join(sorted(f.nonlocals)), None, None)
            )
        for ind, text, s, pos in f.lines:
            self.f.lines.append((ind + base, text, s, pos))
        return name


def _int_atom(a: str) -> int | None:
    if a and (a[0].isdigit() or (a[0] == "-" and a[1:].isdigit())):
        try:
            return int(a)
        except ValueError:
            return None
    return None


def _eq_expr(op: str, a: str, b: str) -> str:
    """Python expression for Tengo ``a == b`` / ``a != b`` on two atoms."""
    neg = op == "!="
    a_int = _int_atom(a)
    b_int = _int_atom(b)
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
    return f"{'not ' if neg else ''}_eq({a}, {b})"


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


def compile_program(src: SourceFile, opts: CompileOptions) -> CompiledUnit:
    tree = parse(src)
    c = Compiler(opts)
    unit = c.compile_main(src, tree)
    if c.found_boxed:
        c2 = Compiler(opts, c.found_boxed)
        unit = c2.compile_main(src, tree)
    return unit
