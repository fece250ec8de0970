"""The `feed` group: fetch and parse RSS 2.0 and Atom feeds with the stdlib, filter items."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engines.api.context import RunContext
from engines.api.tools.common import ToolError, local_name
from engines.api.tools.registry import (
    Tool,
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
tool = builtin_declarer("feed", TOOLS)

_MAX_ITEMS = integer("At most this many items; default 100.", minimum=0, maximum=10_000)
_ITEM = {
    "type": "object",
    "properties": {
        "title": {"type": ["string", "null"]},
        "link": {"type": ["string", "null"]},
        "published": {"type": ["string", "null"]},
        "summary": {"type": ["string", "null"]},
    },
}


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local_name(child.tag) == name]


def _text(element: Element, *names: str) -> str | None:
    for name in names:
        for child in _children(element, name):
            text = "".join(child.itertext()).strip()
            if text:
                return text
    return None


def _plain(markup: str | None) -> str | None:
    if markup is None:
        return None
    if "<" not in markup:
        return " ".join(markup.split())
    from engines.api.tools.markup import html_to_text

    return " ".join(html_to_text(markup)["text"].split())


def _date(text: str | None) -> str | None:
    """An RFC 822 (RSS) or ISO 8601 (Atom) date as ISO 8601, or the text when unreadable."""
    if not text:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError:
            return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat()


def _atom_link(entry: Element) -> str | None:
    links = _children(entry, "link")
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return links[0].get("href") if links else None


def parse_feed(text: str, max_items: int = 100) -> dict[str, Any]:
    from engines.api.tools.markup import parse_xml

    root = parse_xml(text)
    kind = local_name(root.tag)
    if kind == "feed":  # Atom
        entries = _children(root, "entry")
        return {
            "format": "atom",
            "title": _text(root, "title"),
            "link": _atom_link(root),
            "items": [
                {
                    "title": _text(entry, "title"),
                    "link": _atom_link(entry),
                    "published": _date(_text(entry, "published", "updated")),
                    "summary": _plain(_text(entry, "summary", "content")),
                    "id": _text(entry, "id"),
                }
                for entry in entries[:max_items]
            ],
        }
    if kind in ("rss", "RDF"):
        channel = next(iter(_children(root, "channel")), root)
        items = _children(channel, "item") or _children(root, "item")
        return {
            "format": "rss" if kind == "rss" else "rdf",
            "title": _text(channel, "title"),
            "link": _text(channel, "link"),
            "items": [
                {
                    "title": _text(item, "title"),
                    "link": _text(item, "link") or _guid_link(item),
                    "published": _date(_text(item, "pubDate", "date", "published")),
                    "summary": _plain(_text(item, "description", "encoded", "summary")),
                    "id": _text(item, "guid"),
                }
                for item in items[:max_items]
            ],
        }
    raise ToolError(f"not an RSS or Atom feed (the root element is <{kind}>)")


def _guid_link(item: Element) -> str | None:
    for guid in _children(item, "guid"):
        if guid.get("isPermaLink", "true") == "true" and (guid.text or "").startswith("http"):
            return (guid.text or "").strip()
    return None


@tool(
    "feed_fetch",
    "Fetch an RSS or Atom feed from an allowed host and parse its items.",
    obj(
        {
            "url": string("The feed's http or https URL on an allowed host."),
            "max_items": _MAX_ITEMS,
            "timeout": {"type": "number", "minimum": 0, "description": "Seconds; default 30."},
        },
        ["url"],
    ),
)
def feed_fetch(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    from engines.api.tools.net import http_fetch

    answer = http_fetch(ctx, args["url"], timeout=float(args.get("timeout", 30)))
    if answer["status"] >= 400:
        raise ToolError(f"{args['url']} answered {answer['status']} {answer['reason']}".strip())
    if answer["truncated"]:
        raise ToolError(f"the feed at {args['url']} is larger than the body size limit")
    feed = parse_feed(answer["body"], int(args.get("max_items", 100)))
    feed["url"] = answer["url"]
    return feed


@tool(
    "feed_parse",
    "Parse RSS 2.0 or Atom XML text into {format, title, link, items}.",
    obj({"text": string("The feed's XML."), "max_items": _MAX_ITEMS}, ["text"]),
)
def feed_parse(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    return parse_feed(args["text"], int(args.get("max_items", 100)))


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@tool(
    "feed_filter",
    "Keep the feed items matching keywords and/or a date range.",
    obj(
        {
            "items": array("Feed items, as feed_parse returns them.", _ITEM),
            "keywords": array("Words to look for in title and summary.", {"type": "string"}),
            "match_all": boolean("Require every keyword instead of any; default false."),
            "since": string("Keep items published at or after this ISO 8601 time."),
            "until": string("Keep items published before this ISO 8601 time."),
        },
        ["items"],
    ),
)
def feed_filter(ctx: RunContext, args: dict[str, Any]) -> list[dict[str, Any]]:
    keywords = [k.lower() for k in args.get("keywords") or [] if k]
    bounds = {}
    for key in ("since", "until"):
        if args.get(key) is not None:
            when = _when(args[key])
            if when is None:
                raise ToolError(f"{key} is not an ISO 8601 time: {args[key]!r}")
            bounds[key] = when
    test = all if args.get("match_all") else any
    kept = []
    for item in args["items"]:
        if keywords:
            haystack = f"{item.get('title') or ''} {item.get('summary') or ''}".lower()
            if not test(k in haystack for k in keywords):
                continue
        if bounds:
            published = _when(item.get("published"))
            if published is None:
                continue
            if "since" in bounds and published < bounds["since"]:
                continue
            if "until" in bounds and published >= bounds["until"]:
                continue
        kept.append(item)
    return kept
