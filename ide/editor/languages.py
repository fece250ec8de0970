"""Per-language editor data: which lexer, keywords, and which style number plays which role.

Plain data, no Qt. Lua and YAML use lexilla's lexers; JavaScript uses lexilla's `cpp` lexer
with JavaScript keywords; Tengo is styled by the container lexer (editor/tengo_lexer.py) from
pygments' Go lexer, with the style numbers below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Language:
    name: str  # lua | javascript | tengo | yaml | text
    lexer: str | None  # a lexilla lexer name; None for the container lexer or plain text
    keywords: dict[int, str] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)  # style number -> colour role
    properties: dict[str, str] = field(default_factory=dict)
    comment: str = "--"


LUA_KEYWORDS = (
    "and break do else elseif end false for function goto if in local nil not or repeat "
    "return then true until while"
)
LUA_BUILTINS = (
    "assert error ipairs next pairs pcall print rawequal rawget rawlen rawset select "
    "setmetatable getmetatable tonumber tostring type xpcall string table math coroutine utf8"
)
JS_KEYWORDS = (
    "async await break case catch class const continue debugger default delete do else "
    "export extends false finally for function if import in instanceof let new null of "
    "return static super switch this throw true try typeof undefined var void while with yield"
)
JS_GLOBALS = "Array Boolean JSON Math Number Object Promise String console print"

_C_ROLES = {
    1: "comment",
    2: "comment",
    3: "comment",
    15: "comment",
    4: "number",
    5: "keyword",
    16: "keyword2",
    6: "string",
    7: "string",
    12: "error",
    14: "string",
    20: "string",
    10: "operator",
    11: "identifier",
}

LUA = Language(
    "lua",
    "lua",
    {0: LUA_KEYWORDS, 1: LUA_BUILTINS},
    {
        1: "comment",
        2: "comment",
        3: "comment",
        4: "number",
        5: "keyword",
        6: "string",
        7: "string",
        8: "string",
        12: "error",
        10: "operator",
        11: "identifier",
        13: "keyword2",
        14: "keyword2",
        20: "key",
    },
    {"fold": "1", "fold.compact": "0"},
    "--",
)
JAVASCRIPT = Language(
    "javascript",
    "cpp",
    {0: JS_KEYWORDS, 1: JS_GLOBALS},
    _C_ROLES,
    {"fold": "1", "fold.compact": "0", "lexer.cpp.backquoted.strings": "1"},
    "//",
)
# Container-lexer style numbers for Tengo (pygments token types map onto these).
TENGO_STYLES = {
    "default": 0,
    "comment": 1,
    "number": 4,
    "keyword": 5,
    "string": 6,
    "operator": 10,
    "identifier": 11,
    "keyword2": 13,
}
TENGO = Language(
    "tengo", None, {}, {v: k for k, v in TENGO_STYLES.items() if k != "default"}, {}, "//"
)
YAML = Language(
    "yaml",
    "yaml",
    {0: "true false yes no null"},
    {
        1: "comment",
        2: "key",
        3: "keyword",
        4: "number",
        5: "keyword2",
        7: "string",
        8: "error",
        9: "operator",
    },
    {"fold": "1"},
    "#",
)
TEXT = Language("text", None, comment="#")

_BY_SUFFIX = {
    ".lua": LUA,
    ".js": JAVASCRIPT,
    ".mjs": JAVASCRIPT,
    ".tengo": TENGO,
    ".yaml": YAML,
    ".yml": YAML,
}


def language_for(path: str | Path | None) -> Language:
    if path is None:
        return TEXT
    return _BY_SUFFIX.get(Path(path).suffix.lower(), TEXT)
