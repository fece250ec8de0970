"""Tengo syntax tree.

Every node carries ``pos`` (a character offset into its source file) which is
the position upstream reports for errors raised by that node.  ``str(node)``
reproduces upstream's ``String()`` form (used by the parser conformance tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Node:
    pos: int


# --- expressions -----------------------------------------------------------


@dataclass(eq=False)
class Ident(Node):
    name: str
    pos: int

    def __str__(self) -> str:
        return self.name


@dataclass(eq=False)
class IntLit(Node):
    value: int
    lit: str
    pos: int

    def __str__(self) -> str:
        return self.lit


@dataclass(eq=False)
class FloatLit(Node):
    value: float
    lit: str
    pos: int

    def __str__(self) -> str:
        return self.lit


@dataclass(eq=False)
class CharLit(Node):
    value: int
    lit: str
    pos: int

    def __str__(self) -> str:
        return self.lit


@dataclass(eq=False)
class StringLit(Node):
    value: str
    lit: str
    pos: int

    def __str__(self) -> str:
        return self.lit


@dataclass(eq=False)
class BoolLit(Node):
    value: bool
    pos: int

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(eq=False)
class UndefinedLit(Node):
    pos: int

    def __str__(self) -> str:
        return "undefined"


@dataclass(eq=False)
class BadExpr(Node):
    pos: int

    def __str__(self) -> str:
        return "<bad expression>"


@dataclass(eq=False)
class BinaryExpr(Node):
    lhs: Node
    op: str
    rhs: Node
    pos: int

    def __str__(self) -> str:
        return f"({self.lhs} {self.op} {self.rhs})"


@dataclass(eq=False)
class UnaryExpr(Node):
    op: str
    expr: Node
    pos: int

    def __str__(self) -> str:
        return f"({self.op}{self.expr})"


@dataclass(eq=False)
class ParenExpr(Node):
    expr: Node
    pos: int

    def __str__(self) -> str:
        return f"({self.expr})"


@dataclass(eq=False)
class CondExpr(Node):
    cond: Node
    true: Node
    false: Node
    pos: int

    def __str__(self) -> str:
        return f"({self.cond} ? {self.true} : {self.false})"


@dataclass(eq=False)
class CallExpr(Node):
    func: Node
    args: list[Node]
    ellipsis: bool
    pos: int

    def __str__(self) -> str:
        args = ", ".join(str(a) for a in self.args)
        return f"{self.func}({args}{'...' if self.ellipsis else ''})"


@dataclass(eq=False)
class IndexExpr(Node):
    expr: Node
    index: Node
    pos: int

    def __str__(self) -> str:
        return f"{self.expr}[{self.index}]"


@dataclass(eq=False)
class SelectorExpr(Node):
    expr: Node
    sel: StringLit
    pos: int

    def __str__(self) -> str:
        return f"{self.expr}.{self.sel.value}"


@dataclass(eq=False)
class SliceExpr(Node):
    expr: Node
    low: Node | None
    high: Node | None
    pos: int

    def __str__(self) -> str:
        low = "" if self.low is None else str(self.low)
        high = "" if self.high is None else str(self.high)
        return f"{self.expr}[{low}:{high}]"


@dataclass(eq=False)
class ArrayLit(Node):
    elements: list[Node]
    pos: int

    def __str__(self) -> str:
        return "[" + ", ".join(str(e) for e in self.elements) + "]"


@dataclass(eq=False)
class MapElement(Node):
    key: str
    value: Node
    pos: int

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


@dataclass(eq=False)
class MapLit(Node):
    elements: list[MapElement]
    pos: int

    def __str__(self) -> str:
        return "{" + ", ".join(str(e) for e in self.elements) + "}"


@dataclass(eq=False)
class FuncLit(Node):
    params: list[str]
    varargs: bool
    body: BlockStmt
    pos: int
    end: int = 0  # offset of the closing brace (for the implicit return)

    def __str__(self) -> str:
        ps = list(self.params)
        if self.varargs:
            ps[-1] = "..." + ps[-1]
        return f"func({', '.join(ps)}) {self.body}"


@dataclass(eq=False)
class ErrorExpr(Node):
    expr: Node
    pos: int

    def __str__(self) -> str:
        return f"error({self.expr})"


@dataclass(eq=False)
class ImmutableExpr(Node):
    expr: Node
    pos: int

    def __str__(self) -> str:
        return f"immutable({self.expr})"


@dataclass(eq=False)
class ImportExpr(Node):
    name: str
    pos: int

    def __str__(self) -> str:
        return f'import("{self.name}")'


# --- statements ------------------------------------------------------------


@dataclass(eq=False)
class ExprStmt(Node):
    expr: Node
    pos: int

    def __str__(self) -> str:
        return str(self.expr)


@dataclass(eq=False)
class AssignStmt(Node):
    lhs: list[Node]
    op: str
    rhs: list[Node]
    pos: int

    def __str__(self) -> str:
        lhs = ", ".join(str(e) for e in self.lhs)
        rhs = ", ".join(str(e) for e in self.rhs)
        return f"{lhs} {self.op} {rhs}"


@dataclass(eq=False)
class IncDecStmt(Node):
    expr: Node
    op: str
    pos: int

    def __str__(self) -> str:
        return f"{self.expr}{self.op}"


@dataclass(eq=False)
class BlockStmt(Node):
    stmts: list[Node]
    pos: int
    end: int = 0

    def __str__(self) -> str:
        return "{" + "; ".join(str(s) for s in self.stmts) + "}"


@dataclass(eq=False)
class EmptyStmt(Node):
    pos: int

    def __str__(self) -> str:
        return ";"


@dataclass(eq=False)
class BadStmt(Node):
    pos: int

    def __str__(self) -> str:
        return "<bad statement>"


@dataclass(eq=False)
class ReturnStmt(Node):
    result: Node | None
    pos: int

    def __str__(self) -> str:
        return "return" if self.result is None else f"return {self.result}"


@dataclass(eq=False)
class ExportStmt(Node):
    result: Node
    pos: int

    def __str__(self) -> str:
        return f"export {self.result}"


@dataclass(eq=False)
class BranchStmt(Node):
    tok: str  # "break" / "continue"
    pos: int

    def __str__(self) -> str:
        return self.tok


@dataclass(eq=False)
class IfStmt(Node):
    init: Node | None
    cond: Node
    body: BlockStmt
    else_: Node | None
    pos: int

    def __str__(self) -> str:
        init = f"{self.init}; " if self.init is not None else ""
        els = f" else {self.else_}" if self.else_ is not None else ""
        return f"if {init}{self.cond} {self.body}{els}"


@dataclass(eq=False)
class ForStmt(Node):
    init: Node | None
    cond: Node | None
    post: Node | None
    body: BlockStmt
    pos: int

    def __str__(self) -> str:
        parts = [str(p) if p is not None else "" for p in (self.init, self.cond, self.post)]
        if self.init is None and self.post is None:
            return f"for {parts[1]} {self.body}".replace("for  ", "for ")
        return f"for {'; '.join(parts)} {self.body}"


@dataclass(eq=False)
class ForInStmt(Node):
    key: Ident
    value: Ident | None
    iterable: Node
    body: BlockStmt
    pos: int

    def __str__(self) -> str:
        if self.value is not None:
            return f"for {self.key}, {self.value} in {self.iterable} {self.body}"
        return f"for {self.key} in {self.iterable} {self.body}"


@dataclass(eq=False)
class File(Node):
    stmts: list[Node] = field(default_factory=list)
    pos: int = 0

    def __str__(self) -> str:
        return "; ".join(str(s) for s in self.stmts)
