"""Syntax-tree facts the int specialisation relies on (see specialize.py):
which names a file assigns, which parameters a self-recursive function does
arithmetic on, whether a body always returns, and where int64 wrapping can
be deferred."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from . import ast as A

# operators whose operands show that a parameter is meant to hold a number
_NUMERIC_OPS = frozenset(
    ("+", "-", "*", "/", "%", "<", ">", "<=", ">=", "==", "!=", "&", "|", "^", "<<", ">>", "&^")
)
_NON_INT_LITS = (
    A.StringLit, A.FloatLit, A.CharLit, A.BoolLit, A.UndefinedLit, A.ArrayLit, A.MapLit,
)  # fmt: skip
_COMPACT = 1073741823  # CPython specialises compares with |v| <= this


_LEAVES = (A.Ident, A.IntLit, A.FloatLit, A.CharLit, A.StringLit, A.BoolLit, A.UndefinedLit)


def walk(node: A.Node) -> Iterator[A.Node]:
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        n = pop()
        yield n
        if isinstance(n, _LEAVES):
            continue
        for v in n.__dict__.values():
            if isinstance(v, A.Node):
                push(v)
            elif type(v) is list and v and isinstance(v[0], A.Node):
                extend(v)  # a list holds nodes only, or names only


def assigned_names(tree: A.Node) -> set[str]:
    """Names that are the target of ``=``, ``op=``, ``++`` or ``--`` anywhere."""
    out: set[str] = set()
    for n in walk(tree):
        if isinstance(n, A.AssignStmt) and n.op != ":=":
            out.update(t.name for t in n.lhs if isinstance(t, A.Ident))
        elif isinstance(n, A.IncDecStmt) and isinstance(n.expr, A.Ident):
            out.add(n.expr.name)
    return out


def _declared_names(body: A.Node) -> set[str]:
    out: set[str] = set()
    for n in walk(body):
        if isinstance(n, A.AssignStmt) and n.op == ":=":
            out.update(t.name for t in n.lhs if isinstance(t, A.Ident))
        elif isinstance(n, A.ForInStmt):
            out.add(n.key.name)
            if n.value is not None:
                out.add(n.value.name)
    return out


def _terminates(stmts: list[A.Node]) -> bool:
    """True if running ``stmts`` always ends in a ``return`` (or an error)."""
    real = [s for s in stmts if not isinstance(s, A.EmptyStmt)]
    if not real:
        return False
    last = real[-1]
    if isinstance(last, A.ReturnStmt):
        return True
    if isinstance(last, A.BlockStmt):
        return _terminates(last.stmts)
    if isinstance(last, A.IfStmt) and last.else_ is not None:
        return _terminates(last.body.stmts) and _terminates([last.else_])
    return False


def int_params(
    fn: A.FuncLit, self_name: str, file_assigned: Callable[[], set[str]]
) -> list[int] | None:
    """Indices of the parameters to specialise on, or None if ``fn`` (bound
    to ``self_name``; ``file_assigned()`` gives the names assigned anywhere
    in its file) does not qualify."""
    if fn.varargs or not fn.params or self_name in fn.params:
        return None
    calls_self = False
    numeric: set[str] = set()
    other: set[str] = set()  # also used with a string, float, ... literal
    for n in walk(fn.body):
        if isinstance(n, A.FuncLit):
            return None  # closures would be compiled twice; keep it simple
        if isinstance(n, A.CallExpr) and isinstance(n.func, A.Ident):
            calls_self = calls_self or n.func.name == self_name
        elif isinstance(n, A.BinaryExpr) and n.op in _NUMERIC_OPS:
            sides = [n.lhs, n.rhs]
            for i, side in enumerate(sides):
                while isinstance(side, A.ParenExpr):
                    side = side.expr
                sides[i] = side
            names = {s.name for s in sides if isinstance(s, A.Ident)}
            if any(isinstance(s, _NON_INT_LITS) for s in sides):
                other |= names
            else:
                numeric |= names
    if not calls_self or self_name in _declared_names(fn.body):
        return None
    if self_name in file_assigned():
        return None
    fixed = set(fn.params) - assigned_names(fn.body) - _declared_names(fn.body)
    idx = [i for i, p in enumerate(fn.params) if p in numeric - other and p in fixed]
    return idx or None


def _unparen(n: A.Node) -> A.Node:
    while isinstance(n, A.ParenExpr):
        n = n.expr
    return n


@dataclass
class Lazy:
    """Where int64 wrapping can be deferred in an int-specialised body.

    ``+`` and ``-`` commute with wrapping modulo 2**64, so a sum whose value
    only ever feeds another sum, a ``return``, or a parameter that is itself
    used only that way needs no range check: the value may leave int64 but
    stays congruent to the right one.  The generic entry wraps what the
    specialised body returns; a self-call result used anywhere else is
    checked where it is produced.  Values grow by at most one bit per sum, so
    by the recursion depth at most.
    """

    nodes: set[int] = field(default_factory=set)  # ids of sums and self-calls in lazy positions
    params: set[int] = field(default_factory=set)  # parameters that may hold unwrapped ints
    returns: bool = False  # the body may return an unwrapped int


def lazy_positions(fn: A.FuncLit, self_name: str, int_idx: list[int]) -> Lazy:
    params = fn.params

    def is_self_call(n: A.Node) -> bool:
        return (
            isinstance(n, A.CallExpr)
            and isinstance(n.func, A.Ident)
            and n.func.name == self_name
            and not n.ellipsis
            and len(n.args) == len(params)
        )

    def int_ish(e: A.Node) -> bool:
        """Compiles to a known int (given that the body returns ints)."""
        e = _unparen(e)
        if isinstance(e, A.IntLit) or is_self_call(e):
            return True
        if isinstance(e, A.Ident):
            return e.name in params and params.index(e.name) in int_idx
        if isinstance(e, A.BinaryExpr) and e.op in ("+", "-"):
            return int_ish(e.lhs) and int_ish(e.rhs)
        return False

    body = list(walk(fn.body))
    cand = set(int_idx)
    # an unwrapped argument must reach the specialised body, never the
    # generic one: every self-call must be a direct one
    for n in body:
        if is_self_call(n):
            assert isinstance(n, A.CallExpr)
            if not all(int_ish(n.args[j]) for j in int_idx):
                cand = set()

    def mark(e: A.Node, nodes: set[int]) -> None:
        """``e`` is in a lazy position: so are the operands of an int sum."""
        e = _unparen(e)
        if isinstance(e, A.BinaryExpr) and e.op in ("+", "-"):
            if int_ish(e.lhs) and int_ish(e.rhs):
                nodes.add(id(e))
                mark(e.lhs, nodes)
                mark(e.rhs, nodes)
        else:
            nodes.add(id(e))

    while True:
        lazy = Lazy(params=set(cand))
        for n in body:
            if isinstance(n, A.ReturnStmt) and n.result is not None:
                mark(n.result, lazy.nodes)
            elif is_self_call(n):
                assert isinstance(n, A.CallExpr)
                for j in cand:
                    mark(n.args[j], lazy.nodes)
        bad = {
            params.index(n.name)
            for n in body
            if isinstance(n, A.Ident) and n.name in params and id(n) not in lazy.nodes
        } & cand
        if not bad:
            break
        cand -= bad
    for n in body:
        if isinstance(n, A.ReturnStmt) and n.result is not None:
            e = _unparen(n.result)
            if id(e) in lazy.nodes and (
                isinstance(e, A.BinaryExpr)
                or (
                    isinstance(e, A.Ident)
                    and e.name in params
                    and params.index(e.name) in lazy.params
                )
            ):
                lazy.returns = True
    return lazy
