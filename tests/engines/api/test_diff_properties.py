"""diff_values and state round trips, checked on generated JSON values with hypothesis."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engines.api.context import RunContext, SpellInfo
from engines.api.diff import diff_values
from engines.api.services import Services
from engines.telemetry import ListSink, Telemetry

# Keys a dotted path can reach: no dots, not empty.
KEYS = st.text(alphabet="abcxyz_-09é", min_size=1, max_size=4)
SCALARS = (
    st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
)
# Values state can store: no nil (nil means "absent"), arrays may hold nil.
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner | st.none(), max_size=4) | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=12,
)
TABLES = st.dictionaries(KEYS, VALUES, max_size=5)
PATHS = st.lists(KEYS, min_size=1, max_size=4).map(".".join)


def canon(value: Any) -> str:
    """Exact JSON text: tells true from 1 and 1.0 from 1."""
    return json.dumps(value, sort_keys=True)


def apply_diff(value: Any, changes: list[dict[str, Any]]) -> Any:
    """Apply diff_values' changes (paths relative to the root) to a copy of `value`."""
    root = {"": copy.deepcopy(value)}
    for change in changes:
        parts = [""] + ([p for p in change["path"].split(".")] if change["path"] else [])
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if change["op"] == "removed":
            assert parts[-1] in node
            del node[parts[-1]]
        else:
            if change["op"] == "added":
                assert parts[-1] not in node
            node[parts[-1]] = copy.deepcopy(change["new"])
    return root.get("")


def _services() -> Services:
    ctx = RunContext(
        spell=SpellInfo("prop", "0", __import__("pathlib").Path("."), "lua"),
        telemetry=Telemetry("prop-run", [ListSink()]),
    )
    return Services(ctx)


@settings(max_examples=200, deadline=None)
@given(TABLES, TABLES)
def test_applying_the_diff_gives_the_new_value(old: dict[str, Any], new: dict[str, Any]) -> None:
    """diff_values(old, new) applied to old gives exactly new."""
    changes = diff_values(old, new)
    assert canon(apply_diff(old, changes)) == canon(new)


@settings(max_examples=200, deadline=None)
@given(TABLES)
def test_diff_of_equal_values_is_empty(value: dict[str, Any]) -> None:
    """A value compared with (a copy of) itself has no changes."""
    assert diff_values(value, copy.deepcopy(value)) == []


@settings(max_examples=100, deadline=None)
@given(VALUES, VALUES)
def test_diff_reports_every_non_identical_leaf(old: Any, new: Any) -> None:
    """The diff is empty exactly when the two values are the same JSON."""
    assert (diff_values(old, new, "p") == []) == (canon(old) == canon(new))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(PATHS, VALUES), min_size=1, max_size=6))
def test_state_set_get_round_trip(writes: list[tuple[str, Any]]) -> None:
    """After set(path, value), get(path) is that value, in memory and after reloading."""
    services = _services()
    try:
        state = services.state
        for path, value in writes:
            try:
                state.set(path, value)
            except Exception as exc:  # a path through a scalar written earlier
                assert "cannot set" in str(exc)
                continue
            assert canon(state.get(path)) == canon(value)
        current = state.get("")
        fresh = Services(services.ctx, store=services.store)
        assert canon(fresh.state.get("")) == canon(current)
    finally:
        services.close()


@settings(max_examples=100, deadline=None)
@given(TABLES, TABLES)
def test_snapshot_diff_matches_diff_values(first: dict[str, Any], second: dict[str, Any]) -> None:
    """state.diff between snapshots equals diff_values of the two trees."""
    services = _services()
    try:
        state = services.state
        state.set("", first)
        one = state.snapshot()
        state.set("", second)
        assert state.diff(one) == diff_values(first, second)
        state.restore(one)
        assert canon(state.get("")) == canon(first)
    finally:
        services.close()


def test_diff_compares_lists_as_whole_values() -> None:
    """Lists are compared whole, and [1] vs [true] counts as a change."""
    assert diff_values({"l": [1, 2]}, {"l": [1, 3]}) == [
        {"path": "l", "op": "changed", "old": [1, 2], "new": [1, 3]}
    ]
    assert diff_values([1], [True], "x") == [
        {"path": "x", "op": "changed", "old": [1], "new": [True]}
    ]
    assert diff_values({"a": {"b": 1}}, {"a": {"b": True}}) == [
        {"path": "a.b", "op": "changed", "old": 1, "new": True}
    ]


def test_diff_table_to_scalar_is_one_change() -> None:
    """A table replaced by a scalar is one change at its path, not one per leaf."""
    assert diff_values({"a": {"b": 1}}, {"a": 5}) == [
        {"path": "a", "op": "changed", "old": {"b": 1}, "new": 5}
    ]


def test_diff_with_nil_means_absent() -> None:
    """nil on either side means the value is absent: added or removed."""
    assert diff_values(None, 3, "k") == [{"path": "k", "op": "added", "old": None, "new": 3}]
    assert diff_values(3, None, "k") == [{"path": "k", "op": "removed", "old": 3, "new": None}]
    assert diff_values(None, None, "k") == []
