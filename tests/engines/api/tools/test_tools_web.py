"""The web tools against a local HTTP server on 127.0.0.1: requests, page text, the allowed
hosts (redirects included), size limits."""

from __future__ import annotations

import json

import pytest

PAGE = b"""<!doctype html>
<html><head><title>The  Page</title><style>p {color: red}</style>
<script>var hidden = "do not show";</script></head>
<body><h1>Welcome</h1><p>Some <b>bold</b> text.</p>
<a href="/next">Next page</a> <a href="https://example.org/x">Elsewhere</a>
<noscript>no script</noscript></body></html>"""


@pytest.fixture
def web(make_box, server):
    server.routes["/page"] = (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE)
    server.routes["/json"] = (200, {"Content-Type": "application/json"}, b'{"a": [1, 2]}')
    server.routes["/fail"] = (503, {"Content-Type": "text/plain"}, b"busy")
    server.routes["/big"] = (200, {"Content-Type": "text/plain"}, b"x" * 10_000)
    server.routes["/echo"] = lambda h: (
        200,
        {"Content-Type": "application/json"},
        json.dumps(
            {
                "method": h.command,
                "body": server.seen[-1]["body"].decode(),
                "type": h.headers.get("Content-Type"),
                "token": h.headers.get("X-Token"),
            }
        ).encode(),
    )
    server.routes["/hop"] = (302, {"Location": "/page"}, b"")
    server.routes["/away"] = (302, {"Location": server.url("/page", host="localhost")}, b"")
    return make_box(hosts=("127.0.0.1",)), server


def test_http_request_get_json(web):
    """A GET to an allowed host gives status, headers, body and parsed JSON."""
    box, server = web
    answer = box.ok("http_request", {"url": server.url("/json")})
    assert answer["status"] == 200
    assert answer["headers"]["content-type"] == "application/json"
    assert answer["body"] == '{"a": [1, 2]}'
    assert answer["json"] == {"a": [1, 2]}
    assert answer["truncated"] is False


def test_http_request_post_with_a_json_body_and_headers(web):
    """A table body is sent as JSON; headers go along."""
    box, server = web
    answer = box.ok(
        "http_request",
        {
            "url": server.url("/echo"),
            "method": "POST",
            "body": {"q": 1},
            "headers": {"X-Token": "t"},
        },
    )
    assert answer["json"] == {
        "method": "POST",
        "body": '{"q": 1}',
        "type": "application/json",
        "token": "t",
    }


def test_http_error_status_is_an_answer(web):
    """A 5xx is a normal answer with its status, not a tool failure."""
    box, server = web
    answer = box.ok("http_request", {"url": server.url("/fail")})
    assert (answer["status"], answer["body"]) == (503, "busy")


def test_http_body_size_limit(web):
    """max_bytes cuts the body and says so."""
    box, server = web
    answer = box.ok("http_request", {"url": server.url("/big"), "max_bytes": 100})
    assert len(answer["body"]) == 100 and answer["truncated"] is True


def test_a_host_not_allowed_is_refused_before_any_request(web):
    """localhost is not 127.0.0.1 in the manifest: refused, and the server sees nothing."""
    box, server = web
    error = box.error("http_request", {"url": server.url("/page", host="localhost")})
    assert error["type"] == "permission_denied"
    assert "'localhost' is not allowed" in error["message"]
    assert "127.0.0.1" in error["message"]
    assert server.seen == []


def test_no_hosts_means_no_network(make_box, server):
    """A spell with no network permission reaches no host."""
    box = make_box()
    error = box.error("web_fetch", {"url": server.url("/page")})
    assert error["type"] == "permission_denied"
    assert "may reach no host" in error["message"]


def test_only_http_schemes(web):
    """file:, ftp: and the like are refused."""
    box, _ = web
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x"):
        assert "only http and https" in box.error("http_request", {"url": url})["message"]


def test_a_redirect_to_an_allowed_host_is_followed(web):
    """A redirect within allowed hosts is followed; the final URL is reported."""
    box, server = web
    answer = box.ok("web_fetch", {"url": server.url("/hop")})
    assert answer["url"] == server.url("/page")
    assert answer["title"] == "The Page"


def test_a_redirect_to_a_host_not_allowed_is_refused(web):
    """A redirect to localhost (not allowed) is refused; the page is never fetched."""
    box, server = web
    error = box.error("http_request", {"url": server.url("/away")})
    assert error["type"] == "permission_denied"
    assert "redirect refused" in error["message"]
    assert [s["path"] for s in server.seen] == ["/away"]


def test_host_patterns_with_ports_and_wildcards(make_box, server):
    """'host:port' allows only that port; '*.domain' does not allow other hosts."""
    right = make_box(hosts=(f"127.0.0.1:{server.port}",))
    server.routes["/ok"] = (200, {"Content-Type": "text/plain"}, b"ok")
    assert right.ok("http_request", {"url": server.url("/ok")})["body"] == "ok"
    wrong = make_box(hosts=("127.0.0.1:1", "*.example.com"))
    assert wrong.error("http_request", {"url": server.url("/ok")})["type"] == "permission_denied"


def test_web_fetch_extracts_title_text_and_links(web):
    """web_fetch gives the title, visible text (no script/style) and absolute links."""
    box, server = web
    page = box.ok("web_fetch", {"url": server.url("/page")})
    assert page["title"] == "The Page"
    assert page["text"] == "Welcome\nSome bold text.\nNext page Elsewhere"
    assert page["links"] == [
        {"text": "Next page", "url": server.url("/next")},
        {"text": "Elsewhere", "url": "https://example.org/x"},
    ]
    short = box.ok("web_fetch", {"url": server.url("/page"), "max_chars": 7})
    assert short["text"] == "Welcome" and short["truncated"]


def test_web_fetch_error_status_fails(web):
    """A page that answers 4xx/5xx is a tool error."""
    box, server = web
    error = box.error("web_fetch", {"url": server.url("/missing")})
    assert error["type"] == "tool_error"
    assert "404" in error["message"]


def test_connection_refused_is_a_tool_error(make_box):
    """Nothing listening: a tool error saying the host cannot be reached."""
    box = make_box(hosts=("127.0.0.1",))
    error = box.error("http_request", {"url": "http://127.0.0.1:9/", "timeout": 2})
    assert error["type"] == "tool_error"
    assert "cannot reach" in error["message"]


def test_responses_pass_the_replay_boundary(web, monkeypatch):
    """An HTTP answer passes ctx.nondeterministic as kind 'http'."""
    box, server = web
    kinds = []
    original = box.ctx.nondeterministic
    monkeypatch.setattr(
        box.ctx,
        "nondeterministic",
        lambda k, p, *a, **kw: kinds.append(k) or original(k, p, *a, **kw),
    )
    box.ok("web_fetch", {"url": server.url("/page")})
    assert kinds == ["http"]
