"""The `data` group: query JSON with a small path language, validate it, CSV in and out, XML
to a dict (entity declarations refused), transform lists of records, encode and decode."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
import urllib.parse
from typing import TYPE_CHECKING, Any

from engines.api.context import RunContext
from engines.api.tools.common import ToolError, local_name
from engines.api.tools.registry import (
    Tool,
    anything,
    array,
    boolean,
    builtin_declarer,
    integer,
    obj,
    string,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

TOOLS: list[Tool] = []
tool = builtin_declarer("data", TOOLS)

MAX_TEXT = 5 * 1024 * 1024

# -- json_query -------------------------------------------------------------------------------

_STEP = re.compile(
    r"""\s*(?:
        \.?(?P<name>[A-Za-z_$][\w$-]*)         # .name (the dot optional at the start)
      | \.(?P<star>\*)                          # .*
      | \[\s*(?P<index>-?\d+)\s*\]              # [0], [-1]
      | \[\s*(?P<all>\*)\s*\]                   # [*]
      | \[\s*(?P<q>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\]   # ["key"]
    )""",
    re.VERBOSE,
)


def parse_query(query: str) -> list[tuple[str, Any]]:
    """`a.b[0].c`, `items[*].name`, `["odd key"]`, `$.a` → a list of (kind, value) steps."""
    text = query.strip()
    if text.startswith("$"):
        text = text[1:]
    steps: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        match = _STEP.match(text, pos)
        bare_name = (
            match is not None
            and match.group("name") is not None
            and pos > 0
            and not text[pos:].lstrip().startswith(".")
        )
        if match is None or match.end() == pos or bare_name:
            raise ToolError(f"bad query {query!r} at character {pos + 1}: {text[pos : pos + 10]!r}")
        if match.group("name") is not None:
            steps.append(("key", match.group("name")))
        elif match.group("index") is not None:
            steps.append(("index", int(match.group("index"))))
        elif match.group("q") is not None:
            quoted = match.group("q")
            key = json.loads(quoted) if quoted[0] == '"' else quoted[1:-1].replace("\\'", "'")
            steps.append(("key", key))
        else:
            steps.append(("all", None))
        pos = match.end()
    return steps


def run_query(data: Any, steps: list[tuple[str, Any]]) -> tuple[Any, bool]:
    """(value, found); after a wildcard the value is the list of every match."""
    values = [data]
    many = False
    for kind, arg in steps:
        following: list[Any] = []
        for value in values:
            if kind == "all":
                if isinstance(value, list):
                    following.extend(value)
                elif isinstance(value, dict):
                    following.extend(value.values())
            elif (
                kind == "key"
                and isinstance(value, dict)
                and arg in value
                or kind == "index"
                and isinstance(value, list)
                and -len(value) <= arg < len(value)
            ):
                following.append(value[arg])
        many = many or kind == "all"
        values = following
    if many:
        return values, True
    return (values[0], True) if values else (None, False)


@tool(
    "json_query",
    "Pick values out of JSON with a path like `a.b[0].c` or `items[*].name`.",
    obj(
        {
            "data": anything("The JSON value to query (or give `text`)."),
            "text": string("JSON text to parse and query instead of `data`."),
            "query": string(
                'The path: keys with ".", indexes in [], [*] or .* for every item; "" is the whole value.'
            ),
            "default": anything("Returned when the path matches nothing; default null."),
        },
        ["query"],
    ),
)
def json_query(ctx: RunContext, args: dict[str, Any]) -> Any:
    if "text" in args:
        try:
            data = json.loads(args["text"])
        except ValueError as exc:
            raise ToolError(f"text is not valid JSON: {exc}") from None
    elif "data" in args:
        data = args["data"]
    else:
        raise ToolError("give `data` or `text`")
    value, found = run_query(data, parse_query(args["query"]))
    return value if found else args.get("default")


@tool(
    "json_validate",
    "Check a JSON value against a JSON Schema; returns {valid, errors}.",
    obj(
        {
            "data": anything("The value to check."),
            "schema": {"type": "object", "description": "The JSON Schema."},
        },
        ["data", "schema"],
    ),
)
def json_validate(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    import jsonschema

    schema = args["schema"]
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ToolError(f"the schema is not valid: {exc.message}") from None
    errors = [
        {"path": _json_path(e.absolute_path), "message": e.message}
        for e in sorted(
            cls(schema).iter_errors(args["data"]), key=lambda e: list(map(str, e.absolute_path))
        )
    ]
    return {"valid": not errors, "errors": errors[:50]}


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# -- CSV ----------------------------------------------------------------------------------------

_DELIMITER = string('The field separator, one character; default ",".', minLength=1, maxLength=1)


def _infer(value: str) -> Any:
    text = value.strip()
    if text == "":
        return value
    if re.fullmatch(r"[-+]?\d{1,18}", text):
        return int(text)
    if re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?", text):
        return float(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return value


@tool(
    "csv_parse",
    "Parse CSV text into rows: objects keyed by the header, or arrays of strings.",
    obj(
        {
            "text": string("The CSV text.", maxLength=MAX_TEXT),
            "header": boolean("The first row names the columns; default true."),
            "delimiter": _DELIMITER,
            "infer_types": boolean(
                "Turn numbers and true/false into numbers and booleans; default false."
            ),
        },
        ["text"],
    ),
)
def csv_parse(ctx: RunContext, args: dict[str, Any]) -> list[Any]:
    reader = csv.reader(io.StringIO(args["text"]), delimiter=args.get("delimiter", ","))
    infer = _infer if args.get("infer_types") else (lambda v: v)
    try:
        rows = [row for row in reader if row]
    except csv.Error as exc:
        raise ToolError(f"invalid CSV: {exc}") from None
    if not args.get("header", True):
        return [[infer(v) for v in row] for row in rows]
    if not rows:
        return []
    names = rows[0]
    records = []
    for row in rows[1:]:
        record = {name: infer(row[i]) if i < len(row) else None for i, name in enumerate(names)}
        if len(row) > len(names):
            record["_extra"] = row[len(names) :]
        records.append(record)
    return records


@tool(
    "csv_format",
    "Format rows (objects or arrays) as CSV text.",
    obj(
        {
            "rows": array(
                "Objects (one column per key) or arrays of values.", {"type": ["object", "array"]}
            ),
            "columns": array(
                "Column order for object rows; default: keys in order of appearance.",
                {"type": "string"},
            ),
            "header": boolean("Write a header row for object rows; default true."),
            "delimiter": _DELIMITER,
        },
        ["rows"],
    ),
)
def csv_format(ctx: RunContext, args: dict[str, Any]) -> str:
    rows = args["rows"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=args.get("delimiter", ","), lineterminator="\n")

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value

    if rows and all(isinstance(r, dict) for r in rows):
        columns = args.get("columns") or list(dict.fromkeys(k for r in rows for k in r))
        if args.get("header", True):
            writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
    elif all(isinstance(r, list) for r in rows):
        for row in rows:
            writer.writerow([cell(v) for v in row])
    else:
        raise ToolError("rows must be all objects or all arrays")
    return out.getvalue()


# -- XML ------------------------------------------------------------------------------------------


def element_to_dict(element: Element) -> Any:
    """xmltodict's shape: attributes as "@name", text as "#text" (or the value itself when
    the element has nothing else), repeated children as arrays; namespaces dropped."""
    result: dict[str, Any] = {f"@{local_name(k)}": v for k, v in element.attrib.items()}
    children: dict[str, list[Any]] = {}
    for child in element:
        children.setdefault(local_name(child.tag), []).append(element_to_dict(child))
    for name, values in children.items():
        result[name] = values if len(values) > 1 else values[0]
    text = (element.text or "").strip()
    if not result:
        return text or None
    if text:
        result["#text"] = text
    return result


@tool(
    "xml_parse",
    "Parse XML into a dict (attributes as @name, text as #text); DOCTYPE/ENTITY refused.",
    obj({"text": string("The XML text.", maxLength=MAX_TEXT)}, ["text"]),
)
def xml_parse(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    from engines.api.tools.markup import parse_xml

    root = parse_xml(args["text"])
    return {local_name(root.tag): element_to_dict(root)}


# -- transform ---------------------------------------------------------------------------------

_OPERATORS = ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "exists", "missing"]


def _matches(record: dict[str, Any], condition: dict[str, Any]) -> bool:
    field = condition["field"]
    op = condition.get("operator", "eq")
    present = field in record
    if op == "exists":
        return present
    if op == "missing":
        return not present
    value, want = record.get(field), condition.get("value")
    try:
        if op == "eq":
            return bool(value == want)
        if op == "ne":
            return bool(value != want)
        if op == "contains":
            if isinstance(value, str) and isinstance(want, str):
                return want.lower() in value.lower()
            return isinstance(value, list) and want in value
        if op == "in":
            return isinstance(want, list) and value in want
        if value is None or want is None:
            return False
        if op == "gt":
            return bool(value > want)
        if op == "gte":
            return bool(value >= want)
        if op == "lt":
            return bool(value < want)
        if op == "lte":
            return bool(value <= want)
    except TypeError:
        return False
    raise ToolError(f"unknown operator {op!r}")


def _sort_key(value: Any) -> tuple[int, Any]:
    # None last; numbers before strings; mixed types never compare each other.
    if value is None:
        return (3, 0)
    if isinstance(value, bool | int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, json.dumps(value, sort_keys=True))


@tool(
    "transform",
    "Filter, sort, limit, pick, omit and rename fields of a list of objects (in that order).",
    obj(
        {
            "items": array("The records.", {"type": "object"}),
            "filter": array(
                "Conditions every kept record meets.",
                obj(
                    {
                        "field": string("Field name."),
                        "operator": string("Comparison; default eq.", enum=_OPERATORS),
                        "value": anything("The value compared with."),
                    },
                    ["field"],
                ),
            ),
            "sort_by": string("Field to sort by."),
            "descending": boolean("Sort from largest to smallest; default false."),
            "limit": integer("Keep at most this many records.", minimum=0),
            "pick": array("Keep only these fields.", {"type": "string"}),
            "omit": array("Drop these fields.", {"type": "string"}),
            "rename": {
                "type": "object",
                "description": "Old field name → new field name.",
                "additionalProperties": {"type": "string"},
            },
        },
        ["items"],
    ),
)
def transform(ctx: RunContext, args: dict[str, Any]) -> list[dict[str, Any]]:
    items = [dict(r) for r in args["items"]]
    for condition in args.get("filter") or []:
        items = [r for r in items if _matches(r, condition)]
    if args.get("sort_by"):
        key = args["sort_by"]
        items.sort(key=lambda r: _sort_key(r.get(key)), reverse=bool(args.get("descending")))
        if args.get("descending"):  # keep records without the field last
            items.sort(key=lambda r: r.get(key) is None)
    if args.get("limit") is not None:
        items = items[: args["limit"]]
    if args.get("pick"):
        items = [{k: r[k] for k in args["pick"] if k in r} for r in items]
    if args.get("omit"):
        omit = set(args["omit"])
        items = [{k: v for k, v in r.items() if k not in omit} for r in items]
    if args.get("rename"):
        mapping = args["rename"]
        items = [{mapping.get(k, k): v for k, v in r.items()} for r in items]
    return items


# -- encode ------------------------------------------------------------------------------------


@tool(
    "encode",
    "Encode or decode text as base64, base64url, hex or URL (percent) encoding.",
    obj(
        {
            "text": string("The text.", maxLength=MAX_TEXT),
            "encoding": string("The encoding.", enum=["base64", "base64url", "hex", "url"]),
            "decode": boolean("Decode instead of encode; default false."),
        },
        ["text", "encoding"],
    ),
)
def encode(ctx: RunContext, args: dict[str, Any]) -> str:
    text, kind = args["text"], args["encoding"]
    try:
        if not args.get("decode"):
            raw = text.encode("utf-8")
            if kind == "base64":
                return base64.b64encode(raw).decode("ascii")
            if kind == "base64url":
                return base64.urlsafe_b64encode(raw).decode("ascii")
            if kind == "hex":
                return raw.hex()
            return urllib.parse.quote(text, safe="")
        if kind == "url":
            return urllib.parse.unquote(text)
        if kind == "hex":
            data = bytes.fromhex(text)
        else:
            padded = text.strip() + "=" * (-len(text.strip()) % 4)
            if kind == "base64":
                data = base64.b64decode(padded, validate=True)
            else:
                data = base64.urlsafe_b64decode(padded)
        return data.decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise ToolError(f"cannot decode {kind}: {exc}") from None
