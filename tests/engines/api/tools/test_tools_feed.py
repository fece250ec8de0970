"""The feed tools: RSS 2.0 and Atom parsed with the stdlib, fetched from the local server,
filtered by keywords and dates."""

from __future__ import annotations

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Example News</title><link>https://news.example/</link>
<item><title>Python 3.13 released</title><link>https://news.example/py</link>
<pubDate>Mon, 07 Oct 2024 10:00:00 GMT</pubDate>
<description>&lt;p&gt;A new &lt;b&gt;Python&lt;/b&gt; release.&lt;/p&gt;</description></item>
<item><title>Lua 5.5 beta</title><guid>https://news.example/lua</guid>
<pubDate>Tue, 01 Oct 2024 08:30:00 +0200</pubDate><description>Lua news</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Log</title>
<link href="https://log.example/"/>
<entry><title>First post</title><link rel="alternate" href="https://log.example/1"/>
<id>urn:1</id><updated>2024-05-01T12:00:00Z</updated><summary>Hello world</summary></entry>
<entry><title>Second</title><link href="https://log.example/2"/><id>urn:2</id>
<published>2024-06-01T09:00:00+02:00</published><content type="html">&lt;i&gt;More&lt;/i&gt; words</content></entry>
</feed>"""


def test_feed_parse_rss(box):
    """RSS 2.0 items: title, link (or permalink guid), published as ISO 8601, plain summary."""
    feed = box.ok("feed_parse", {"text": RSS})
    assert (feed["format"], feed["title"], feed["link"]) == (
        "rss",
        "Example News",
        "https://news.example/",
    )
    first, second = feed["items"]
    assert first == {
        "title": "Python 3.13 released",
        "link": "https://news.example/py",
        "published": "2024-10-07T10:00:00+00:00",
        "summary": "A new Python release.",
        "id": None,
    }
    assert second["link"] == "https://news.example/lua"
    assert second["published"] == "2024-10-01T08:30:00+02:00"


def test_feed_parse_atom(box):
    """Atom entries: alternate link, published or updated, summary or content."""
    feed = box.ok("feed_parse", {"text": ATOM, "max_items": 5})
    assert (feed["format"], feed["title"], feed["link"]) == (
        "atom",
        "Atom Log",
        "https://log.example/",
    )
    assert [i["link"] for i in feed["items"]] == ["https://log.example/1", "https://log.example/2"]
    assert feed["items"][0]["published"] == "2024-05-01T12:00:00+00:00"
    assert feed["items"][1]["summary"] == "More words"
    assert len(box.ok("feed_parse", {"text": ATOM, "max_items": 1})["items"]) == 1


def test_feed_parse_refuses_other_xml_and_entities(box):
    """Not a feed, or a DOCTYPE with entities: tool errors."""
    assert "not an RSS or Atom feed" in box.error("feed_parse", {"text": "<html/>"})["message"]
    bomb = '<!DOCTYPE rss [<!ENTITY a "aaaa">]><rss><channel><title>&a;</title></channel></rss>'
    assert "DOCTYPE or ENTITY" in box.error("feed_parse", {"text": bomb})["message"]


def test_feed_fetch_from_the_local_server(make_box, server):
    """feed_fetch gets the feed over HTTP from an allowed host and parses it."""
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, RSS.encode())
    box = make_box(hosts=("127.0.0.1",))
    feed = box.ok("feed_fetch", {"url": server.url("/feed.xml")})
    assert feed["url"] == server.url("/feed.xml")
    assert [i["title"] for i in feed["items"]] == ["Python 3.13 released", "Lua 5.5 beta"]
    assert "404" in box.error("feed_fetch", {"url": server.url("/nope.xml")})["message"]


def test_feed_fetch_from_a_host_not_allowed(make_box, server):
    """A feed on a host the manifest does not list is refused."""
    box = make_box(hosts=("news.example",))
    error = box.error("feed_fetch", {"url": server.url("/feed.xml")})
    assert error["type"] == "permission_denied"
    assert server.seen == []


def test_feed_filter(box):
    """Keywords (any or all) over title and summary; dates with since/until."""
    items = (
        box.ok("feed_parse", {"text": RSS})["items"] + box.ok("feed_parse", {"text": ATOM})["items"]
    )
    titles = lambda args: [i["title"] for i in box.ok("feed_filter", {"items": items, **args})]  # noqa: E731
    assert titles({"keywords": ["python", "hello"]}) == ["Python 3.13 released", "First post"]
    assert titles({"keywords": ["python", "release"], "match_all": True}) == [
        "Python 3.13 released"
    ]
    assert titles({"since": "2024-06-02T00:00:00Z"}) == ["Python 3.13 released", "Lua 5.5 beta"]
    assert titles({"until": "2024-06-01T07:00:00Z"}) == ["First post"]
    assert titles({"until": "2024-06-01T07:00:01Z"}) == ["First post", "Second"]
    assert titles({"since": "2024-10-01", "keywords": ["lua"]}) == ["Lua 5.5 beta"]
    assert (
        "not an ISO 8601"
        in box.error("feed_filter", {"items": items, "since": "last week"})["message"]
    )
    assert box.error("feed_filter", {"items": [1]})["type"] == "invalid_arguments"
