"""Tokenizer for Tengo source text.

Mirrors the Go-style scanner used by upstream Tengo: automatic semicolon
insertion at newlines (and EOF) after tokens that can end a statement, Go
number-literal syntax (underscores, 0b/0o/0x prefixes, hex floats), and the
same "illegal character" diagnostics.  Positions are character offsets into the
source; :class:`SourceFile` converts them to Go-style line:column (columns
count UTF-8 bytes, as upstream does).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

KEYWORDS = frozenset(
    {
        "break",
        "continue",
        "else",
        "for",
        "func",
        "error",
        "immutable",
        "if",
        "return",
        "export",
        "true",
        "false",
        "in",
        "undefined",
        "import",
    }
)

# Longest operators first so that greedy matching works.
_OPERATORS = sorted(
    [
        "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "&^",
        "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "&^=",
        "&&", "||", "++", "--", "==", "<", ">", "=", "!", "!=", "<=", ">=",
        ":=", "...", "(", "[", "{", ",", ".", ")", "]", "}", ";", ":", "?",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
# One regular expression finds the kind of the next token; literals and
# comments are then scanned by hand for upstream's diagnostics.
_MASTER_RE = re.compile(
    r"(?P<ws>[ \t\r]+)"
    r"|(?P<nl>\n)"
    r"|(?P<ident>[^\W\d]\w*)"
    r"|(?P<num>[0-9]|\.[0-9])"
    r"|(?P<quote>[\"`'])"
    r"|(?P<cmt>//|/\*)"
    r"|(?P<op>" + "|".join(re.escape(op) for op in _OPERATORS) + ")"
)

# Tokens after which a newline terminates the statement.
_SEMI_AFTER = frozenset(
    {
        "IDENT", "INT", "FLOAT", "CHAR", "STRING", "break", "continue", "return",
        "true", "false", "undefined", "++", "--", ")", "]", "}",
    }
)  # fmt: skip


class SourceFile:
    """A named source text with offset -> (line, column) conversion."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self._line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self._line_starts.append(i + 1)

    def line_col(self, offset: int) -> tuple[int, int]:
        idx = bisect.bisect_right(self._line_starts, offset) - 1
        start = self._line_starts[idx]
        prefix = self.text[start:offset]
        col = (
            len(prefix) if prefix.isascii() else len(prefix.encode("utf-8", "surrogatepass"))
        ) + 1
        return idx + 1, col

    def position(self, offset: int) -> str:
        line, col = self.line_col(offset)
        return f"{self.name}:{line}:{col}"


@dataclass(slots=True)
class Token:
    kind: str  # "IDENT", "INT", ..., an operator text, a keyword, ";" or "EOF"
    lit: str  # literal text; for an inserted ";" it is "\n"
    pos: int


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


class Scanner:
    """Produces tokens one at a time; errors go to ``error_handler(pos, msg)``."""

    def __init__(self, src: SourceFile, error_handler) -> None:
        self.src = src.text
        self.n = len(self.src)
        self.i = 0
        self.insert_semi = False
        self.err = error_handler

    def next(self) -> Token:
        src = self.src
        while True:
            i = self.i
            m = _MASTER_RE.match(src, i)
            if m is None:
                break  # end of input or a character no token starts with
            kind = m.lastgroup
            if kind == "ws":
                self.i = m.end()
                continue
            if kind == "nl":
                self.i = i + 1
                if self.insert_semi:
                    self.insert_semi = False
                    return Token(";", "\n", i)
                continue
            if kind == "ident":
                j = m.end()
                self.i = j
                word = src[i:j]
                if word in KEYWORDS:
                    self.insert_semi = word in _SEMI_AFTER
                    return Token(word, word, i)
                self.insert_semi = True
                return Token("IDENT", word, i)
            if kind == "op":
                op = m.group()
                self.i = m.end()
                self.insert_semi = op in _SEMI_AFTER
                return Token(op, op, i)
            if kind == "cmt":
                return self._comment(i)
            self.insert_semi = True
            if kind == "num":
                return self._number(i)
            ch = src[i]
            if ch == '"':
                return self._string(i)
            if ch == "`":
                return self._raw_string(i)
            return self._char(i)
        i = self.i
        if i >= self.n:
            if self.insert_semi:
                self.insert_semi = False
                return Token(";", "\n", i)
            return Token("EOF", "", i)
        ch = src[i]
        self.i = i + 1
        self.err(i, f"illegal character {_quote_char(ch)}")
        return Token("ILLEGAL", ch, i)

    def _comment(self, start: int) -> Token:
        src = self.src
        if src[start + 1] == "/":
            j = src.find("\n", start)
            if j < 0:
                j = self.n
            self.i = j
            # a newline after a line comment still terminates the statement
            return self.next()
        j = src.find("*/", start + 2)
        if j < 0:
            self.err(start, "comment not terminated")
            self.i = self.n
            return self.next()
        text = src[start : j + 2]
        self.i = j + 2
        if self.insert_semi and "\n" in text:
            self.insert_semi = False
            return Token(";", "\n", start)
        return self.next()

    def _digits(self, j: int, base: int) -> int:
        src = self.src
        while j < self.n:
            c = src[j].lower()
            if (
                c == "_"
                or (c.isdigit() and (base > 8 or int(c) < base))
                or (base == 16 and "a" <= c <= "f")
            ):
                j += 1
            elif base <= 10 and c.isdigit():
                j += 1  # invalid digit for base; reported by the caller
            else:
                break
        return j

    def _number(self, start: int) -> Token:
        src = self.src
        j = start
        kind = "INT"
        base = 10
        if src[j] == "0" and j + 1 < self.n and src[j + 1].lower() in "xbo":
            base = {"x": 16, "b": 2, "o": 8}[src[j + 1].lower()]
            j = self._digits(j + 2, base)
        else:
            j = self._digits(j, 10)
        if base in (10, 16) and j < self.n and src[j] == ".":
            kind = "FLOAT"
            j = self._digits(j + 1, base)
        if j < self.n and src[j].lower() in ("pe" if base == 16 else "e") and base in (10, 16):
            k = j + 1
            if k < self.n and src[k] in "+-":
                k += 1
            if k < self.n and _is_digit(src[k]):
                kind = "FLOAT"
                j = self._digits(k, 10)
            else:
                self.err(start, "exponent has no digits")
                j = k
        self.i = j
        lit = src[start:j]
        octal = kind == "INT" and base == 10 and len(lit) > 1 and lit[0] == "0"
        if octal and any(c in "89" for c in lit):
            bad = next(c for c in lit if c in "89")
            self.err(start, f"invalid digit '{bad}' in octal literal")
        return Token(kind, lit, start)

    def _escape(self, j: int, quote: str) -> int:
        """Validates an escape starting at src[j] == '\\'; returns the next index."""
        src = self.src
        if j + 1 >= self.n:
            self.err(j, "escape sequence not terminated")
            return j + 1
        c = src[j + 1]
        if c in "abfnrtv\\" or c == quote:
            return j + 2
        counts = {"x": 2, "u": 4, "U": 8}
        if c in counts or c in "01234567":
            n, k = (counts[c], j + 2) if c in counts else (3, j + 1)
            base = 8 if c in "01234567" else 16
            for _ in range(n):
                if k >= self.n or src[k].lower() not in "0123456789abcdef"[:base]:
                    self.err(k, "illegal character in escape sequence")
                    return k
                k += 1
            return k
        self.err(j, "unknown escape sequence")
        return j + 2

    def _string(self, start: int) -> Token:
        src = self.src
        j = start + 1
        while True:
            if j >= self.n or src[j] == "\n":
                self.err(start, "string literal not terminated")
                break
            c = src[j]
            if c == '"':
                j += 1
                break
            if c == "\\":
                j = self._escape(j, '"')
            else:
                j += 1
        self.i = j
        return Token("STRING", src[start:j], start)

    def _raw_string(self, start: int) -> Token:
        j = self.src.find("`", start + 1)
        if j < 0:
            self.err(start, "raw string literal not terminated")
            j = self.n
        else:
            j += 1
        self.i = j
        return Token("STRING", self.src[start:j], start)

    def _char(self, start: int) -> Token:
        src = self.src
        j = start + 1
        n = 0
        while True:
            if j >= self.n or src[j] == "\n":
                self.err(start, "rune literal not terminated")
                break
            c = src[j]
            if c == "'":
                j += 1
                break
            n += 1
            if c == "\\":
                j = self._escape(j, "'")
            else:
                j += 1
        if n != 1:
            self.err(start, "illegal rune literal")
        self.i = j
        return Token("CHAR", src[start:j], start)


def _quote_char(ch: str) -> str:
    code = ord(ch)
    return f"U+{code:04X} {ch!r}" if ch.isprintable() else f"U+{code:04X}"


def unquote(lit: str) -> str:
    """Decodes a Go string/char literal body (with quotes) into text.

    Byte escapes (``\\xNN``, octal) that do not form valid UTF-8 are kept as
    surrogate escapes so they survive a round trip through bytes.
    """
    if lit[0] == "`":
        return lit[1:-1].replace("\r", "")
    body = lit[1:-1]
    if "\\" not in body:
        return body
    out = bytearray()
    i = 0
    n = len(body)
    simple = {
        "a": 7,
        "b": 8,
        "f": 12,
        "n": 10,
        "r": 13,
        "t": 9,
        "v": 11,
        "\\": 92,
        "'": 39,
        '"': 34,
    }
    while i < n:
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        e = body[i + 1]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == "x":
            out.append(int(body[i + 2 : i + 4], 16))
            i += 4
        elif e in "uU":
            k = 4 if e == "u" else 8
            out += chr(int(body[i + 2 : i + 2 + k], 16)).encode("utf-8", "surrogatepass")
            i += 2 + k
        else:
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
    return out.decode("utf-8", "surrogateescape")
