"""Tengo highlighting and folding for Scintilla's container lexer, from pygments' Go lexer.

`style_bytes(text)` returns one style byte per UTF-8 byte of `text` (Scintilla positions are
bytes) and `fold_levels(text)` one fold level per line; the editor applies the range Scintilla
asks for on `styleNeeded`. The whole document is lexed and cached per text: spells are small.
"""

from __future__ import annotations

from pygments.lexers.go import GoLexer
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Token

from ide.editor.languages import TENGO_STYLES

_LEXER = GoLexer(stripnl=False, ensurenl=False)
_BUILTINS = {
    "import", "len", "copy", "append", "delete", "splice", "type_name", "format", "string",
    "int", "bool", "float", "char", "bytes", "time", "error", "is_error", "is_undefined",
}  # fmt: skip
_TENGO_KEYWORDS = {"export", "in", "undefined", "immutable"}


def _style_of(token: object, value: str) -> int:
    if token in Comment or token is Comment:
        return TENGO_STYLES["comment"]
    if token in String:
        return TENGO_STYLES["string"]
    if token in Number:
        return TENGO_STYLES["number"]
    if token in Keyword or value in _TENGO_KEYWORDS:
        return TENGO_STYLES["keyword"]
    if token in Name.Builtin or value in _BUILTINS:
        return TENGO_STYLES["keyword2"]
    if token in Operator or token in Punctuation:
        return TENGO_STYLES["operator"]
    if token in Name:
        return TENGO_STYLES["identifier"]
    return TENGO_STYLES["default"]


def style_bytes(text: str) -> bytes:
    out = bytearray()
    for token, value in _LEXER.get_tokens(text):
        style = 0 if token is Token.Text and not value.strip() else _style_of(token, value)
        out += bytes([style]) * len(value.encode("utf-8"))
    return bytes(out)


BASE, HEADER, WHITE = 0x400, 0x2000, 0x1000


def fold_levels(text: str) -> list[int]:
    """Brace-depth fold levels (a line that opens a block is a fold header)."""
    levels: list[int] = []
    depth = 0
    for line in text.split("\n"):
        code = line.split("//", 1)[0]
        opens = code.count("{") + code.count("(") + code.count("[")
        closes = code.count("}") + code.count(")") + code.count("]")
        level = BASE + depth
        if opens > closes:
            level |= HEADER
        if not line.strip():
            level |= WHITE
        levels.append(level)
        depth = max(0, depth + opens - closes)
    return levels
