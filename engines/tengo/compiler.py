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
* Arithmetic and comparisons run as Python operators inside ``try``; a
  TypeError (an operand type Python does not handle like Tengo) falls back to
  :mod:`.ops`, and int results get an int64 overflow check.

This module holds statements and entry points; expressions are in
:mod:`.compiler_expr`, shared state and helpers in :mod:`.codegen`.
"""

from __future__ import annotations

from . import ast as A
from .codegen import (
    _COMPOUND,
    _MAX,
    _MIN,
    BUILTIN_NAMES,
    CompiledUnit,
    CompileOptions,
    FuncCtx,
    Scope,
    Sym,
    _has_continue,
    _int_atom,
    _is_float_atom,
    _is_str_atom,
    _may_change_vars,
    _out_of_range,
    _py_arith_ok,
)
from .debug_info import DebugRecorder, display_name
from .errors import Frame, TengoCompileError
from .parser import parse, recursion_headroom
from .scanner import SourceFile
from .specialize import FuncCompiler

__all__ = ["CompileOptions", "CompiledUnit", "Compiler", "compile_program"]


class Compiler(FuncCompiler):
    """Statements, functions, modules and the program entry point."""

    # --- entry points -----------------------------------------------------------

    def compile_main(self, src: SourceFile, tree: A.File) -> CompiledUnit:
        self.f = FuncCtx(None, src, "main", py_name="_main")
        self.scope = Scope(None, None)
        for name in BUILTIN_NAMES:
            self.scope.syms[name] = Sym(name, f"_b_{name}", "builtin", None)
        self.push_scope(self.f)
        self.file_tree = tree
        globals_: list[Sym] = []
        for name in self.opts.predeclared:
            sym = self.define(name)
            globals_.append(sym)
            self._note_global(sym)
            self.emit(f"{sym.py} = _g[{name!r}]")
            if self.opts.line_hook:
                self.mark_defined(sym, len(self.f.lines) - 1)
        self.block_stmts(tree.stmts)
        if self.opts.line_hook:
            self.mark_scope_end(self.scope)
        all_globals = self._collect_globals()
        self.emit("return {" + ", ".join(f"{n!r}: {p}" for n, p in all_globals) + "}")
        main = self.f
        out: list[str] = []
        line_map: list = [None]
        col_map: dict[int, tuple[tuple[int, int], ...]] = {}
        recorder = self._debug_recorder() if self.opts.line_hook else None
        for header, fdef in self.top_defs:
            out.append(header)
            line_map.append(None)
            self._flatten(fdef, out, line_map, col_map, 0)
        for mod in self.module_defs:
            if recorder is not None:
                recorder.place(mod.marks, len(line_map))
            self._flatten(mod, out, line_map, col_map, 0)
        out.append("def _main(_g):")
        line_map.append(None)
        pre = {p for _, p in all_globals} - {s.py for s in globals_}
        if pre:
            out.append("    " + " = ".join(sorted(pre)) + " = None")
            line_map.append(None)
        if recorder is not None:
            recorder.place(main.marks, len(line_map))
        self._flatten(main, out, line_map, col_map, 0)
        unit = CompiledUnit("\n".join(out) + "\n", line_map, self.consts, self.fn_info)
        unit.global_names = [n for n, _ in all_globals]
        unit.col_map = col_map
        if recorder is not None:
            unit.debug = recorder.info
        return unit

    def _debug_recorder(self) -> DebugRecorder:
        """Every generated function, named, to place the marks of the laid-out code in."""
        recorder = DebugRecorder()
        recorder.function("_main", "main", [])
        for f, kind, line, hint, params in self.debug_fns:
            recorder.function(f.py_name, display_name(kind, f.src.name, line, hint), params)
        return recorder

    def _collect_globals(self) -> list[tuple[str, str]]:
        # every global defined anywhere in main (the latest definition of a name wins)
        return list(dict(self.global_syms).items())

    def _flatten(
        self, f: FuncCtx, out: list[str], line_map: list, col_map: dict, base: int
    ) -> None:
        for ind, text, s, pos in f.lines:
            out.append("    " * (ind + base) + text)
            if isinstance(pos, tuple):  # (position, ((column in text, position), ...))
                pos, spans = pos
                col_map[len(line_map)] = tuple((4 * (ind + base) + c, p) for c, p in spans)
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
            # The hook is called only when the debugger flagged the line (a breakpoint,
            # stepping, a pause or new breakpoints to take in): otherwise a list lookup.
            line = self.f.src.line_col(n.pos)[0]
            self.mark("hook", (self.f.src.name, line))
            self.emit(f"if _lw[{line}]: _line_hook({self.f.src.name!r}, {line})")
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
                self.defining = sym  # lets the function call itself directly
                if not sym.boxed:
                    value = self.expr(rhs[0])
                    self.write_sym(sym, value, define=True)
                else:
                    self.emit(f"{sym.py} = [None]")
                    if self.opts.line_hook:
                        self.mark_defined(sym, len(self.f.lines) - 1)
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
        if op == "+=" and not sels and self._add_in_place(node, sym, rhs[0]):
            return
        if op == "=" and not sels and isinstance(rhs[0], A.FuncLit):
            self.fn_hint = name
        if op != "=":
            cur = self.expr(lhs[0])
            if _may_change_vars(rhs[0]) and not cur.startswith("_t"):
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
            if not self.hot:
                self.emit(f"_set_index({root}, {k}, {value})", node.pos)
            elif isinstance(sels[0], A.StringLit):
                self.emit(f"if type({root}) is dict: {root}[{k}] = {value}")
                self.emit(f"else: _set_index({root}, {k}, {value})", node.pos)
            else:
                self.emit(
                    f"if type({root}) is list and type({k}) is int and 0 <= {k} < len({root}):"
                    f" {root}[{k}] = {value}"
                )
                self.emit(f"elif type({root}) is dict and type({k}) is str: {root}[{k}] = {value}")
                self.emit(f"else: _set_index({root}, {k}, {value})", node.pos)
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

    def _add_in_place(self, node: A.Node, sym: Sym, rhs: A.Node) -> bool:
        """``x += y`` as ``x = x + y`` on the variable itself, so CPython can
        extend a string in place (repeated concatenation stays linear)."""
        if (
            sym.boxed
            or sym.kind == "builtin"
            or not self.hot
            or self.opts.length_limits
            or _may_change_vars(rhs)
        ):
            return False
        r = self.expr(rhs)
        if not _py_arith_ok(r):
            return False  # pragma: no cover - literal bool/undefined operands
        self.count_alloc(node.pos)
        x = sym.py
        if sym.fctx is not self.f:
            self.f.nonlocals.add(x)
        self.emit("try:")
        self.emit(f"    {x} = {x} + {r}", node.pos)
        c = _int_atom(r)
        if c is not None:  # x += 1: only one side can overflow
            bound = (
                f"{x} > 1073741823 and {x} > {_MAX}"
                if c >= 0
                else (f"{x} < -1073741823 and {x} < {_MIN}")
            )
            self.emit(f"    if {bound}: {x} = _wrap({x})")
        elif not (_is_str_atom(r) or _is_float_atom(r)):
            self.emit(f"    if type({x}) is int and {_out_of_range(x)}: {x} = _wrap({x})")
        self.emit(f"except TypeError: {x} = _add({x}, {r})", node.pos)
        return True

    def _note_global(self, sym: Sym) -> None:
        if sym.kind == "global":
            self.global_syms.append((sym.name, sym.py))

    def s_ReturnStmt(self, n: A.ReturnStmt) -> None:
        if self.f.kind == "main":
            raise self.error(n, "return not allowed outside function")
        if n.result is None:
            self.note_return(None)
            self.emit("return None")
        else:
            v = self.expr(n.result)
            self.note_return(v)
            if not self.retarget(v, "return "):
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

    def s_IfStmt(self, n: A.IfStmt) -> None:
        # `else if` chains become `elif` where the condition needs no
        # statements of its own, so long chains do not nest (Python allows
        # only 100 indentation levels)
        self.push_scope()
        scopes = 1
        extra_ind = 0
        if n.init is not None:
            self.stmt(n.init)
        c = self.cond_atom(n.cond)
        self.emit(f"if {c}:")
        while True:
            self.f.ind += 1
            self.s_BlockStmt(n.body)
            self.f.ind -= 1
            els = n.else_
            if els is None:
                break
            # (with a line hook every `else if` keeps its own statement, so
            # the hook sees its line)
            if isinstance(els, A.IfStmt) and els.init is None and not self.opts.line_hook:
                self.push_scope()
                scopes += 1
                mark = len(self.f.lines)
                self.f.ind += 1
                c = self.cond_atom(els.cond)
                self.f.ind -= 1
                if len(self.f.lines) == mark:
                    self.emit(f"elif {c}:")
                else:
                    self.f.lines.insert(mark, (self.f.ind, "else:", None, None))
                    self.f.ind += 1
                    extra_ind += 1
                    self.emit(f"if {c}:")
                n = els
                continue
            self.emit("else:")
            self.f.ind += 1
            self.stmt(els)
            self.f.ind -= 1
            break
        self.f.ind -= extra_ind
        for _ in range(scopes):
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
        # condition and post statement run on every iteration too
        self._enter_loop()
        post_first = n.post is not None and _has_continue(n.body)
        flag = ""
        if post_first:
            flag = self.tmp()
            self.emit(f"{flag} = True")
        self.emit("while True:")
        self.f.ind += 1
        if self.opts.line_hook and n.post is None:
            self._loop_poke(n.body)
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
        self.s_BlockStmt(n.body)
        if n.post is not None and not post_first:
            self.stmt(n.post)
        self._leave_loop()
        self.f.ind -= 1
        self.pop_scope()

    def _loop_poke(self, body: A.BlockStmt) -> None:
        """A loop whose iterations run no statement still answers a pause (line 0)."""
        if not _has_statement(body):
            self.emit(f"if _lw[0]: _line_hook({self.f.src.name!r}, 0)")

    def s_ForInStmt(self, n: A.ForInStmt) -> None:
        self.push_scope()
        it = self.expr(n.iterable)
        key = n.key.name
        val = n.value.name if n.value is not None else "_"
        self._enter_loop()
        ksym = self.define(key) if key != "_" else None
        vsym = self.define(val) if val != "_" else None
        # iterate straight into the variables unless they need boxes
        kt = "_" if ksym is None else (self.tmp() if ksym.boxed else ksym.py)
        vt = "_" if vsym is None else (self.tmp() if vsym.boxed else vsym.py)
        if ksym is not None and vsym is not None:
            self.emit(f"for {kt}, {vt} in _iter_items({it}):", n.pos)
        elif vsym is not None:
            self.emit(f"for {vt} in _iter_values({it}):", n.pos)
        else:
            self.emit(f"for {kt} in _iter_keys({it}):", n.pos)
        header = len(self.f.lines) - 1
        self.f.ind += 1
        if self.opts.line_hook:
            self._loop_poke(n.body)
        for sym, t in ((ksym, kt), (vsym, vt)):
            if sym is not None:
                if sym.boxed:
                    self.write_sym(sym, t, define=True)
                elif self.opts.line_hook:
                    self.mark_defined(sym, header)
                self._note_global(sym)
        self.s_BlockStmt(n.body)
        self.f.ind -= 1
        self._leave_loop()
        self.pop_scope()

    def compile_module(self, name: str, text: str) -> str:
        src = SourceFile(name, text)
        tree = parse(src)
        saved = (self.f, self.scope, self.loops)
        self.module_stack.append(name)
        self.nfunc += 1
        fn = f"_mod{self.nfunc}"
        self.f = FuncCtx(None, src, "module", py_name=fn)
        self.debug_fns.append((self.f, "module", 1, None, []))
        root = Scope(None, None)
        for b in BUILTIN_NAMES:
            root.syms[b] = Sym(b, f"_b_{b}", "builtin", None)
        self.scope = root
        self.push_scope(self.f)
        self.loops = []
        saved_tree, self.file_tree = self.file_tree, tree
        self.f.lines.append((0, f"def {fn}():", None, None))
        self.block_stmts(tree.stmts)
        self.emit("return None")
        if self.opts.line_hook:
            self.mark_scope_end(self.scope)
        self.module_defs.append(self.f)
        self.module_fn[name] = fn
        self.module_stack.pop()
        self.file_tree = saved_tree
        self.f, self.scope, self.loops = saved
        return fn


def _has_statement(block: A.BlockStmt) -> bool:
    """Whether running the block runs a statement (which has a hook)."""
    return any(
        _has_statement(s) if isinstance(s, A.BlockStmt) else not isinstance(s, A.EmptyStmt)
        for s in block.stmts
    )


def compile_program(src: SourceFile, opts: CompileOptions) -> CompiledUnit:
    tree = parse(src)
    with recursion_headroom():
        try:
            c = Compiler(opts)
            unit = c.compile_main(src, tree)
            if c.found_boxed:
                # second pass: box the loop variables closures captured
                c2 = Compiler(opts, c.found_boxed)
                unit = c2.compile_main(src, tree)
        except RecursionError:
            raise TengoCompileError("source too deeply nested", [Frame(src.name, 1, 1)]) from None
    return unit
