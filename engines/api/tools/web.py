"""The `web` group: HTTP requests and page fetching with text extraction, to allowed hosts only
(permissions.network.hosts), redirects included."""

from __future__ import annotations

import json
from typing import Any

from engines.api.context import RunContext
from engines.api.tools.common import MAX_BODY, MAX_TIMEOUT, ToolError
from engines.api.tools.registry import (
    Tool,
    anything,
    builtin_declarer,
    integer,
    number,
    obj,
    string,
)

TOOLS: list[Tool] = []
tool = builtin_declarer("web", TOOLS)

_URL = string("An http or https URL on an allowed host.")
_TIMEOUT = number(
    f"Seconds to wait; default 30, at most {MAX_TIMEOUT:g}.", minimum=0, maximum=MAX_TIMEOUT
)
_MAX_BYTES = integer(
    f"Read at most this many bytes of the body (cap {MAX_BODY}).", minimum=0, maximum=MAX_BODY
)


@tool(
    "http_request",
    "Send an HTTP request to an allowed host; returns status, headers and body.",
    obj(
        {
            "url": _URL,
            "method": string(
                "HTTP method; default GET.",
                enum=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
            ),
            "headers": {
                "type": "object",
                "description": "Request headers.",
                "additionalProperties": {"type": "string"},
            },
            "body": anything("Request body: a string, or a JSON value sent as application/json."),
            "timeout": _TIMEOUT,
            "max_bytes": _MAX_BYTES,
        },
        ["url"],
    ),
)
def http_request(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    headers = dict(args.get("headers") or {})
    body = args.get("body")
    data: bytes | None = None
    if isinstance(body, str):
        data = body.encode("utf-8")
    elif body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    from engines.api.tools.net import http_fetch

    answer = http_fetch(
        ctx,
        args["url"],
        method=args.get("method", "GET"),
        headers=headers,
        body=data,
        timeout=float(args.get("timeout", 30)),
        max_bytes=int(args.get("max_bytes", MAX_BODY)),
    )
    if answer["content_type"].endswith("json") and not answer["truncated"]:
        try:
            answer["json"] = json.loads(answer["body"])
        except ValueError:
            pass
    return answer


@tool(
    "web_fetch",
    "Fetch a web page from an allowed host and extract its title, visible text and links.",
    obj(
        {
            "url": _URL,
            "max_chars": integer("Cut the text at this many characters; default 20000.", minimum=0),
            "timeout": _TIMEOUT,
        },
        ["url"],
    ),
)
def web_fetch(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    from engines.api.tools.markup import html_to_text
    from engines.api.tools.net import http_fetch

    answer = http_fetch(ctx, args["url"], timeout=float(args.get("timeout", 30)))
    if answer["status"] >= 400:
        raise ToolError(f"{args['url']} answered {answer['status']} {answer['reason']}".strip())
    max_chars = int(args.get("max_chars", 20_000))
    if "html" in answer["content_type"] or answer["body"].lstrip()[:15].lower().startswith(
        ("<!doctype html", "<html")
    ):
        page = html_to_text(answer["body"], answer["url"])
    else:
        page = {"title": "", "text": answer["body"], "links": []}
    text = page["text"]
    return {
        "url": answer["url"],
        "status": answer["status"],
        "content_type": answer["content_type"],
        "title": page["title"],
        "text": text[:max_chars],
        "links": page["links"][:500],
        "truncated": answer["truncated"] or len(text) > max_chars,
    }
