"""HTTP for the builtin tools: only to hosts the manifest allows, redirects included, with a
cap on the body and the run's remaining time as the timeout. Imported when a network tool runs."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from typing import Any

from engines.api.context import RunContext
from engines.api.tools.common import (
    MAX_BODY,
    MAX_REDIRECTS,
    ToolError,
    host_allowed,
    os_message,
    outside,
    remaining_time,
)
from engines.errors import PermissionDenied


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an allowed host, and at most MAX_REDIRECTS times."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        newurl = urllib.parse.urljoin(req.full_url, newurl)
        host_allowed(self._ctx, newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def http_fetch(
    ctx: RunContext,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30.0,
    max_bytes: int = MAX_BODY,
) -> dict[str, Any]:
    """One HTTP exchange with the host checks; passes the replay boundary as kind "http".

    Returns {url, status, reason, headers, body (text), content_type, truncated}; an HTTP
    error status is a normal answer, not a failure.
    """
    host_allowed(ctx, url)
    timeout = remaining_time(ctx, timeout)
    max_bytes = max(0, min(int(max_bytes), MAX_BODY))

    def produce() -> dict[str, Any]:
        handlers: list[Any] = [_Redirects(ctx)]
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        if host in ("127.0.0.1", "localhost", "::1"):
            handlers.append(urllib.request.ProxyHandler({}))
        opener = urllib.request.build_opener(*handlers)
        request = urllib.request.Request(url, data=body, method=method.upper())
        for key, value in (headers or {}).items():
            request.add_header(str(key), str(value))
        if not request.has_header("User-agent"):
            request.add_header("User-agent", "llmspell-tools/0.1")
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            response = exc
        except PermissionDenied as exc:
            raise PermissionDenied(f"redirect refused: {exc}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            text = os_message(reason) if isinstance(reason, OSError) else str(reason)
            raise ToolError(f"cannot reach {url}: {text}") from None
        except TimeoutError:
            raise ToolError(f"no answer from {url} within {timeout:g} s") from None
        try:
            data = response.read(max_bytes + 1)
        except TimeoutError:
            raise ToolError(f"no answer from {url} within {timeout:g} s") from None
        finally:
            response.close()
        truncated = len(data) > max_bytes
        data = data[:max_bytes]
        message: Message = response.headers
        charset = message.get_content_charset() or "utf-8"
        try:
            text = data.decode(charset, errors="replace")
        except LookupError:
            text = data.decode("utf-8", errors="replace")
        return {
            "url": response.geturl(),
            "status": int(response.status or 0),
            "reason": str(response.reason or ""),
            "headers": {k.lower(): v for k, v in message.items()},
            "content_type": message.get_content_type(),
            "body": text,
            "truncated": truncated,
        }

    def answer() -> dict[str, Any]:
        try:
            return produce()
        except http.client.HTTPException as exc:
            raise ToolError(f"bad HTTP answer: {type(exc).__name__}: {exc}") from None

    result: dict[str, Any] = outside(ctx, "http", answer, f"{method.upper()} {url}")
    return result
