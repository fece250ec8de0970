"""Function literals, and int specialisation of self-recursive functions.

A function such as ``fib := func(x) { ... fib(x-1) + fib(x-2) }`` spends most
of its time on checks that hold for ints: the TypeError fallbacks, the
``is not False`` guard of ``x == 0`` and the type test before the int64 range
check of ``+``.  When a function calls itself by a name that is never
reassigned, it gets a second, specialised body for the case where the
parameters it does arithmetic on are ints:

* the generic entry (the function value Tengo code sees) tests those
  parameters once and hands over to the specialised body;
* in that body the parameters are known ints (they are never assigned), so
  operations on them need no fallback, and the results of ``+ - *`` on known
  ints are known ints after the int64 wrap check;
* a call to itself whose arguments are known ints where the specialised body
  expects them calls the specialised body directly (no re-check), and if
  every ``return`` of that body returns a known int (checked after compiling
  it, else it is compiled again without that assumption) the call's result
  is a known int too;
* such calls and pure operands (parameters, literals, ``p ± k``) are written
  as one Python expression; the line records the column of each call so that
  an error raised in one still gets that call's Tengo position;
* sums that only feed returns, other such sums or accumulator parameters
  skip the int64 range check, the entry wrapping the final result (see
  :class:`.spec_analysis.Lazy`).

The syntax-tree analyses are in :mod:`.spec_analysis`.

Evaluation order and errors stay upstream's: only side-effect-free,
non-failing int operations are moved or merged, and every call keeps its
position.  Specialisation is off under a line hook (the debugger) or an
allocation limit, where the generic code is the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ast as A
from .codegen import FuncCtx, Sym, _int_atom, _out_of_range
from .compiler_expr import ExprCompiler, _range_check
from .spec_analysis import _COMPACT, Lazy, _terminates, assigned_names, int_params, lazy_positions


@dataclass(eq=False)
class SpecInfo:
    self_sym: Sym
    name: str  # Python name of the specialised body
    idx: list[int]  # parameters known to be ints
    nparams: int
    ret_int: bool = True  # assumption: the body returns a known int
    all_ret_int: bool = True  # what compiling the body found
    fixed: set[str] = field(default_factory=set)  # py names of never-assigned parameters
    lazy: Lazy = field(default_factory=Lazy)  # where int64 wrapping is deferred


Inline = tuple[str, list[tuple[int, int]], bool]  # text, (byte column, pos) per call, is int


def _shift(spans: list[tuple[int, int]], d: int) -> list[tuple[int, int]]:
    return [(c + d, p) for c, p in spans]


class FuncCompiler(ExprCompiler):
    """Function literals (generic and int-specialised bodies)."""

    # --- int operations in a specialised body ---------------------------------

    def int_binary_op(self, op: str, a: str, b: str, lazy: bool = False) -> str | None:
        """``a op b`` for two known ints, or None to use the generic code
        (``lazy``: a sum whose wrap is deferred, see spec_analysis.Lazy)."""
        a_int, b_int = _int_atom(a), _int_atom(b)
        if op in ("+", "-", "*"):
            if a_int is not None and b_int is not None:
                return None  # folded by the generic code
            if lazy and op != "*":
                r = f"({a} {op} {b})"
                self.f.int_atoms.add(r)
                return r
            if (
                op != "*"
                and b_int is not None
                and a.isidentifier()
                and -_COMPACT <= b_int <= _COMPACT
            ):
                k = b_int if op == "+" else -b_int
                if k == 0:
                    return a
                e = f"{a} {'+' if k > 0 else '-'} {abs(k)}"
                ok = f"{a} < {_COMPACT}" if k > 0 else f"{a} > -{_COMPACT}"
                r = f"({e} if {ok} else _wrap({e}))"
                self.f.int_atoms.add(r)
                return r
            t = self.tmp()
            self.emit(f"{t} = {a} {op} {b}")
            self.emit(f"if {_range_check(op, t, a_int, b_int)}: {t} = _wrap({t})")
            self.f.int_atoms.add(t)
            return t
        if op in ("<", ">", "<=", ">=", "==", "!="):
            r = f"({a} {op} {b})"
            self.bool_atoms.add(r)
            return r
        if op in ("&", "|", "^"):
            t = self.tmp()
            self.emit(f"{t} = {a} {op} {b}")
            self.f.int_atoms.add(t)
            return t
        return None

    def spec_inline(self, n: A.Node) -> Inline | None:
        """``n`` as one side-effect-free Python expression (apart from calls
        to the specialised body itself), or None."""
        spec: SpecInfo = self.f.spec
        while isinstance(n, A.ParenExpr):
            n = n.expr
        if isinstance(n, A.IntLit) or (
            isinstance(n, A.UnaryExpr) and n.op == "-" and isinstance(n.expr, A.IntLit)
        ):
            return self.expr(n), [], True  # a literal: nothing emitted
        if isinstance(n, A.Ident):
            sym = self.resolve(n.name)
            if sym is None or sym.fctx is not self.f or sym.py not in spec.fixed:
                return None
            return sym.py, [], sym.py in self.f.int_atoms
        if isinstance(n, A.BinaryExpr) and n.op in ("+", "-") and id(n) in spec.lazy.nodes:
            a, b = self.spec_inline(n.lhs), self.spec_inline(n.rhs)
            if a is None or b is None or not (a[2] and b[2]):
                return None
            head = f"({a[0]} {n.op} "
            return head + b[0] + ")", _shift(a[1], 1) + _shift(b[1], len(head.encode())), True
        if isinstance(n, A.BinaryExpr) and n.op in ("+", "-"):
            lhs, rhs = n.lhs, n.rhs
            if n.op == "+" and isinstance(lhs, A.IntLit):
                lhs, rhs = rhs, lhs
            if not isinstance(lhs, A.Ident):
                return None
            a, b = self.spec_inline(lhs), self.spec_inline(rhs)
            if a is None or b is None or not a[2]:
                return None
            k = _int_atom(b[0])
            if k is None or not -_COMPACT <= k <= _COMPACT:
                return None
            r = self.int_binary_op(n.op, a[0], b[0])  # inline form, nothing emitted
            return None if r is None else (r, [], True)
        if isinstance(n, A.CallExpr) and isinstance(n.func, A.Ident) and not n.ellipsis:
            if len(n.args) != spec.nparams or self.resolve(n.func.name) is not spec.self_sym:
                return None
            if spec.lazy.returns and id(n) not in spec.lazy.nodes:
                return None  # its result may need a wrap: a statement of its own
            text = spec.name + "("
            spans = [(0, n.pos)]
            for i, arg in enumerate(n.args):
                part = self.spec_inline(arg)
                if part is None or (i in spec.idx and not part[2]):
                    return None
                if i:
                    text += ", "
                spans += _shift(part[1], len(text.encode()))
                text += part[0]
            return text + ")", spans, spec.ret_int
        return None

    def _normalise_call(self, n: A.CallExpr, t: str) -> None:
        """A self-call result where its wrap cannot be deferred: wrap it now."""
        spec: SpecInfo = self.f.spec
        if spec.lazy.returns and spec.ret_int and id(n) not in spec.lazy.nodes:
            self.emit(f"if {_out_of_range(t)}: {t} = _wrap({t})")

    def spec_arith(self, n: A.BinaryExpr) -> str | None:
        """``f(..) + f(..)``-like sums of self-calls on one line."""
        spec: SpecInfo = self.f.spec
        if id(n) in spec.lazy.nodes:
            r = self.spec_inline(n)
            if r is None or not r[1]:
                return None  # no calls in it: the atom path does as well
            t = self.tmp()
            self.emit(f"{t} = {r[0]}", n.pos, _shift(r[1], len(t) + 3))
            self.f.int_atoms.add(t)
            return t
        a = self.spec_inline(n.lhs)
        if a is None or not a[2]:
            return None
        b = self.spec_inline(n.rhs)
        if b is None or not b[2] or not (a[1] or b[1]):
            return None
        t = self.tmp()
        head = f"{t} = {a[0]} {n.op} "
        spans = _shift(a[1], len(t) + 3) + _shift(b[1], len(head.encode()))
        self.emit(head + b[0], n.pos, spans)
        a_int, b_int = _int_atom(a[0]), _int_atom(b[0])
        self.emit(f"if {_range_check(n.op, t, a_int, b_int)}: {t} = _wrap({t})")
        self.f.int_atoms.add(t)
        return t

    def spec_call(self, n: A.CallExpr) -> str | None:
        r = self.spec_inline(n)
        if r is None:
            return None
        t = self.tmp()
        self.emit(f"{t} = {r[0]}", n.pos, _shift(r[1], len(t) + 3))
        if r[2]:
            self.f.int_atoms.add(t)
            self._normalise_call(n, t)
        return t

    def spec_callee(self, n: A.CallExpr, args: list[str]) -> tuple[str, bool] | None:
        """The specialised body as callee of ``n`` when its arguments allow."""
        spec: SpecInfo | None = self.f.spec
        if spec is None or n.ellipsis or len(args) != spec.nparams:
            return None
        if not isinstance(n.func, A.Ident) or self.resolve(n.func.name) is not spec.self_sym:
            return None
        if not all(self.is_int(args[i]) for i in spec.idx):
            return None
        return spec.name, spec.ret_int

    def note_return(self, value: str | None) -> None:
        spec: SpecInfo | None = self.f.spec
        if spec is not None and (value is None or not self.is_int(value)):
            spec.all_ret_int = False

    # --- function literals -------------------------------------------------------

    def x_FuncLit(self, n: A.FuncLit) -> str:
        self_sym, self.defining = self.defining, None
        hint, self.fn_hint = self.fn_hint, None
        self.nfunc += 1
        name = f"_f{self.nfunc}"
        self.fn_info[name] = (len(n.params), n.varargs)
        f, params = self._body(n, None)
        if self.opts.line_hook:
            f.py_name = name
            line = self.f.src.line_col(n.pos)[0]
            hint = self_sym.name if self_sym is not None else hint
            self.debug_fns.append((f, "func", line, hint, params))
        idx = None
        if self_sym is not None and not (self.opts.line_hook or self.opts.count_allocs):
            idx = int_params(n, self_sym.name, self._file_assigned)
        if idx is not None:
            assert self_sym is not None
            spec = SpecInfo(self_sym, name + "s", idx, len(n.params))
            spec.lazy = lazy_positions(n, self_sym.name, idx)
            mark = self.nsym
            fs, sparams = self._body(n, spec)
            if not spec.all_ret_int:
                # the optimistic assumption failed: compile again without it
                # and without deferred wraps (same symbol numbers, so both
                # compiler passes stay in step)
                self.nsym = mark
                spec.ret_int = False
                spec.lazy = Lazy()
                fs, sparams = self._body(n, spec)
            if not (self_sym.boxed or fs.box_params or f.box_params):
                guard = " and ".join(f"type({params[i]}) is int" for i in idx)
                call = f"{spec.name}({', '.join(params)})"
                if not spec.lazy.returns:
                    f.lines[0:0] = [(1, f"if {guard}: return {call}", None, None)]
                else:  # the result may be outside int64 (an int: lazy implies ret_int)
                    fits = f"-{_COMPACT} <= _t0 <= {_COMPACT}"
                    f.lines[0:0] = [
                        (1, f"if {guard}:", None, None),
                        (2, f"_t0 = {call}", None, None),
                        (2, f"return _t0 if {fits} else _wrap(_t0)", None, None),
                    ]
                if not (fs.free or fs.nonlocals):
                    # reads nothing from outer scopes: a top-level function
                    # (a global lookup, no closure cells to copy per call)
                    self.top_defs.append((f"def {spec.name}({', '.join(sparams)}):", fs))
                else:
                    self._emit_def(spec.name, sparams, fs)
        self._emit_def(name, params, f)
        return name

    def _file_assigned(self) -> set[str]:
        tree = self.file_tree
        assert tree is not None
        found = self._assigned.get(id(tree))
        if found is None:  # once per file, and only for files that need it
            found = self._assigned[id(tree)] = assigned_names(tree)
        return found

    def _body(self, n: A.FuncLit, spec: SpecInfo | None) -> tuple[FuncCtx, list[str]]:
        outer_f, outer_loops = self.f, self.loops
        f = FuncCtx(outer_f, outer_f.src, "func", ind=1)
        f.spec = spec
        self.f = f
        self.loops = []
        self.push_scope(f)
        params = []
        for p in n.params:
            sym = self.define(p)
            params.append(sym.py)
        if spec is not None:
            spec.all_ret_int = True
            fixed = set(n.params) - assigned_names(n.body)
            spec.fixed = {py for p, py in zip(n.params, params, strict=True) if p in fixed}
            f.int_atoms.update(params[i] for i in spec.idx)
        if n.varargs:
            params[-1] = "*" + params[-1]
            self.emit(f"{params[-1][1:]} = list({params[-1][1:]})")
        self.block_stmts(n.body.stmts)
        if not _terminates(n.body.stmts):
            self.note_return(None)
        self.emit("return None")
        self.pop_scope()
        self.f, self.loops = outer_f, outer_loops
        if f.box_params:
            kw = ", ".join(f"{p}={p}" for p in sorted(f.box_params))
            params.append(kw if n.varargs else "*, " + kw)
        return f, params

    def _emit_def(self, name: str, params: list[str], f: FuncCtx) -> None:
        self.emit(f"def {name}({', '.join(params)}):")
        base = self.f.ind
        if f.nonlocals:
            self.f.lines.append(
                (base + 1, "nonlocal " + ", ".join(sorted(f.nonlocals)), None, None)
            )
        offset = len(self.f.lines)
        for ind, text, s, pos in f.lines:
            self.f.lines.append((ind + base, text, s, pos))
        # (debug) the body's marks move along with its lines
        self.f.marks.extend((index + offset, kind, data) for index, kind, data in f.marks)


__all__ = ["FuncCompiler", "SpecInfo"]
