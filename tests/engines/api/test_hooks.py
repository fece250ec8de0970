"""The hooks service: priorities, payload changes, cancellation, points, errors and records."""

from __future__ import annotations

from typing import Any

import pytest

from engines.api.hooks import HOOK_POINTS, HookError, HooksService
from engines.api.services import Services
from engines.errors import ApiError, LimitExceeded
from engines.telemetry import ListSink


@pytest.fixture
def hooks(services: Services) -> HooksService:
    return services.hooks


def test_higher_priority_runs_first_ties_by_registration(hooks: HooksService) -> None:
    """Hooks run by descending priority; equal priorities in registration order."""
    order: list[str] = []

    def hook(name: str) -> Any:
        return lambda payload: order.append(name)

    hooks.register("before_generate", hook("p1-first"), 1)
    hooks.register("before_generate", hook("p10"), 10)
    hooks.register("before_generate", hook("default"))
    hooks.register("before_generate", hook("p1-second"), 1)
    hooks.register("before_generate", hook("neg"), -5)
    hooks.register("after_generate", hook("other point"), 100)
    hooks.fire("before_generate", {})
    assert order == ["p10", "p1-first", "p1-second", "default", "neg"]


def test_hook_can_change_the_payload(hooks: HooksService) -> None:
    """A returned value replaces the payload for later hooks and for the caller."""
    seen: list[Any] = []
    hooks.register("before_tool_call", lambda p: {**p, "n": p["n"] + 1}, 2)
    hooks.register("before_tool_call", lambda p: seen.append(p))  # nil: no change
    hooks.register("before_tool_call", lambda p: {**p, "n": p["n"] * 10}, -1)
    result = hooks.fire("before_tool_call", {"n": 1})
    assert seen == [{"n": 2}]
    assert result == {"payload": {"n": 20}, "cancelled": False, "reason": None}


def test_fire_without_hooks_returns_payload(hooks: HooksService) -> None:
    """Firing a point without hooks gives the payload back unchanged."""
    assert hooks.fire("run_start", {"a": 1}) == {
        "payload": {"a": 1},
        "cancelled": False,
        "reason": None,
    }


def test_cancel_with_false_stops_later_hooks(hooks: HooksService) -> None:
    """Returning false cancels: later hooks do not run and there is no reason."""
    ran: list[str] = []
    hooks.register("before_generate", lambda p: False, 5)
    hooks.register("before_generate", lambda p: ran.append("late"))
    result = hooks.fire("before_generate", {"x": 1})
    assert result == {"payload": {"x": 1}, "cancelled": True, "reason": None}
    assert ran == []


def test_cancel_with_table_and_reason(hooks: HooksService) -> None:
    """Returning {cancel = true, reason = ...} cancels with that reason."""
    ran: list[str] = []
    hooks.register("before_tool_call", lambda p: {"cancel": True, "reason": "not allowed"}, 1)
    hooks.register("before_tool_call", lambda p: ran.append("late"))
    result = hooks.run("before_tool_call", {"tool": "rm"})
    assert result.cancelled is True
    assert result.reason == "not allowed"
    assert result.payload == {"tool": "rm"}
    assert ran == []


def test_unknown_point_rejected_with_suggestion(hooks: HooksService) -> None:
    """An unknown point is an error that suggests the closest known point."""
    with pytest.raises(ApiError, match="did you mean 'before_generate'"):
        hooks.register("befor_generate", lambda p: None)
    with pytest.raises(ApiError, match="unknown hook point 'zzz'"):
        hooks.fire("zzz")
    with pytest.raises(ApiError, match="custom"):
        hooks.register("custom.", lambda p: None)


def test_custom_points(hooks: HooksService) -> None:
    """Spell-defined points start with custom. and work like built-in ones."""
    hooks.register("custom.my_point", lambda p: {"changed": True})
    assert hooks.fire("custom.my_point", {})["payload"] == {"changed": True}
    assert "custom.my_point" not in hooks.points()


def test_points_lists_the_builtin_points(hooks: HooksService) -> None:
    """points() returns the known points, and changing the result does not change them."""
    points = hooks.points()
    assert points == list(HOOK_POINTS)
    assert {"run_start", "before_generate", "after_tool_call"} <= set(points)
    points.clear()
    assert hooks.points() == list(HOOK_POINTS)


def test_unregister(hooks: HooksService) -> None:
    """unregister removes a hook and reports whether it existed."""
    hid = hooks.register("run_stop", lambda p: False)
    assert hooks.has_hooks("run_stop")
    assert hooks.unregister(hid) is True
    assert hooks.unregister(hid) is False
    assert not hooks.has_hooks("run_stop")
    assert hooks.fire("run_stop", {})["cancelled"] is False


def test_hook_error_raises_hook_error_and_is_recorded(hooks: HooksService, sink: ListSink) -> None:
    """A failing hook raises HookError (cause kept) and emits a `hook` record with the error."""
    ran: list[str] = []
    hid = hooks.register("after_generate", lambda p: 1 / 0, 3)
    hooks.register("after_generate", lambda p: ran.append("late"))
    with pytest.raises(HookError) as err:
        hooks.fire("after_generate", {})
    assert isinstance(err.value, ApiError)
    assert err.value.point == "after_generate"
    assert err.value.hook == hid
    assert isinstance(err.value.__cause__, ZeroDivisionError)
    assert "division by zero" in str(err.value)
    assert ran == []
    rec = sink.of_kind("hook")[-1]
    assert rec.data["point"] == "after_generate"
    assert rec.data["hook"] == hid
    assert "division by zero" in rec.data["error"]


def test_limit_in_a_hook_is_not_turned_into_an_api_error(
    hooks: HooksService, sink: ListSink
) -> None:
    """A run limit hit inside a hook stays a LimitExceeded (not a catchable HookError)."""

    def slow(payload: Any) -> None:
        raise LimitExceeded("timeout", "time limit exceeded")

    hooks.register("run_start", slow)
    with pytest.raises(LimitExceeded):
        hooks.fire("run_start", {})
    assert sink.of_kind("hook")[-1].data["error"] == "time limit exceeded"


def test_hook_records(hooks: HooksService, sink: ListSink) -> None:
    """Each hook that runs emits a `hook` record saying whether it changed or cancelled."""
    a = hooks.register("before_workflow_step", lambda p: None, 2)
    b = hooks.register("before_workflow_step", lambda p: {"x": 2}, 1)
    c = hooks.register("before_workflow_step", lambda p: {"cancel": True, "reason": 42})
    hooks.fire("before_workflow_step", {"x": 1})
    recs = [r.data for r in sink.of_kind("hook")]
    assert [(r["hook"], r["priority"], r["changed"], r["cancelled"]) for r in recs] == [
        (a, 2, False, False),
        (b, 1, True, False),
        (c, 0, False, True),
    ]
    assert recs[-1]["reason"] == "42"
