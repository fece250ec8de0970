"""Recursive-descent parser producing :mod:`engines.tengo.ast` trees.

Follows upstream's grammar and error recovery closely enough that error
messages and positions match: one error per line is kept, parsing bails out
after more than ten errors, and the first error is reported as
``Parse Error: <msg>\\n\\tat <file>:<line>:<col>`` (plus ``(and N more errors)``).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator

from . import ast as A
from .errors import Frame, TengoParseError
from .scanner import Scanner, SourceFile, Token, unquote

_BINARY_PREC = {
    "||": 1,
    "&&": 2,
    "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
    "+": 4, "-": 4, "|": 4, "^": 4,
    "*": 5, "/": 5, "%": 5, "<<": 5, ">>": 5, "&": 5, "&^": 5,
}  # fmt: skip

_ASSIGN_OPS = frozenset(
    {"=", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "&^="}
)
_SIMPLE_START = frozenset(
    {
        "func", "error", "immutable", "IDENT", "INT", "FLOAT", "CHAR", "STRING", "true",
        "false", "undefined", "import", "(", "{", "[", "+", "-", "*", "&", "^", "!",
    }
)  # fmt: skip
_STMT_START = frozenset({"break", "continue", "for", "if", "return", "export"})
_LITERAL_KINDS = frozenset({"IDENT", "INT", "FLOAT", "CHAR", "STRING"})

_DEC = r"[0-9](?:_?[0-9])*"
_FLOAT_DEC = re.compile(rf"^(?:{_DEC}(?:\.(?:{_DEC})?)?|\.{_DEC})(?:[eE][+-]?{_DEC})?$")
_HEX = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
_FLOAT_HEX = re.compile(rf"^0[xX]_?(?:{_HEX}(?:\.(?:{_HEX})?)?|\.{_HEX})[pP][+-]?{_DEC}$")


class _Bailout(Exception):
    pass


def parse_int_literal(lit: str) -> int:
    """Go ``strconv.ParseInt(lit, 0, 64)``; raises ValueError."""
    s = lit
    base = 10
    prefixed = False
    if len(s) > 1 and s[0] == "0":
        p = s[1].lower()
        if p in "xbo":
            base = {"x": 16, "b": 2, "o": 8}[p]
            s = s[2:]
        else:
            base = 8
            s = s[1:]
        prefixed = True
    if not s or "__" in s or s.endswith("_") or (s.startswith("_") and not prefixed):
        raise ValueError(lit)
    digits = s.replace("_", "")
    if not digits:
        raise ValueError(lit)
    v = int(digits, base)
    if v > 0x7FFFFFFFFFFFFFFF:
        raise ValueError(lit)
    return v


def parse_float_literal(lit: str) -> float:
    """Go ``strconv.ParseFloat(lit, 64)`` for literal syntax; raises ValueError."""
    if lit[:2].lower() == "0x":
        if not _FLOAT_HEX.match(lit):
            raise ValueError(lit)
        body = lit.replace("_", "")
        mant, _, exp = body[2:].lower().partition("p")
        if mant.startswith("."):
            mant = "0" + mant
        return float.fromhex("0x" + mant + "p" + exp)
    if not _FLOAT_DEC.match(lit):
        raise ValueError(lit)
    return float(lit.replace("_", ""))


class Parser:
    def __init__(self, src: SourceFile) -> None:
        self.file = src
        self.errors: list[tuple[int, str]] = []
        self._error_lines: list[int] = []
        self.scanner = Scanner(src, self._error)
        self.tok: Token = Token("EOF", "", 0)
        self.expr_lev = 0
        self._next()

    # --- infrastructure -----------------------------------------------------

    def _error(self, pos: int, msg: str) -> None:
        line = self.file.line_col(pos)[0]
        if self._error_lines and self._error_lines[-1] == line:
            return  # upstream keeps one error per line
        if len(self.errors) > 10:
            raise _Bailout()
        self.errors.append((pos, msg))
        self._error_lines.append(line)

    def _next(self) -> None:
        self.tok = self.scanner.next()

    @property
    def kind(self) -> str:
        return self.tok.kind

    def _error_expected(self, pos: int, what: str) -> None:
        msg = "expected " + what
        if pos == self.tok.pos:
            if self.kind == ";" and self.tok.lit == "\n":
                msg += ", found newline"
            elif self.kind in _LITERAL_KINDS:
                msg += ", found " + self.tok.lit
            elif self.kind == "EOF":
                msg += ", found 'EOF'"
            else:
                msg += f", found '{self.tok.lit}'"
        self._error(pos, msg)

    def _expect(self, kind: str) -> int:
        pos = self.tok.pos
        if self.kind != kind:
            self._error_expected(pos, f"'{kind}'")
        self._next()
        return pos

    def _expect_semi(self) -> None:
        k = self.kind
        if k in (")", "}"):
            return
        if k == ",":
            self._error_expected(self.tok.pos, "';'")
            self._next()
        elif k == ";":
            self._next()
        else:
            self._error_expected(self.tok.pos, "';'")
            self._advance_stmt()

    def _advance_stmt(self) -> None:
        while self.kind != "EOF":
            if self.kind in _STMT_START:
                return
            self._next()

    def _expect_comma(self, closing: str, want: str) -> bool:
        if self.kind == ",":
            self._next()
            if self.kind == closing:
                self._error_expected(self.tok.pos, want)
                return False
            return True
        if self.kind == ";" and self.tok.lit == "\n":
            self._next()
        return False

    # --- entry point --------------------------------------------------------

    def parse_file(self) -> A.File:
        stmts: list[A.Node] = []
        try:
            while self.kind != "EOF":
                if self.kind == "}":
                    self._error_expected(self.tok.pos, "statement")
                    self._next()
                    continue
                stmts.append(self._stmt())
        except _Bailout:
            pass
        if self.errors:
            raise TengoParseError.from_list(self.file, self.errors)
        return A.File(stmts, 0)

    # --- statements -----------------------------------------------------------

    def _stmt(self) -> A.Node:
        k = self.kind
        if k in _SIMPLE_START:
            s = self._simple_stmt(False)
            self._expect_semi()
            return s
        if k == "return":
            return self._return_stmt()
        if k == "export":
            pos = self.tok.pos
            self._next()
            x = self._expr()
            self._expect_semi()
            return A.ExportStmt(x, pos)
        if k == "if":
            return self._if_stmt()
        if k == "for":
            return self._for_stmt()
        if k in ("break", "continue"):
            pos = self.tok.pos
            self._next()
            self._expect_semi()
            return A.BranchStmt(k, pos)
        if k == ";":
            s = A.EmptyStmt(self.tok.pos)
            self._next()
            return s
        if k == "}":
            return A.EmptyStmt(self.tok.pos)
        pos = self.tok.pos
        self._error_expected(pos, "statement")
        self._advance_stmt()
        if self.kind == "EOF" or pos == self.tok.pos:
            self._next()
        return A.BadStmt(pos)

    def _return_stmt(self) -> A.Node:
        pos = self.tok.pos
        self._next()
        x = None
        if self.kind not in (";", "}"):
            x = self._expr()
        self._expect_semi()
        return A.ReturnStmt(x, pos)

    def _block(self) -> A.BlockStmt:
        pos = self._expect("{")
        stmts: list[A.Node] = []
        while self.kind not in ("}", "EOF"):
            stmts.append(self._stmt())
        end = self._expect("}")
        return A.BlockStmt(stmts, pos, end)

    def _if_stmt(self) -> A.Node:
        pos = self._expect("if")
        init, cond = self._if_header()
        body = self._block()
        els: A.Node | None = None
        if self.kind == "else":
            self._next()
            if self.kind == "if":
                els = self._if_stmt()
            elif self.kind == "{":
                els = self._block()
                self._expect_semi()
            else:
                self._error_expected(self.tok.pos, "if or {")
                els = A.BadStmt(self.tok.pos)
        else:
            self._expect_semi()
        return A.IfStmt(init, cond, body, els, pos)

    def _if_header(self) -> tuple[A.Node | None, A.Node]:
        if self.kind == "{":
            self._error(self.tok.pos, "missing condition in if statement")
            return None, A.BadExpr(self.tok.pos)
        outer = self.expr_lev
        self.expr_lev = -1
        init: A.Node | None = None
        if self.kind == ";":
            self._error(self.tok.pos, "missing init statement in if statement")
        else:
            init = self._simple_stmt(False)
        cond_stmt: A.Node | None = None
        if self.kind == ";":
            semi = self.tok.pos
            self._next()
            if self.kind != "{":
                cond_stmt = self._simple_stmt(False)
            else:
                self._error(semi, "missing condition in if statement")
        else:
            cond_stmt, init = init, None
        cond: A.Node = A.BadExpr(self.tok.pos)
        if cond_stmt is not None:
            cond = self._make_expr(cond_stmt, "boolean expression")
        self.expr_lev = outer
        return init, cond

    def _make_expr(self, s: A.Node | None, want: str) -> A.Node:
        if s is None:
            return A.BadExpr(self.tok.pos)
        if isinstance(s, A.ExprStmt):
            return s.expr
        found = "simple statement"
        if isinstance(s, A.AssignStmt):
            found = "assignment"
        self._error(s.pos, f"expected {want}, found {found}")
        return A.BadExpr(s.pos)

    def _for_stmt(self) -> A.Node:
        pos = self._expect("for")
        if self.kind == "{":
            body = self._block()
            self._expect_semi()
            return A.ForStmt(None, None, None, body, pos)
        prev = self.expr_lev
        self.expr_lev = -1
        s1: A.Node | None = None
        if self.kind != ";":
            s1 = self._simple_stmt(True)
        if isinstance(s1, A.ForInStmt):
            s1.pos = pos
            self.expr_lev = prev
            s1.body = self._block()
            self._expect_semi()
            return s1
        s2: A.Node | None = None
        s3: A.Node | None = None
        if self.kind == ";":
            self._next()
            if self.kind != ";":
                s2 = self._simple_stmt(False)
            self._expect(";")
            if self.kind != "{":
                s3 = self._simple_stmt(False)
        else:
            s2, s1 = s1, None
        self.expr_lev = prev
        body = self._block()
        self._expect_semi()
        cond = self._make_expr(s2, "condition expression") if s2 is not None else None
        return A.ForStmt(s1, cond, s3, body, pos)

    def _simple_stmt(self, for_in: bool) -> A.Node:
        pos = self.tok.pos
        if for_in and self.kind == "IDENT":
            # look for "k, v in x" / "v in x"
            key = A.Ident(self.tok.lit, self.tok.pos)
            self._next()
            if self.kind in (",", "in"):
                value: A.Ident | None = None
                if self.kind == ",":
                    self._next()
                    if self.kind == "IDENT":
                        value = A.Ident(self.tok.lit, self.tok.pos)
                        self._next()
                    else:
                        self._error_expected(self.tok.pos, "IDENT")
                if self.kind == "in":
                    self._next()
                    it = self._expr()
                    if value is None:
                        key, value = A.Ident("_", key.pos), key
                    return A.ForInStmt(key, value, it, A.BlockStmt([], pos), pos)
                self._error_expected(self.tok.pos, "'in'")
                return A.BadStmt(pos)
            lhs = [self._binary_rest(self._primary_rest(key), 1)]
            lhs[0] = self._cond_rest(lhs[0])
        else:
            lhs = self._expr_list()
        k = self.kind
        if k in _ASSIGN_OPS:
            self._next()
            rhs = self._expr_list()
            return A.AssignStmt(lhs, k, rhs, pos)
        if len(lhs) > 1:
            self._error_expected(lhs[0].pos, "1 expression")
        if k in ("++", "--"):
            self._next()
            return A.IncDecStmt(lhs[0], k, pos)
        return A.ExprStmt(lhs[0], pos)

    def _expr_list(self) -> list[A.Node]:
        out = [self._expr()]
        while self.kind == ",":
            self._next()
            out.append(self._expr())
        return out

    # --- expressions --------------------------------------------------------

    def _expr(self) -> A.Node:
        return self._cond_rest(self._binary(1))

    def _cond_rest(self, x: A.Node) -> A.Node:
        if self.kind == "?":
            self._next()
            t = self._expr()
            self._expect(":")
            f = self._expr()
            return A.CondExpr(x, t, f, x.pos)
        return x

    def _binary(self, prec1: int) -> A.Node:
        return self._binary_rest(self._unary(), prec1)

    def _binary_rest(self, x: A.Node, prec1: int) -> A.Node:
        while True:
            op = self.kind
            prec = _BINARY_PREC.get(op, 0)
            if prec < prec1:
                return x
            self._next()
            y = self._binary(prec + 1)
            x = A.BinaryExpr(x, op, y, x.pos)

    def _unary(self) -> A.Node:
        if self.kind in ("+", "-", "!", "^"):
            pos, op = self.tok.pos, self.kind
            self._next()
            return A.UnaryExpr(op, self._unary(), pos)
        return self._primary_rest(self._operand())

    def _primary_rest(self, x: A.Node) -> A.Node:
        while True:
            k = self.kind
            if k == ".":
                self._next()
                if self.kind == "IDENT":
                    sel = A.StringLit(self.tok.lit, self.tok.lit, self.tok.pos)
                    self._next()
                    x = A.SelectorExpr(x, sel, x.pos)
                else:
                    self._error_expected(self.tok.pos, "selector")
                    self._next()
                    return A.BadExpr(x.pos)
            elif k == "[":
                x = self._index_or_slice(x)
            elif k == "(":
                x = self._call(x)
            else:
                return x

    def _index_or_slice(self, x: A.Node) -> A.Node:
        self._expect("[")
        self.expr_lev += 1
        low: A.Node | None = None
        high: A.Node | None = None
        if self.kind != ":":
            low = self._expr()
        colons = 0
        if self.kind == ":":
            colons = 1
            self._next()
            if self.kind not in ("]", "EOF"):
                high = self._expr()
        self.expr_lev -= 1
        self._expect("]")
        if colons:
            return A.SliceExpr(x, low, high, x.pos)
        if low is None:
            low = A.BadExpr(self.tok.pos)
        return A.IndexExpr(x, low, x.pos)

    def _call(self, x: A.Node) -> A.Node:
        self._expect("(")
        self.expr_lev += 1
        args: list[A.Node] = []
        ellipsis = False
        while self.kind not in (")", "EOF") and not ellipsis:
            args.append(self._expr())
            if self.kind == "...":
                ellipsis = True
                self._next()
            if not self._expect_comma(")", "call argument"):
                break
        self.expr_lev -= 1
        self._expect(")")
        return A.CallExpr(x, args, ellipsis, x.pos)

    def _operand(self) -> A.Node:
        tok = self.tok
        k = tok.kind
        pos = tok.pos
        if k == "IDENT":
            self._next()
            return A.Ident(tok.lit, pos)
        if k == "INT":
            self._next()
            try:
                return A.IntLit(parse_int_literal(tok.lit), tok.lit, pos)
            except ValueError:
                self._error(pos, f"invalid integer literal: {tok.lit}")
                return A.BadExpr(pos)
        if k == "FLOAT":
            self._next()
            try:
                return A.FloatLit(parse_float_literal(tok.lit), tok.lit, pos)
            except ValueError:
                self._error(pos, f"invalid float literal: {tok.lit}")
                return A.BadExpr(pos)
        if k == "CHAR":
            self._next()
            try:
                text = unquote(tok.lit)
            except (ValueError, IndexError):
                text = ""
            if len(text) != 1:
                self._error(pos, f"invalid character literal: {tok.lit}")
                return A.BadExpr(pos)
            return A.CharLit(ord(text), tok.lit, pos)
        if k == "STRING":
            self._next()
            try:
                value = unquote(tok.lit)
            except (ValueError, IndexError):
                self._error(pos, f"invalid string literal: {tok.lit}")
                return A.BadExpr(pos)
            return A.StringLit(value, tok.lit, pos)
        if k in ("true", "false"):
            self._next()
            return A.BoolLit(k == "true", pos)
        if k == "undefined":
            self._next()
            return A.UndefinedLit(pos)
        if k == "(":
            self._next()
            self.expr_lev += 1
            x = self._expr()
            self.expr_lev -= 1
            self._expect(")")
            return A.ParenExpr(x, pos)
        if k == "[":
            return self._array_lit()
        if k == "{":
            return self._map_lit()
        if k == "func":
            return self._func_lit()
        if k in ("error", "immutable"):
            self._next()
            self._expect("(")
            self.expr_lev += 1
            x = self._expr()
            self.expr_lev -= 1
            self._expect(")")
            return A.ErrorExpr(x, pos) if k == "error" else A.ImmutableExpr(x, pos)
        if k == "import":
            self._next()
            self._expect("(")
            name = ""
            if self.kind == "STRING":
                name = unquote(self.tok.lit)
                self._next()
            else:
                self._error_expected(self.tok.pos, "module name")
            self._expect(")")
            return A.ImportExpr(name, pos)
        self._error_expected(pos, "operand")
        self._advance_stmt()
        return A.BadExpr(pos)

    def _array_lit(self) -> A.Node:
        pos = self._expect("[")
        self.expr_lev += 1
        elems: list[A.Node] = []
        while self.kind not in ("]", "EOF"):
            elems.append(self._expr())
            if not self._expect_comma("]", "array element"):
                break
        self.expr_lev -= 1
        self._expect("]")
        return A.ArrayLit(elems, pos)

    def _map_lit(self) -> A.Node:
        pos = self._expect("{")
        self.expr_lev += 1
        elems: list[A.MapElement] = []
        while self.kind not in ("}", "EOF"):
            kpos = self.tok.pos
            if self.kind == "IDENT":
                key = self.tok.lit
            elif self.kind == "STRING":
                key = unquote(self.tok.lit)
            else:
                self._error_expected(kpos, "map key")
                key = ""
            self._next()
            self._expect(":")
            value = self._expr()
            elems.append(A.MapElement(key, value, kpos))
            if not self._expect_comma("}", "map element"):
                break
        self.expr_lev -= 1
        self._expect("}")
        return A.MapLit(elems, pos)

    def _func_lit(self) -> A.Node:
        pos = self._expect("func")
        self._expect("(")
        params: list[str] = []
        varargs = False
        while self.kind not in (")", "EOF"):
            if self.kind == "...":
                varargs = True
                self._next()
            if self.kind == "IDENT":
                params.append(self.tok.lit)
                self._next()
            else:
                self._error_expected(self.tok.pos, "IDENT")
                self._next()
            if varargs:
                break
            if self.kind == ",":
                self._next()
            elif self.kind != ")":
                break
        self._expect(")")
        body = self._block()
        return A.FuncLit(params, varargs, body, pos, body.end)


@contextlib.contextmanager
def recursion_headroom(frames: int = 20000) -> Iterator[None]:
    """Raises Python's recursion limit while parsing/compiling deeply nested
    source (CPython 3.11 runs these Python-level recursions without growing
    the C stack)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, frames))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def parse(src: SourceFile) -> A.File:
    with recursion_headroom():
        try:
            return Parser(src).parse_file()
        except RecursionError:
            raise TengoParseError("source too deeply nested", [Frame(src.name, 1, 1)]) from None
