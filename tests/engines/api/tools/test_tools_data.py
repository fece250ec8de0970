"""The data tools: json_query's path language, json_validate, CSV both ways, safe XML,
transform and encode."""

from __future__ import annotations

import pytest

DOC = {
    "a": {"b": [10, {"c": "deep"}]},
    "items": [{"name": "x", "n": 1}, {"name": "y"}],
    "odd key": 5,
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a.b[0]", 10),
        ("a.b[1].c", "deep"),
        ("$.a.b[-1].c", "deep"),
        ("items[*].name", ["x", "y"]),
        ("items[*].n", [1]),
        ('["odd key"]', 5),
        ("items.*.name", ["x", "y"]),
        ("", DOC),
    ],
)
def test_json_query_paths(box, query, expected):
    """Keys, indexes (negative too), wildcards and quoted keys."""
    assert box.ok("json_query", {"data": DOC, "query": query}) == expected


def test_json_query_misses_text_and_bad_queries(box):
    """A path matching nothing gives the default; text is parsed; bad syntax is an error."""
    assert box.ok("json_query", {"data": DOC, "query": "a.zzz"}) is None
    assert box.ok("json_query", {"data": DOC, "query": "a.b[9]", "default": 0}) == 0
    assert box.ok("json_query", {"text": '{"k": [1, 2]}', "query": "k[1]"}) == 2
    assert "bad query" in box.error("json_query", {"data": DOC, "query": "a[b"})["message"]
    assert "bad query" in box.error("json_query", {"data": DOC, "query": "a b"})["message"]
    assert "not valid JSON" in box.error("json_query", {"text": "{", "query": "a"})["message"]
    assert box.error("json_query", {"query": "a"})["message"] == "give `data` or `text`"


def test_json_validate(box):
    """json_validate lists the errors with their paths; a bad schema is a tool error."""
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert box.ok("json_validate", {"data": {"n": 1}, "schema": schema}) == {
        "valid": True,
        "errors": [],
    }
    result = box.ok("json_validate", {"data": {"n": "x"}, "schema": schema})
    assert result["valid"] is False
    assert result["errors"] == [{"path": "$.n", "message": "'x' is not of type 'integer'"}]
    error = box.error("json_validate", {"data": 1, "schema": {"type": 3}})
    assert "schema is not valid" in error["message"]


def test_csv_parse(box):
    """Rows become objects by header, with quoted fields and optional types."""
    text = 'name,age,note\nAda,36,"likes, commas"\nBob,x,\n'
    assert box.ok("csv_parse", {"text": text}) == [
        {"name": "Ada", "age": "36", "note": "likes, commas"},
        {"name": "Bob", "age": "x", "note": ""},
    ]
    typed = box.ok(
        "csv_parse", {"text": "a;b\n1;2.5\ntrue;z\n", "delimiter": ";", "infer_types": True}
    )
    assert typed == [{"a": 1, "b": 2.5}, {"a": True, "b": "z"}]
    assert box.ok("csv_parse", {"text": "1,2\n3,4\n", "header": False}) == [["1", "2"], ["3", "4"]]
    error = box.error("csv_parse", {"text": "a", "delimiter": ";;"})
    assert error["type"] == "invalid_arguments"


def test_csv_format(box):
    """Objects and arrays become CSV text with quoting; mixed rows are refused."""
    rows = [{"name": "Ada", "note": "a, b"}, {"name": "Bob", "extra": True}]
    assert box.ok("csv_format", {"rows": rows}) == 'name,note,extra\nAda,"a, b",\nBob,,true\n'
    assert (
        box.ok("csv_format", {"rows": rows, "columns": ["name"], "header": False}) == "Ada\nBob\n"
    )
    assert box.ok("csv_format", {"rows": [[1, 2], [3, None]]}) == "1,2\n3,\n"
    assert (
        "all objects or all arrays" in box.error("csv_format", {"rows": [[1], {"a": 1}]})["message"]
    )


def test_xml_parse(box):
    """XML becomes a dict: @attributes, #text, repeated children as arrays, no namespaces."""
    text = '<r xmlns:h="urn:x" id="7"><h:item>a</h:item><item>b</item><e/><t k="v">txt</t></r>'
    assert box.ok("xml_parse", {"text": text}) == {
        "r": {"@id": "7", "item": ["a", "b"], "e": None, "t": {"@k": "v", "#text": "txt"}}
    }


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><l>&lol2;</l>',
        '<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
        "<!doctype x><x/>",
    ],
)
def test_xml_with_entities_or_doctype_is_refused(box, text):
    """Entity expansion and external entities are refused before parsing."""
    error = box.error("xml_parse", {"text": text})
    assert error["type"] == "tool_error"
    assert "DOCTYPE or ENTITY" in error["message"]


def test_invalid_xml(box):
    """Broken XML is a tool error with the parser's position."""
    assert "invalid XML" in box.error("xml_parse", {"text": "<a><b></a>"})["message"]


PEOPLE = [
    {"name": "Ada", "age": 36, "city": "London"},
    {"name": "Bob", "age": 25, "city": "Paris"},
    {"name": "Cy", "city": "Rome"},
    {"name": "Di", "age": 41, "city": "Paris"},
]


def test_transform(box):
    """filter, sort, limit, pick, omit and rename, applied in that order."""
    result = box.ok(
        "transform",
        {
            "items": PEOPLE,
            "filter": [{"field": "age", "operator": "gte", "value": 30}],
            "sort_by": "age",
            "descending": True,
            "pick": ["name", "age"],
            "rename": {"name": "who"},
        },
    )
    assert result == [{"who": "Di", "age": 41}, {"who": "Ada", "age": 36}]
    by_name = box.ok("transform", {"items": PEOPLE, "sort_by": "age", "omit": ["city"], "limit": 3})
    assert by_name == [
        {"name": "Bob", "age": 25},
        {"name": "Ada", "age": 36},
        {"name": "Di", "age": 41},
    ]
    paris = box.ok(
        "transform",
        {"items": PEOPLE, "filter": [{"field": "city", "operator": "in", "value": ["Paris"]}]},
    )
    assert [p["name"] for p in paris] == ["Bob", "Di"]
    missing = box.ok(
        "transform", {"items": PEOPLE, "filter": [{"field": "age", "operator": "missing"}]}
    )
    assert [p["name"] for p in missing] == ["Cy"]
    error = box.error(
        "transform", {"items": PEOPLE, "filter": [{"field": "a", "operator": "like"}]}
    )
    assert error["type"] == "invalid_arguments"
    assert box.error("transform", {"items": [1, 2]})["type"] == "invalid_arguments"


@pytest.mark.parametrize(
    ("encoding", "plain", "encoded"),
    [
        ("base64", "héllo", "aMOpbGxv"),
        ("base64url", "??>", "Pz8-"),
        ("hex", "AB", "4142"),
        ("url", "a b&c", "a%20b%26c"),
    ],
)
def test_encode_and_decode(box, encoding, plain, encoded):
    """Each encoding round-trips."""
    assert box.ok("encode", {"text": plain, "encoding": encoding}) == encoded
    assert box.ok("encode", {"text": encoded, "encoding": encoding, "decode": True}) == plain


def test_decode_errors(box):
    """Text that is not in the encoding is a tool error; an unknown encoding is refused."""
    assert (
        "cannot decode"
        in box.error("encode", {"text": "@@", "encoding": "base64", "decode": True})["message"]
    )
    assert box.error("encode", {"text": "x", "encoding": "rot13"})["type"] == "invalid_arguments"
