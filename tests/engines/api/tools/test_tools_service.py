"""The tools service: registry, structured results, validation, hooks, spans, the debugger's
semantic stop and the replay boundary — through the Python surface the agents use."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from engines.api.tools import ToolsService, builtin_tools
from engines.errors import ApiError, LimitExceeded, PermissionDenied

GROUPS = ["file", "web", "data", "datetime", "math", "system", "feed"]
ADD_SCHEMA = {
    "type": "object",
    "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
    "required": ["a", "b"],
}


def _add(args: dict[str, Any]) -> dict[str, Any]:
    return {"sum": args["a"] + args["b"]}


def test_at_least_thirty_builtins_in_seven_groups_with_valid_schemas():
    """Every builtin has a one-line description and a valid JSON Schema of type object."""
    tools = builtin_tools()
    assert len(tools) >= 30
    assert list(dict.fromkeys(t.group for t in tools)) == GROUPS
    assert len({t.name for t in tools}) == len(tools)
    for tool in tools:
        assert tool.description and "\n" not in tool.description, tool.name
        assert tool.description.endswith("."), tool.name
        jsonschema.Draft202012Validator.check_schema(tool.parameters)
        assert tool.parameters["type"] == "object", tool.name


def test_invoke_returns_ok_and_result(box):
    """invoke gives {"ok": True, "result": ...} for a successful call."""
    assert box.invoke("calculate", {"expression": "1 + 2 * 3"}) == {"ok": True, "result": 7}


def test_invoke_accepts_json_text_arguments(box):
    """An LLM's arguments arrive as JSON text; invoke parses them."""
    assert box.ok("calculate", '{"expression": "2 ** 5"}') == 32
    error = box.error("calculate", "{not json")
    assert error["type"] == "invalid_arguments"
    assert "not valid JSON" in error["message"]
    assert box.error("calculate", "[1, 2]")["type"] == "invalid_arguments"


def test_unknown_tool_is_a_structured_error_with_a_hint(box):
    """A misspelt name fails with unknown_tool and suggests the closest name."""
    error = box.error("calculat", {"expression": "1"})
    assert error["type"] == "unknown_tool"
    assert "did you mean 'calculate'" in error["message"]


def test_specs_are_openai_function_tools(box):
    """specs gives OpenAI-style function specs, for the named tools or all of them."""
    box.tools.register("add", "Add two numbers.", ADD_SCHEMA, _add)
    specs = box.tools.specs(["add", "calculate"])
    assert specs[0] == {
        "type": "function",
        "function": {"name": "add", "description": "Add two numbers.", "parameters": ADD_SCHEMA},
    }
    assert specs[1]["function"]["name"] == "calculate"
    assert len(box.tools.specs()) == len(box.tools.names())
    with pytest.raises(ApiError, match="unknown tool 'nope'"):
        box.tools.specs(["nope"])


def test_specs_are_copies(box):
    """Changing a spec does not change the tool."""
    spec = box.tools.specs(["calculate"])[0]
    spec["function"]["parameters"]["properties"].clear()
    assert box.tools.describe("calculate")["parameters"]["properties"]


def test_register_checks_name_schema_and_duplicates(box):
    """A bad name, a schema that is not a JSON Schema object, or a taken name is refused."""
    tools = box.tools
    with pytest.raises(ApiError, match="bad tool name"):
        tools.register("has space", "x", ADD_SCHEMA, _add)
    with pytest.raises(ApiError, match="type object"):
        tools.register("arr", "x", {"type": "array"}, _add)
    with pytest.raises(ApiError, match="not a valid JSON Schema"):
        tools.register("bad", "x", {"type": "object", "properties": {"a": {"type": 5}}}, _add)
    with pytest.raises(ApiError, match="a builtin tool"):
        tools.register("calculate", "x", ADD_SCHEMA, _add)
    tools.register("add", "Add.", ADD_SCHEMA, _add)
    with pytest.raises(ApiError, match="already registered"):
        tools.register("add", "Add.", ADD_SCHEMA, _add)


def test_register_fixes_empty_tables_from_engines(box):
    """An engine's `{}` for an empty array (required = {}) is read as []."""
    box.tools.register("noop", "Nothing.", {"type": "object", "required": {}}, lambda a: "done")
    assert box.tools.describe("noop")["parameters"]["required"] == []
    assert box.ok("noop", {}) == "done"


def test_empty_table_argument_becomes_an_empty_array(box):
    """An argument the schema wants as an array may arrive as {} from an engine."""
    box.tools.register(
        "count",
        "Count items.",
        {"type": "object", "properties": {"items": {"type": "array"}}},
        lambda a: len(a["items"]),
    )
    assert box.ok("count", {"items": {}}) == 0


def test_arguments_are_validated_before_the_call(box):
    """A call with bad arguments fails with invalid_arguments and never runs the tool."""
    calls = []
    box.tools.register("add", "Add.", ADD_SCHEMA, lambda a: calls.append(a) or 0)
    error = box.error("add", {"a": "one", "b": 2})
    assert error == {
        "type": "invalid_arguments",
        "message": "arguments.a: 'one' is not of type 'number'",
    }
    assert "'b' is a required property" in box.error("add", {"a": 1})["message"]
    assert calls == []


def test_builtin_arguments_are_validated_too(box):
    """Builtins declare additionalProperties false: an unknown argument is refused."""
    error = box.error("calculate", {"expression": "1", "precision": 3})
    assert error["type"] == "invalid_arguments"
    assert "precision" in error["message"]


def test_results_must_be_json(box):
    """A result JSON cannot hold is an invalid_result error saying where it is."""
    box.tools.register("fn", "Gives a function.", {"type": "object"}, lambda a: {"x": [1, print]})
    box.tools.register("nan", "Gives NaN.", {"type": "object"}, lambda a: float("nan"))
    error = box.error("fn", {})
    assert error["type"] == "invalid_result"
    assert "result.x[1] is a function" in error["message"]
    assert "not a finite number" in box.error("nan", {})["message"]


def test_results_become_plain_json(box):
    """Tuples become arrays and number keys become strings, as JSON has them."""
    box.tools.register("t", "Tuple.", {"type": "object"}, lambda a: {"pair": (1, 2), "m": {1: "x"}})
    assert box.ok("t", {}) == {"pair": [1, 2], "m": {"1": "x"}}


def test_tool_failures_are_structured_errors(box):
    """An exception in the tool comes back as tool_error or permission_denied, never raised."""

    def fail(args: dict[str, Any]) -> None:
        raise RuntimeError("disk on fire")

    def deny(args: dict[str, Any]) -> None:
        raise PermissionDenied("not yours")

    box.tools.register("fail", "Fails.", {"type": "object"}, fail)
    box.tools.register("deny", "Denies.", {"type": "object"}, deny)
    assert box.error("fail", {}) == {"type": "tool_error", "message": "RuntimeError: disk on fire"}
    assert box.error("deny", {}) == {"type": "permission_denied", "message": "not yours"}


def test_limits_are_not_tool_failures(box):
    """A limit or cancellation inside a tool ends the run: it propagates."""

    def limit(args: dict[str, Any]) -> None:
        raise LimitExceeded("timeout", "time limit exceeded")

    box.tools.register("limit", "Hits a limit.", {"type": "object"}, limit)
    with pytest.raises(LimitExceeded):
        box.invoke("limit", {})
    box.ctx.cancel("stop")
    with pytest.raises(LimitExceeded):
        box.invoke("calculate", {"expression": "1"})


def test_call_raises_an_api_error_naming_the_tool(box):
    """The spell-facing call returns the result or raises an error naming the tool."""
    assert box.tools.call("calculate", {"expression": "6 * 7"}) == 42
    with pytest.raises(ApiError, match="tool 'calculate' failed: division by zero"):
        box.tools.call("calculate", {"expression": "1 / 0"})
    with pytest.raises(PermissionDenied, match="tool 'file_read' failed"):
        box.tools.call("file_read", {"path": "/etc/hostname"})


def test_list_and_describe(box):
    """list gives name, description, group, parameters; filtered by group; describe one."""
    box.tools.register("add", "Add.", ADD_SCHEMA, _add)
    everything = box.tools.list()
    assert {"name", "description", "group", "parameters", "builtin"} <= set(everything[0])
    assert [t["name"] for t in box.tools.list("spell")] == ["add"]
    assert {t["group"] for t in box.tools.list("math")} == {"math"}
    assert box.tools.describe("add") == {
        "name": "add",
        "description": "Add.",
        "group": "spell",
        "parameters": ADD_SCHEMA,
        "builtin": False,
    }
    with pytest.raises(ApiError, match="unknown tool group 'maths'"):
        box.tools.list("maths")
    with pytest.raises(ApiError, match="unknown tool"):
        box.tools.describe("nope")


# -- hooks -----------------------------------------------------------------------------------


def test_before_hook_changes_arguments(box):
    """before_tool_call gets {tool, arguments}; a returned payload replaces the arguments."""
    seen = []

    def double(payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(payload)
        expression = payload["arguments"]["expression"]
        return {**payload, "arguments": {"expression": f"({expression}) * 2"}}

    box.services.hooks.register("before_tool_call", double)
    assert box.ok("calculate", {"expression": "1 + 1"}) == 4
    assert seen == [{"tool": "calculate", "arguments": {"expression": "1 + 1"}}]
    end = box.spans()[-1]
    assert json.loads(end["attributes"]["gen_ai.tool.call.arguments"]) == {
        "expression": "(1 + 1) * 2"
    }


def test_changed_arguments_are_validated(box):
    """Arguments a hook changed are checked against the schema like any others."""
    box.services.hooks.register("before_tool_call", lambda p: {**p, "arguments": {"x": 1}})
    assert box.error("calculate", {"expression": "1"})["type"] == "invalid_arguments"


def test_before_hook_cancels(box):
    """A hook that cancels gives the structured error 'cancelled by hook: reason'."""
    box.services.hooks.register(
        "before_tool_call",
        lambda p: (
            {"cancel": True, "reason": "no maths today"} if p["tool"] == "calculate" else None
        ),
    )
    assert box.error("calculate", {"expression": "1"}) == {
        "type": "cancelled",
        "message": "cancelled by hook: no maths today",
    }
    assert box.ok("datetime_diff", {"start": 0, "end": 60})["minutes"] == 1


def test_after_hook_changes_the_result(box):
    """after_tool_call gets {tool, arguments, result}; a returned payload replaces the result."""
    seen = []

    def redact(payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(payload)
        return {**payload, "result": {"redacted": True}}

    box.services.hooks.register("after_tool_call", redact)
    assert box.ok("calculate", {"expression": "2 + 2"}) == {"redacted": True}
    assert seen == [{"tool": "calculate", "arguments": {"expression": "2 + 2"}, "result": 4}]
    end = box.spans()[-1]
    assert end["attributes"]["gen_ai.tool.call.result"] == '{"redacted": true}'


def test_a_failing_hook_raises(box):
    """A hook's own error is not a tool failure: it reaches the caller (hooks never swallow)."""

    def broken(payload: Any) -> None:
        raise ValueError("hook bug")

    box.services.hooks.register("before_tool_call", broken)
    with pytest.raises(ApiError, match="hook bug"):
        box.invoke("calculate", {"expression": "1"})
    assert box.spans()[-1]["status"] == "error"


# -- spans -----------------------------------------------------------------------------------


def test_every_call_is_an_execute_tool_span(box):
    """The span is named `execute_tool {name}` with the GenAI attributes."""
    box.ok("calculate", {"expression": "3 * 3"})
    start, end = box.spans("span.start")[-1], box.spans()[-1]
    assert start["name"] == end["name"] == "execute_tool calculate"
    attributes = end["attributes"]
    assert attributes["gen_ai.operation.name"] == "execute_tool"
    assert attributes["gen_ai.tool.name"] == "calculate"
    assert json.loads(attributes["gen_ai.tool.call.arguments"]) == {"expression": "3 * 3"}
    assert attributes["gen_ai.tool.call.result"] == "9"
    assert end["status"] == "ok"


def test_a_failed_call_ends_its_span_with_error(box):
    """A failure ends the span with status error, the message and error.type."""
    box.invoke("calculate", {"expression": "1 / 0"})
    end = box.spans()[-1]
    assert end["name"] == "execute_tool calculate"
    assert end["status"] == "error"
    assert end["error"] == "division by zero"
    assert end["attributes"]["error.type"] == "tool_error"


def test_long_results_are_truncated_in_the_span(box):
    """The result attribute keeps a few KB of JSON text, the result itself is whole."""
    box.tools.register("big", "Big.", {"type": "object"}, lambda a: "x" * 50_000)
    assert len(box.ok("big", {})) == 50_000
    text = box.spans()[-1]["attributes"]["gen_ai.tool.call.result"]
    assert 4000 < len(text) < 4200
    assert text.endswith("more characters)")


def test_nested_calls_nest_spans(box):
    """A tool that calls another tool holds the inner span beneath its own."""
    box.tools.register(
        "outer",
        "Outer.",
        {"type": "object"},
        lambda a: box.tools.call("calculate", {"expression": "1"}),
    )
    box.ok("outer", {})
    starts = {s["name"]: s for s in box.spans("span.start")}
    assert starts["execute_tool calculate"]["parent"] == starts["execute_tool outer"]["id"]


def test_spans_nest_under_the_current_span(box):
    """A tool call inside a spell's span is its child."""
    with box.services.trace.span("agent step") as parent:
        box.ok("calculate", {"expression": "1"})
    assert box.spans("span.start")[-1]["parent"] == parent


# -- debugger and replay ---------------------------------------------------------------------


def test_semantic_stop_is_called_before_the_tool_runs(box):
    """When the context has semantic_stop (the debugger), it is called before each tool."""
    events: list[Any] = []
    box.ctx.semantic_stop = lambda *args: events.append(("stop", *args))  # type: ignore[attr-defined]
    box.tools.register("rec", "Records.", {"type": "object"}, lambda a: events.append("ran") or 1)
    box.ok("rec", {"x": 1})
    # The hooks service may stop at its own points ("hook"); the tool's stop is kind "tool".
    events = [e for e in events if e == "ran" or e[1] == "tool"]
    assert events == [
        ("stop", "tool", "rec", "before tool rec", {"tool": "rec", "arguments": {"x": 1}}),
        "ran",
    ]


def test_outside_world_values_pass_the_replay_boundary(box, monkeypatch):
    """Time, file contents, env reads and system facts go through ctx.nondeterministic."""
    kinds: list[str] = []
    original = box.ctx.nondeterministic

    def spy(kind: str, produce: Any, *args: Any, **kwargs: Any) -> Any:
        kinds.append(kind)
        return original(kind, produce, *args, **kwargs)

    monkeypatch.setattr(box.ctx, "nondeterministic", spy)
    (box.dir / "data" / "a.txt").write_text("hi")
    box.ok("datetime_now", {})
    box.ok("file_read", {"path": "data/a.txt"})
    box.ok("file_list", {"path": "data"})
    box.ok("system_info", {})
    assert kinds == ["time", "file.read", "file.list", "system"]


def test_replayed_values_are_used(box, monkeypatch):
    """What the boundary gives back is what the tool returns (a replay serves recordings)."""
    monkeypatch.setattr(box.ctx, "nondeterministic", lambda kind, produce, *a, **k: 0.0)
    assert box.ok("datetime_now", {})["iso"] == "1970-01-01T00:00:00+00:00"


def test_a_service_alone_has_its_own_trace_and_hooks(ctx):
    """ToolsService works without the Services container (agents' unit tests)."""
    service = ToolsService(ctx)
    assert service.invoke("calculate", {"expression": "2+2"}) == {"ok": True, "result": 4}


def test_a_replayed_run_gives_the_same_results_without_touching_the_world(make_box, server):
    """Recorded tool values are served back in a replay: no file written, no request sent,
    the same results; a changed request is a replay divergence."""
    from engines.replay import Recording, ReplayDivergence

    server.routes["/v"] = (200, {"Content-Type": "application/json"}, b'{"v": 1}')
    calls = [
        ("file_write", {"path": "data/out.txt", "content": "hello"}),
        ("file_read", {"path": "data/out.txt"}),
        ("http_request", {"url": server.url("/v")}),
        ("datetime_now", {}),
        ("file_delete", {"path": "data/out.txt"}),
        ("file_read", {"path": "data/out.txt"}),
    ]
    live = make_box(hosts=("127.0.0.1",))
    first = [live.invoke(name, args) for name, args in calls]
    assert first[-1]["ok"] is False  # the file was deleted
    recorded = [r.data for r in live.sink.of_kind("recorded")]

    replay = make_box(hosts=("127.0.0.1",))
    replay.ctx.replay = Recording(recorded)
    server.seen.clear()
    (replay.dir / "data" / "out.txt").write_text("untouched")
    assert [replay.invoke(name, args) for name, args in calls] == first
    assert server.seen == []
    assert (replay.dir / "data" / "out.txt").read_text() == "untouched"

    diverging = make_box()
    diverging.ctx.replay = Recording(recorded)
    with pytest.raises(ReplayDivergence):
        diverging.invoke("file_write", {"path": "data/other.txt", "content": "x"})
