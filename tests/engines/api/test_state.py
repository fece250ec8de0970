"""The state service: nested paths, scopes, snapshots, history, diffs and `state` records."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engines.api.context import RunContext
from engines.api.services import Services
from engines.api.state import StateService
from engines.errors import ApiError
from engines.telemetry import ListSink

MakeCtx = Callable[..., RunContext]


@pytest.fixture
def state(services: Services) -> StateService:
    return services.state


def test_get_missing_returns_default(state: StateService) -> None:
    """An unset path gives the default (nil when none is given)."""
    assert state.get("nope") is None
    assert state.get("a.b.c", 42) == 42


def test_set_and_get_nested_paths(state: StateService) -> None:
    """Setting a.b.c creates the intermediate tables; parents read back as tables."""
    state.set("a.b.c", 1)
    state.set("a.b.d", "x")
    assert state.get("a.b.c") == 1
    assert state.get("a.b") == {"c": 1, "d": "x"}
    assert state.get("a") == {"b": {"c": 1, "d": "x"}}
    assert state.get("") == {"a": {"b": {"c": 1, "d": "x"}}}


def test_get_below_a_non_table_returns_default(state: StateService) -> None:
    """Reading through a scalar yields the default rather than an error."""
    state.set("a", 5)
    assert state.get("a.b", "dflt") == "dflt"


@pytest.mark.parametrize("path", [".a", "a.", "a..b", "."])
def test_bad_paths_rejected(state: StateService, path: str) -> None:
    """Paths with empty segments are rejected by get, set, delete and history."""
    with pytest.raises(ApiError, match="bad path"):
        state.get(path)
    with pytest.raises(ApiError, match="bad path"):
        state.set(path, 1)
    with pytest.raises(ApiError, match="bad path"):
        state.delete(path)
    with pytest.raises(ApiError, match="bad path"):
        state.history(path)


def test_setting_through_a_non_table_rejected(state: StateService, sink: ListSink) -> None:
    """a.b cannot be set while a holds a number; nothing changes and no record is emitted."""
    state.set("a", 5)
    before = len(sink.records)
    with pytest.raises(ApiError, match=r"cannot set 'a\.b\.c': 'a' holds a number"):
        state.set("a.b.c", 1)
    assert state.get("a") == 5
    assert len(sink.records) == before


@pytest.mark.parametrize(
    "value",
    [object(), {1, 2}, {"a": [1, object()]}, {(1, 2): 1}, b"bytes", math.nan, math.inf],
    ids=["object", "set", "nested-object", "tuple-key", "bytes", "nan", "inf"],
)
def test_non_json_values_rejected(state: StateService, value: Any) -> None:
    """Values that cannot be JSON are rejected, and the state is unchanged."""
    with pytest.raises(ApiError):
        state.set("a", value)
    assert state.get("a") is None


def test_cyclic_value_rejected(state: StateService) -> None:
    """A table that contains itself is an ApiError, not a RecursionError."""
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    with pytest.raises(ApiError, match="nested too deeply"):
        state.set("c", cyclic)


def test_integer_keys_become_strings(state: StateService) -> None:
    """Tables with integer keys are stored with string keys, as after a JSON round trip."""
    state.set("t", {1: "one", "x": {2: "two"}})
    assert state.get("t") == {"1": "one", "x": {"2": "two"}}
    assert state.get("t.x.2") == "two"


def test_nil_set_deletes(state: StateService, sink: ListSink) -> None:
    """Setting nil removes the value and records a delete."""
    state.set("a.b", 1)
    state.set("a.b", None)
    assert state.get("a.b", "gone") == "gone"
    assert state.keys("a") == []
    assert sink.of_kind("state")[-1].data["op"] == "delete"


def test_nil_members_of_tables_are_not_stored(state: StateService) -> None:
    """State never stores nil: a table member that is nil is left out, so defaults apply."""
    state.set("a", {"b": None, "c": 1, "l": [1, None]})
    assert state.get("a") == {"c": 1, "l": [1, None]}
    assert state.get("a.b", "dflt") == "dflt"


def test_delete_reports_whether_it_existed(state: StateService) -> None:
    """delete returns true when something was removed, false otherwise."""
    state.set("a.b", 1)
    assert state.delete("a.b") is True
    assert state.delete("a.b") is False
    assert state.delete("x.y.z") is False
    assert state.get("a") == {}


def test_keys_sorted_at_path_and_root(state: StateService) -> None:
    """keys lists a table's keys sorted; the root when no path; [] for scalars and gaps."""
    state.set("cfg.zeta", 1)
    state.set("cfg.alpha", 2)
    state.set("other", 3)
    assert state.keys("cfg") == ["alpha", "zeta"]
    assert state.keys() == ["cfg", "other"]
    assert state.keys("other") == []
    assert state.keys("missing") == []


def test_update_with_function(state: StateService) -> None:
    """update(path, fn) stores fn(old) and returns it; fn sees nil when unset."""
    seen: list[Any] = []

    def inc(old: Any) -> Any:
        seen.append(old)
        return (old or 0) + 1

    assert state.update("n", inc) == 1
    assert state.update("n", inc) == 2
    assert seen == [None, 1]
    assert state.get("n") == 2


def test_update_function_gets_a_copy(state: StateService) -> None:
    """The function's old value is a copy: mutating it and then failing leaves state alone."""
    state.set("t", {"a": 1})

    def bad(old: dict[str, Any]) -> Any:
        old["a"] = 99
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        state.update("t", bad)
    assert state.get("t") == {"a": 1}


def test_update_function_returning_nil_deletes(state: StateService) -> None:
    """An update function that returns nil deletes the value."""
    state.set("t", 1)
    assert state.update("t", lambda old: None) is None
    assert state.get("t", "gone") == "gone"


def test_update_merges_a_table(state: StateService) -> None:
    """update(path, table) merges the table's keys into the old table (shallowly)."""
    state.set("u", {"name": "ann", "age": 30, "tags": {"a": 1}})
    new = state.update("u", {"age": 31, "tags": {"b": 2}})
    assert new == {"name": "ann", "age": 31, "tags": {"b": 2}}
    assert state.get("u") == new
    assert state.update("fresh", {"x": 1}) == {"x": 1}


def test_update_merge_with_nil_member_removes_it(state: StateService) -> None:
    """A member given as nil in a merge table removes that key."""
    state.set("u", {"a": 1, "b": 2})
    assert state.update("u", {"a": None, "c": 3}) == {"b": 2, "c": 3}


def test_update_returned_value_is_a_copy(state: StateService) -> None:
    """Changing the table update returned does not change the state."""
    new = state.update("u", {"a": {"b": 1}})
    new["a"]["b"] = 2
    assert state.get("u.a.b") == 1


def test_empty_table_is_stored_and_recorded(state: StateService, sink: ListSink) -> None:
    """An empty table is a value: stored, listed by keys and shown in the diff."""
    state.set("e", {})
    assert state.get("e") == {}
    assert state.keys() == ["e"]
    assert sink.of_kind("state")[-1].data["diff"] == [
        {"path": "e", "op": "added", "old": None, "new": {}}
    ]


def test_update_returns_the_stored_value(state: StateService) -> None:
    """The returned value is what was stored (integer keys as strings)."""
    assert state.update("m", {1: "a"}) == {"1": "a"}


def test_update_merge_into_non_table_rejected(state: StateService) -> None:
    """Merging a table into a scalar is an error."""
    state.set("s", "text")
    with pytest.raises(ApiError, match="cannot merge a table into 's'"):
        state.update("s", {"a": 1})
    assert state.get("s") == "text"


def test_update_with_other_change_rejected(state: StateService) -> None:
    """A change that is neither a function nor a table is rejected."""
    with pytest.raises(ApiError, match="function or a table"):
        state.update("s", 5)


def test_update_non_json_result_rejected(state: StateService) -> None:
    """A function returning a non-JSON value is rejected."""
    with pytest.raises(ApiError):
        state.update("s", lambda old: object())
    assert state.get("s") is None


def test_get_returns_a_copy(state: StateService) -> None:
    """Mutating a value read from state does not change the state."""
    state.set("t", {"a": {"b": 1}, "l": [1]})
    got = state.get("t")
    got["a"]["b"] = 2
    got["l"].append(2)
    assert state.get("t") == {"a": {"b": 1}, "l": [1]}


def test_set_copies_the_value(state: StateService) -> None:
    """Mutating the caller's table after set does not change the state."""
    value = {"a": [1]}
    state.set("t", value)
    value["a"].append(2)
    assert state.get("t") == {"a": [1]}


def test_unknown_scope_rejected(state: StateService) -> None:
    """A scope other than run, spell or global is an error."""
    with pytest.raises(ApiError, match="unknown scope 'team'"):
        state.set("a", 1, "team")
    with pytest.raises(ApiError, match="unknown scope"):
        state.get("a", None, "")


def test_scopes_are_isolated(state: StateService) -> None:
    """The same path holds different values in run, spell and global scope."""
    state.set("k", "run")
    state.set("k", "spell", "spell")
    state.set("k", "global", "global")
    assert state.get("k") == "run"
    assert state.get("k", None, "run") == "run"
    assert state.get("k", None, "spell") == "spell"
    assert state.get("k", None, "global") == "global"
    state.delete("k", "spell")
    assert state.get("k", None, "spell") is None
    assert state.get("k") == "run"
    assert state.get("k", None, "global") == "global"


def test_concurrent_changes_from_threads(
    make_ctx: MakeCtx, make_services: Callable[[RunContext], Services], tmp_path: Path
) -> None:
    """Changes from several threads all land, in memory and on disk, with one history row each."""
    db = tmp_path / "state.sqlite3"
    services = make_services(make_ctx(run_id="r1", state_db=db))
    state = services.state

    def work(n: int) -> None:
        for i in range(50):
            state.set(f"t{n}.k{i}", i, "spell")
            state.get("", None, "spell")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = {f"t{n}": {f"k{i}": i for i in range(50)} for n in range(4)}
    assert state.get("", None, "spell") == expected
    assert len(state.history(None, None, "spell")) == 200
    again = make_services(make_ctx(run_id="r2", state_db=db))
    assert again.state.get("", None, "spell") == expected


def test_checked_callers_reach_state(api: dict[str, Callable[..., Any]]) -> None:
    """Through the binding: a snapshot id given as a whole float restores; keys come sorted."""
    api["state.set"]("b", 1)
    api["state.set"]("a", 2)
    snap = api["state.snapshot"]("s")
    api["state.set"]("a", None)
    api["state.restore"](float(snap))
    assert api["state.keys"]() == ["a", "b"]
    assert [h["op"] for h in api["state.history"]("a", 1.0)] == ["restore"]


# -- records ------------------------------------------------------------------------------


def test_set_emits_state_record_with_leaf_diff(state: StateService, sink: ListSink) -> None:
    """Each change emits a `state` record with scope, op, path, old, new and a leaf-level diff."""
    state.set("user", {"name": "ann", "age": 30})
    first = sink.of_kind("state")[-1].data
    assert first["op"] == "set"
    assert first["scope"] == "run"
    assert first["path"] == "user"
    assert first["old"] is None
    assert first["new"] == {"name": "ann", "age": 30}
    # A new table is one addition at its path (an empty table must show up too).
    assert first["diff"] == [
        {"path": "user", "op": "added", "old": None, "new": {"name": "ann", "age": 30}}
    ]
    state.update("user", {"age": 31})
    rec = sink.of_kind("state")[-1].data
    assert rec["op"] == "update"
    assert rec["old"] == {"name": "ann", "age": 30}
    assert rec["new"] == {"name": "ann", "age": 31}
    assert rec["diff"] == [{"path": "user.age", "op": "changed", "old": 30, "new": 31}]
    state.delete("user.name", "run")
    rec = sink.of_kind("state")[-1].data
    assert (rec["op"], rec["path"], rec["old"], rec["new"]) == ("delete", "user.name", "ann", None)
    assert rec["diff"] == [{"path": "user.name", "op": "removed", "old": "ann", "new": None}]


def test_records_are_not_changed_by_later_changes(state: StateService, sink: ListSink) -> None:
    """A record's old/new/diff stay as emitted even after the state changes further."""
    state.set("a", {"b": 1})
    rec = sink.of_kind("state")[-1]
    state.set("a.c", 2)
    state.update("a", {"b": 5})
    assert rec.data["new"] == {"b": 1}
    assert rec.data["diff"] == [{"path": "a", "op": "added", "old": None, "new": {"b": 1}}]


def test_type_change_with_equal_python_value_is_a_change(
    state: StateService, sink: ListSink
) -> None:
    """1 -> true is reported in the diff although 1 == True in Python."""
    state.set("flag", 1)
    state.set("flag", True)
    assert sink.of_kind("state")[-1].data["diff"] == [
        {"path": "flag", "op": "changed", "old": 1, "new": True}
    ]
    assert state.get("flag") is True


def test_setting_the_same_value_has_empty_diff(state: StateService, sink: ListSink) -> None:
    """Setting an equal value is recorded with an empty diff."""
    state.set("a", {"b": 1})
    state.set("a", {"b": 1})
    assert sink.of_kind("state")[-1].data["diff"] == []


def test_records_carry_the_run_id(state: StateService, sink: ListSink, ctx: RunContext) -> None:
    """State records belong to the run that made them."""
    state.set("a", 1)
    assert sink.of_kind("state")[-1].run == ctx.run_id


# -- snapshots, history, diff -------------------------------------------------------------


def test_snapshot_and_restore(state: StateService, sink: ListSink) -> None:
    """restore puts the whole scope back as it was at the snapshot."""
    state.set("a.b", 1)
    state.set("x", [1, 2])
    snap = state.snapshot("before")
    assert isinstance(snap, int)
    assert sink.of_kind("state")[-1].data == {
        "scope": "run",
        "op": "snapshot",
        "path": "",
        "id": snap,
        "label": "before",
    }
    state.set("a.b", 2)
    state.set("new", True)
    state.delete("x")
    state.restore(snap)
    assert state.get("") == {"a": {"b": 1}, "x": [1, 2]}
    rec = sink.of_kind("state")[-1].data
    assert rec["op"] == "restore"
    assert {(d["path"], d["op"]) for d in rec["diff"]} == {
        ("a.b", "changed"),
        ("new", "removed"),
        ("x", "added"),
    }


def test_snapshot_ids_increase(state: StateService) -> None:
    """Later snapshots get larger ids."""
    first = state.snapshot()
    second = state.snapshot("two")
    assert second > first


def test_restore_unknown_snapshot_rejected(state: StateService) -> None:
    """Restoring an id that does not exist is an error."""
    with pytest.raises(ApiError, match="no snapshot 999"):
        state.restore(999)


def test_snapshots_belong_to_their_scope(state: StateService) -> None:
    """A spell-scope snapshot cannot be restored into run scope."""
    state.set("k", 1, "spell")
    snap = state.snapshot(None, "spell")
    with pytest.raises(ApiError, match="no snapshot"):
        state.restore(snap, "run")
    state.set("k", 2, "spell")
    state.restore(snap, "spell")
    assert state.get("k", None, "spell") == 1


def test_diff_between_snapshots_and_to_current(state: StateService) -> None:
    """diff(from, to) compares two snapshots; diff(from) compares with the current state."""
    state.set("a", {"b": 1, "c": 2})
    one = state.snapshot()
    state.set("a.b", 10)
    state.delete("a.c")
    state.set("d", "new")
    two = state.snapshot()
    state.set("e", 5)
    assert state.diff(one, two) == [
        {"path": "a.b", "op": "changed", "old": 1, "new": 10},
        {"path": "a.c", "op": "removed", "old": 2, "new": None},
        {"path": "d", "op": "added", "old": None, "new": "new"},
    ]
    assert state.diff(two) == [{"path": "e", "op": "added", "old": None, "new": 5}]
    assert state.diff(two, two) == []
    with pytest.raises(ApiError, match="no snapshot"):
        state.diff(one, 12345)


def test_history_lists_changes_oldest_first(state: StateService) -> None:
    """history gives {seq, op, path, old, new, ts} for each change, newest last."""
    state.set("a", 1)
    state.update("a", lambda old: old + 1)
    state.delete("a")
    hist = state.history()
    assert [(h["op"], h["path"], h["old"], h["new"]) for h in hist] == [
        ("set", "a", None, 1),
        ("update", "a", 1, 2),
        ("delete", "a", 2, None),
    ]
    seqs = [h["seq"] for h in hist]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert all(isinstance(h["ts"], float) for h in hist)


def test_history_limit_keeps_the_newest(state: StateService) -> None:
    """limit keeps the newest changes, still oldest first; 0 gives none."""
    for i in range(5):
        state.set("n", i)
    assert [h["new"] for h in state.history(None, 2)] == [3, 4]
    assert state.history("n", 0) == []
    with pytest.raises(ApiError):
        state.history(None, -1)


def test_history_filtered_by_path(state: StateService) -> None:
    """A path's history has its own changes, its parents' and its children's, not siblings'."""
    state.set("a.b", 1)  # the path itself
    state.set("a.c", 2)  # sibling
    state.set("a.bc", 3)  # shares a prefix only
    state.set("a", {"b": {"d": 4}})  # parent
    state.set("a.b.d", 5)  # child
    state.set("A.b", 6)  # differs in case
    state.set("axb", 7)  # would match if '.' were a wildcard
    hist = state.history("a.b")
    assert [(h["path"], h["new"]) for h in hist] == [
        ("a.b", 1),
        ("a", {"b": {"d": 4}}),
        ("a.b.d", 5),
    ]


def test_history_path_with_like_wildcards(state: StateService) -> None:
    """Paths containing _ or % are matched literally."""
    state.set("a_b.c", 1)
    state.set("aXb.c", 2)
    state.set("a%.c", 3)
    state.set("abc.c", 4)
    assert [h["new"] for h in state.history("a_b")] == [1]
    assert [h["new"] for h in state.history("a%")] == [3]
    assert [h["path"] for h in state.history("aXb.c.d")] == ["aXb.c"]


def test_history_includes_root_changes(state: StateService) -> None:
    """A restore (a change of the whole scope) shows in every path's history."""
    state.set("a.b", 1)
    snap = state.snapshot()
    state.set("a.b", 2)
    state.restore(snap)
    assert [h["op"] for h in state.history("a.b")] == ["set", "set", "restore"]


def test_history_is_per_scope(state: StateService) -> None:
    """Changes in one scope do not show in another's history."""
    state.set("a", 1)
    state.set("a", 2, "spell")
    assert [h["new"] for h in state.history()] == [1]
    assert [h["new"] for h in state.history(None, None, "spell")] == [2]
    assert state.history(None, None, "global") == []


# -- persistence --------------------------------------------------------------------------


def test_spell_and_global_persist_across_runs_run_scope_does_not(
    make_ctx: MakeCtx, make_services: Callable[[RunContext], Services], tmp_path: Path
) -> None:
    """On one SQLite file, a later run sees spell and global state but not run state."""
    db = tmp_path / "nested" / "state.sqlite3"
    first = make_services(make_ctx(run_id="r1", state_db=db))
    first.state.set("counter", 1, "spell")
    first.state.set("shared.x", "g", "global")
    first.state.set("mine", "r1")
    first.state.update("counter", lambda old: old + 1, "spell")
    first.close()
    assert db.exists()

    second = make_services(make_ctx(run_id="r2", state_db=db))
    assert second.state.get("counter", None, "spell") == 2
    assert second.state.get("shared.x", None, "global") == "g"
    assert second.state.get("mine") is None
    assert second.state.keys() == []
    assert [h["new"] for h in second.state.history("counter", None, "spell")] == [1, 2]
    assert [h["run"] for h in second.state.history("counter", None, "spell")] == ["r1", "r1"]

    other_spell = make_services(make_ctx(run_id="r3", spell="other", state_db=db))
    assert other_spell.state.get("counter", None, "spell") is None
    assert other_spell.state.get("shared.x", None, "global") == "g"


def test_two_live_runs_share_spell_state(
    make_ctx: MakeCtx, make_services: Callable[[RunContext], Services], tmp_path: Path
) -> None:
    """Two runs open at once on one file see each other's spell/global changes; no lost updates."""
    db = tmp_path / "state.sqlite3"
    a = make_services(make_ctx(run_id="ra", state_db=db)).state
    b = make_services(make_ctx(run_id="rb", state_db=db)).state
    a.set("n", 1, "spell")
    assert b.get("n", None, "spell") == 1
    a.set("n", 2, "spell")
    assert b.get("n", None, "spell") == 2
    b.update("n", lambda old: old + 1, "spell")
    assert a.update("n", lambda old: old + 1, "spell") == 4
    a.set("cfg.x", 1, "global")
    b.set("cfg.y", 2, "global")
    assert a.get("cfg", None, "global") == {"x": 1, "y": 2}
    assert b.keys("cfg", "global") == ["x", "y"]
    a.set("mine", 1)
    assert b.get("mine") is None


def test_updates_from_two_live_runs_are_atomic(
    make_ctx: MakeCtx, make_services: Callable[[RunContext], Services], tmp_path: Path
) -> None:
    """Concurrent increments through two connections to one file lose no update."""
    db = tmp_path / "state.sqlite3"
    runs = [make_services(make_ctx(run_id=f"r{i}", state_db=db)).state for i in range(2)]

    def work(state: StateService) -> None:
        for _ in range(40):
            state.update("hits", lambda old: (old or 0) + 1, "global")

    threads = [threading.Thread(target=work, args=(s,)) for s in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runs[0].get("hits", None, "global") == 80
    assert runs[1].get("hits", None, "global") == 80
    assert len(runs[0].history("hits", None, "global")) == 80


def test_run_scope_is_kept_per_run_id(
    make_ctx: MakeCtx, make_services: Callable[[RunContext], Services], tmp_path: Path
) -> None:
    """Run scope is stored under the run id: the same id reads it back, another does not."""
    db = tmp_path / "state.sqlite3"
    first = make_services(make_ctx(run_id="r1", state_db=db))
    first.state.set("a.b", [1, {"c": 2}])
    first.close()
    again = make_services(make_ctx(run_id="r1", state_db=db))
    assert again.state.get("a") == {"b": [1, {"c": 2}]}
    other = make_services(make_ctx(run_id="r2", state_db=db))
    assert other.state.get("a") is None


def test_snapshots_persist_for_spell_scope(
    make_ctx: MakeCtx, make_services: Callable[[RunContext], Services], tmp_path: Path
) -> None:
    """A spell-scope snapshot from one run can be restored and diffed by a later run."""
    db = tmp_path / "state.sqlite3"
    first = make_services(make_ctx(run_id="r1", state_db=db))
    first.state.set("v", 1, "spell")
    snap = first.state.snapshot("v1", "spell")
    first.close()
    second = make_services(make_ctx(run_id="r2", state_db=db))
    second.state.set("v", 2, "spell")
    assert second.state.diff(snap, None, "spell") == [
        {"path": "v", "op": "changed", "old": 1, "new": 2}
    ]
    second.state.restore(snap, "spell")
    assert second.state.get("v", None, "spell") == 1


def test_persisted_tree_matches_memory(
    make_ctx: MakeCtx, make_services: Callable[[RunContext], Services], tmp_path: Path
) -> None:
    """After many kinds of change, a fresh load from the file equals the in-memory tree."""
    db = tmp_path / "state.sqlite3"
    one = make_services(make_ctx(run_id="r1", state_db=db))
    s = one.state
    s.set("a.b.c", 1, "global")
    s.set("a.b.d", {"e": [1, 2]}, "global")
    s.update("a.b", {"z": True}, "global")
    s.delete("a.b.c", "global")
    s.set("top", "x", "global")
    snap = s.snapshot(None, "global")
    s.set("top", None, "global")
    s.set("", {"root": 1, "a": {"q": 1}}, "global")
    s.restore(snap, "global")
    expected = s.get("", None, "global")
    two = make_services(make_ctx(run_id="r2", state_db=db))
    assert two.state.get("", None, "global") == expected
    assert expected == {"a": {"b": {"d": {"e": [1, 2]}, "z": True}}, "top": "x"}


def test_set_root_replaces_the_scope(state: StateService) -> None:
    """Setting the empty path replaces the whole scope; it must be a table."""
    state.set("old", 1)
    state.set("", {"new": 2})
    assert state.get("") == {"new": 2}
    with pytest.raises(ApiError, match="root"):
        state.set("", 5)
    assert state.delete("") is True
    assert state.get("") == {}
