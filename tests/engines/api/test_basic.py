"""The small services: log, json, params, spell and util (env, uuid, now, sleep)."""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engines.api.context import RunContext
from engines.api.services import Services
from engines.errors import ApiError, LimitExceeded, PermissionDenied
from engines.telemetry import ListSink

MakeCtx = Callable[..., RunContext]


@pytest.mark.parametrize("level", ["debug", "info", "warn", "error"])
def test_log_records(services: Services, sink: ListSink, level: str) -> None:
    """Each log call emits a `log` record with its level, message and fields."""
    getattr(services.log, level)("hello", {"n": 1})
    getattr(services.log, level)("bare")
    recs = [r.data for r in sink.of_kind("log")]
    assert recs == [
        {"level": level, "message": "hello", "fields": {"n": 1}},
        {"level": level, "message": "bare", "fields": {}},
    ]


def test_log_fields_are_copied(services: Services, sink: ListSink) -> None:
    """Changing the fields table after logging does not change the record."""
    fields = {"n": 1}
    services.log.info("m", fields)
    fields["n"] = 2
    assert sink.of_kind("log")[-1].data["fields"] == {"n": 1}


def test_log_fields_may_hold_functions(services: Services, sink: ListSink) -> None:
    """Fields holding a function (an engine callable) are logged without failing."""
    services.log.warn("m", {"cb": print, "nested": {"cb": print}})
    assert sink.of_kind("log")[-1].data["fields"] == {"cb": print, "nested": {"cb": print}}


def test_json_encode_is_compact_and_keeps_unicode(services: Services) -> None:
    """encode gives compact JSON without escaping non-ASCII text."""
    assert services.json.encode({"a": 1, "b": [True, None, 1.5], "c": "é"}) == (
        '{"a":1,"b":[true,null,1.5],"c":"é"}'
    )


def test_json_pretty_indents(services: Services) -> None:
    """pretty indents by two spaces."""
    assert services.json.pretty({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}'
    assert services.json.pretty([]) == "[]"


def test_json_decode(services: Services) -> None:
    """decode returns the value the text holds."""
    assert services.json.decode('{"a": [1, 2.5, "x", null, false]}') == {
        "a": [1, 2.5, "x", None, False]
    }
    assert services.json.decode(" 3 ") == 3


def test_json_decode_error_names_line_and_column(services: Services) -> None:
    """Invalid JSON is an ApiError naming the line and column."""
    with pytest.raises(ApiError, match=r"invalid JSON at line 2 column 8"):
        services.json.decode('{\n  "a": }')
    with pytest.raises(ApiError, match=r"line 1 column 1"):
        services.json.decode("")


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_json_decode_rejects_nan(services: Services, text: str) -> None:
    """NaN and Infinity are not JSON and are rejected when decoding."""
    with pytest.raises(ApiError, match="invalid JSON"):
        services.json.decode(text)


@pytest.mark.parametrize("value", [math.nan, [math.inf], {"a": -math.inf}])
def test_json_encode_rejects_nan(services: Services, value: Any) -> None:
    """NaN and infinities cannot be encoded."""
    with pytest.raises(ApiError, match="not JSON-able"):
        services.json.encode(value)
    with pytest.raises(ApiError, match="not JSON-able"):
        services.json.pretty(value)


def test_json_too_deep_is_an_api_error(services: Services) -> None:
    """Absurdly nested input is an ApiError, not a Python RecursionError."""
    with pytest.raises(ApiError, match="invalid JSON"):
        services.json.decode("[" * 100_000 + "]" * 100_000)
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ApiError, match="not JSON-able"):
        services.json.encode(deep)


def test_json_encode_rejects_non_json(services: Services) -> None:
    """Functions, objects and cycles cannot be encoded."""
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    for value in (len, object(), cyclic, {(1, 2): 3}):
        with pytest.raises(ApiError, match="not JSON-able"):
            services.json.encode(value)


def test_params(make_ctx: MakeCtx, make_services: Callable[[RunContext], Services]) -> None:
    """params.get returns a value or the default; params.all is a copy of every parameter."""
    services = make_services(make_ctx(params={"n": 3, "tags": ["a"], "off": False}))
    assert services.params.get("n") == 3
    assert services.params.get("off", True) is False
    assert services.params.get("missing") is None
    assert services.params.get("missing", "dflt") == "dflt"
    everything = services.params.all()
    assert everything == {"n": 3, "tags": ["a"], "off": False}
    everything["tags"].append("b")
    everything["n"] = 4
    assert services.params.get("tags") == ["a"]
    assert services.params.get("n") == 3


def test_spell_facts(services: Services, ctx: RunContext, tmp_path: Path) -> None:
    """spell.* report the running spell's name, version, folder, engine and run id."""
    assert services.spell.name() == "demo"
    assert services.spell.version() == "1.2.3"
    assert services.spell.dir() == str(tmp_path / "demo")
    assert services.spell.engine() == "lua"
    assert services.spell.run_id() == ctx.run_id == "run-1"


def test_env_allowed(
    make_ctx: MakeCtx,
    make_services: Callable[[RunContext], Services],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An allowed variable is returned; an allowed but unset one is nil."""
    monkeypatch.setenv("LLMSPELL_TEST_VAR", "value")
    monkeypatch.delenv("LLMSPELL_TEST_UNSET", raising=False)
    services = make_services(make_ctx(env=frozenset({"LLMSPELL_TEST_VAR", "LLMSPELL_TEST_UNSET"})))
    assert services.util.env("LLMSPELL_TEST_VAR") == "value"
    assert services.util.env("LLMSPELL_TEST_UNSET") is None


def test_env_not_allowed(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable not listed in permissions.env raises PermissionDenied (an ApiError)."""
    monkeypatch.setenv("HOME_SECRET", "x")
    with pytest.raises(PermissionDenied, match=r"'HOME_SECRET' is not allowed.*permissions\.env"):
        services.util.env("HOME_SECRET")
    assert issubclass(PermissionDenied, ApiError)


def test_uuid_is_random_version_4(services: Services) -> None:
    """uuid returns distinct version-4 UUID strings."""
    pattern = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    values = {services.util.uuid() for _ in range(50)}
    assert len(values) == 50
    assert all(pattern.match(v) for v in values)


def test_now_is_epoch_seconds(services: Services) -> None:
    """now is a float of seconds since the epoch, close to time.time()."""
    before = time.time()
    now = services.util.now()
    assert isinstance(now, float)
    assert before - 1 <= now <= time.time() + 1


def test_sleep_short_returns(services: Services) -> None:
    """A short sleep returns nil."""
    assert services.util.sleep(0) is None
    assert services.util.sleep(0.01) is None


@pytest.mark.parametrize("seconds", [-1, math.nan])
def test_sleep_rejects_bad_durations(services: Services, seconds: float) -> None:
    """Negative and NaN durations are errors."""
    with pytest.raises(ApiError):
        services.util.sleep(seconds)


def test_sleep_stops_when_cancelled(services: Services, ctx: RunContext) -> None:
    """ctx.cancel from another thread interrupts a sleep with LimitExceeded('cancelled')."""
    timer = threading.Timer(0.05, ctx.cancel, args=("user pressed stop",))
    timer.start()
    try:
        with pytest.raises(LimitExceeded) as err:
            services.util.sleep(30)
    finally:
        timer.cancel()
    assert err.value.limit == "cancelled"
    assert "user pressed stop" in str(err.value)


def test_sleep_stops_at_the_deadline(
    make_ctx: MakeCtx, make_services: Callable[[RunContext], Services]
) -> None:
    """A sleep past the run's timeout raises LimitExceeded('timeout')."""
    services = make_services(make_ctx(timeout=0.2))
    with pytest.raises(LimitExceeded) as err:
        services.util.sleep(5)
    assert err.value.limit == "timeout"
    assert "time limit exceeded" in str(err.value)


def test_check_deadline_after_cancel(ctx: RunContext) -> None:
    """check_deadline raises once the run is cancelled, with a default reason."""
    ctx.check_deadline()
    ctx.cancel("")
    with pytest.raises(LimitExceeded, match="run cancelled"):
        ctx.check_deadline()
