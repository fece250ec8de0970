"""The events service: wildcard patterns, delivery order, unsubscribe, errors, records."""

from __future__ import annotations

from typing import Any

import pytest

from engines.api.events import EventsService, pattern_regex
from engines.api.services import Services
from engines.errors import ApiError
from engines.telemetry import ListSink


@pytest.fixture
def events(services: Services) -> EventsService:
    return services.events


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        (
            "order.*",
            ["order.created", "order.item.added"],
            ["order", "orders.created", "x.order.a"],
        ),
        ("*", ["a", "order.created", "x.y.z"], []),
        ("*.created", ["order.created", "a.b.created"], ["order.updated", "created.x"]),
        ("order.created", ["order.created"], ["order.createdx", "xorder.created", "orderXcreated"]),
        ("a+b(c)", ["a+b(c)"], ["aab(c)", "abc"]),
        ("a.*.z", ["a.b.z", "a.b.c.z"], ["a.z", "b.b.z"]),
    ],
)
def test_pattern_matching(
    events: EventsService, pattern: str, matches: list[str], misses: list[str]
) -> None:
    """`*` matches any run of characters; everything else, dots included, is literal."""
    seen: list[str] = []
    events.subscribe(pattern, lambda t, d: seen.append(t))
    for t in matches + misses:
        events.publish(t)
    assert seen == matches
    regex = pattern_regex(pattern)
    assert all(regex.match(t) for t in matches)
    assert not any(regex.match(t) for t in misses)


def test_handler_gets_type_and_data_and_publish_counts(events: EventsService) -> None:
    """Handlers receive (type, data); publish returns how many handlers it called."""
    got: list[tuple[str, Any]] = []
    events.subscribe("a.*", lambda t, d: got.append((t, d)))
    events.subscribe("a.b", lambda t, d: got.append(("second", d)))
    assert events.publish("a.b", {"n": 1}) == 2
    assert events.publish("a.c") == 1
    assert events.publish("zzz", 1) == 0
    assert got == [("a.b", {"n": 1}), ("second", {"n": 1}), ("a.c", None)]


def test_subscription_ids_are_distinct(events: EventsService) -> None:
    """subscribe returns a new id each time."""
    ids = [events.subscribe("x", lambda t, d: None) for _ in range(3)]
    assert len(set(ids)) == 3


def test_events_published_in_handlers_are_delivered_after(events: EventsService) -> None:
    """An event published from a handler is queued until the current event reached everyone."""
    log: list[str] = []

    def first(t: str, d: Any) -> None:
        log.append(f"first:{t}")
        if t == "a":
            assert events.publish("b") == 2
            log.append("published b")
            events.publish("c")

    events.subscribe("*", first)
    events.subscribe("*", lambda t, d: log.append(f"second:{t}"))
    events.publish("a")
    assert log == [
        "first:a",
        "published b",
        "second:a",
        "first:b",
        "second:b",
        "first:c",
        "second:c",
    ]


def test_unsubscribe(events: EventsService) -> None:
    """unsubscribe stops delivery and reports whether the id was subscribed."""
    seen: list[str] = []
    sid = events.subscribe("x", lambda t, d: seen.append(t))
    events.publish("x")
    assert events.unsubscribe(sid) is True
    assert events.unsubscribe(sid) is False
    assert events.unsubscribe(999) is False
    assert events.publish("x") == 0
    assert seen == ["x"]


def test_unsubscribe_from_within_a_handler(events: EventsService) -> None:
    """A handler can unsubscribe itself or a later handler; the change applies at once."""
    log: list[str] = []
    ids: dict[str, int] = {}

    def once(t: str, d: Any) -> None:
        log.append(f"once:{t}")
        events.unsubscribe(ids["once"])
        events.unsubscribe(ids["victim"])
        events.publish("again")

    ids["once"] = events.subscribe("*", once)
    ids["victim"] = events.subscribe("*", lambda t, d: log.append(f"victim:{t}"))
    events.subscribe("*", lambda t, d: log.append(f"last:{t}"))
    events.publish("go")
    events.publish("go")
    assert log == ["once:go", "last:go", "last:again", "last:go"]


def test_handler_error_propagates_to_publisher(events: EventsService) -> None:
    """An error in a handler reaches the publisher; the service keeps working afterwards."""
    seen: list[str] = []

    def bad(t: str, d: Any) -> None:
        if t == "boom":
            raise ValueError("handler failed")
        seen.append(t)

    events.subscribe("*", bad)
    with pytest.raises(ValueError, match="handler failed"):
        events.publish("boom")
    assert events.publish("fine") == 1
    assert seen == ["fine"]


def test_handler_error_from_nested_event_propagates(events: EventsService) -> None:
    """An error from a queued event's handler reaches the outermost publish."""

    def handler(t: str, d: Any) -> None:
        if t == "outer":
            events.publish("inner")
        else:
            raise RuntimeError("inner failed")

    events.subscribe("*", handler)
    with pytest.raises(RuntimeError, match="inner failed"):
        events.publish("outer")


def test_event_records(events: EventsService, sink: ListSink) -> None:
    """Each publish emits an `event` record with type, data and the handler ids."""
    a = events.subscribe("order.*", lambda t, d: None)
    events.subscribe("user.*", lambda t, d: None)
    b = events.subscribe("*", lambda t, d: None)
    events.publish("order.created", {"id": 7})
    rec = sink.of_kind("event")[-1]
    assert rec.data == {"type": "order.created", "data": {"id": 7}, "handlers": [a, b]}


def test_event_record_keeps_published_data(events: EventsService, sink: ListSink) -> None:
    """A handler changing the data does not change the `event` record."""
    events.subscribe("x", lambda t, d: d["items"].append(2))
    events.publish("x", {"items": [1]})
    assert sink.of_kind("event")[-1].data["data"] == {"items": [1]}


def test_empty_type_and_pattern_rejected(events: EventsService) -> None:
    """Empty event types and patterns are errors."""
    with pytest.raises(ApiError):
        events.publish("")
    with pytest.raises(ApiError):
        events.subscribe("", lambda t, d: None)
