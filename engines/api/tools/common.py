"""What the builtin tools share: errors, the file roots, the replay boundary, HTTP with the
allowed hosts, safe XML and text out of HTML."""

from __future__ import annotations

import html.parser
import http.client
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

from engines.api.context import RunContext
from engines.errors import ApiError, PermissionDenied

MAX_BODY = 5 * 1024 * 1024  # bytes of an HTTP body read at most
MAX_TIMEOUT = 120.0
MAX_REDIRECTS = 5


class ToolError(ApiError):
    """A builtin tool failed in an expected way; the message says why, for the caller."""


# -- the replay boundary -------------------------------------------------------------------


def outside(ctx: RunContext, kind: str, produce: Callable[[], Any], key: str | None = None) -> Any:
    """Pass an outside-world value (or a side effect's result) through `ctx.nondeterministic`;
    `key` (a path, a URL) lets a replay notice that the spell now asks something else.

    An expected failure (a missing file, a refused connection) is recorded as a value too,
    so a replay fails at the same place with the same words; it is raised again here.
    """

    def wrapped() -> Any:
        try:
            return {"value": produce()}
        except PermissionDenied as exc:
            return {"error": str(exc), "denied": True}
        except ToolError as exc:
            return {"error": str(exc)}
        except OSError as exc:
            return {"error": os_message(exc)}
        except http.client.HTTPException as exc:
            return {"error": f"bad HTTP answer: {type(exc).__name__}: {exc}"}

    answer = ctx.nondeterministic(kind, wrapped, key[:300] if key else None)
    if isinstance(answer, dict) and "error" in answer:
        error = PermissionDenied if answer.get("denied") else ToolError
        raise error(str(answer["error"]))
    return answer["value"] if isinstance(answer, dict) else answer


def os_message(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    name = exc.filename
    return f"{reason}: {name}" if name else reason


# -- files ----------------------------------------------------------------------------------


def resolve_path(ctx: RunContext, path: str, mode: str) -> Path:
    """The real path (symlinks and `..` resolved) of `path`, which must lie under one of the
    roots the manifest allows for `mode` ("read" or "write"); relative to the spell folder."""
    if not isinstance(path, str) or not path:
        raise ToolError("path must be a non-empty string")
    if "\x00" in path:
        raise ToolError("path must not contain NUL characters")
    raw = Path(path).expanduser()
    if not raw.is_absolute():
        raw = Path(ctx.spell.dir) / raw
    real = raw.resolve()
    check_inside(ctx, real, mode, shown=path)
    return real


def roots_for(ctx: RunContext, mode: str) -> tuple[Path, ...]:
    roots = ctx.permissions.read_roots if mode == "read" else ctx.permissions.write_roots
    return tuple(Path(r).resolve() for r in roots)


def check_inside(ctx: RunContext, real: Path, mode: str, shown: str | None = None) -> Path:
    roots = roots_for(ctx, mode)
    if any(real == root or real.is_relative_to(root) for root in roots):
        return real
    key = f"permissions.files.{mode}"
    if not roots:
        raise PermissionDenied(
            f"no files may be {'read' if mode == 'read' else 'written'}: "
            f"{shown or real} needs a root under {key} in spell.yaml"
        )
    listed = ", ".join(str(r) for r in roots)
    raise PermissionDenied(
        f"{shown or real} is outside the allowed {mode} roots [{listed}] ({key} in spell.yaml)"
    )


def is_root(ctx: RunContext, real: Path) -> bool:
    return any(real == root for root in (*roots_for(ctx, "read"), *roots_for(ctx, "write")))


def shown_path(ctx: RunContext, real: Path) -> str:
    """A path as results show it: relative to the spell folder when inside it."""
    base = Path(ctx.spell.dir).resolve()
    if real.is_relative_to(base):
        return real.relative_to(base).as_posix() or "."
    return str(real)


# -- network --------------------------------------------------------------------------------


def host_allowed(ctx: RunContext, url: str) -> None:
    """Refuse a URL whose scheme is not http(s) or whose host the manifest does not list."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ToolError(f"only http and https URLs are allowed, not {url!r}")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise ToolError(f"the URL has no host: {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ToolError(f"bad port in URL {url!r}") from None
    allowed = sorted(ctx.permissions.hosts)
    for pattern in allowed:
        name, _, want_port = pattern.lower().partition(":")
        if want_port and int(want_port) != port:
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]) and host != name[2:]:
                return
        elif host == name:
            return
    if not allowed:
        raise PermissionDenied(
            f"host {host!r} is not allowed: this spell may reach no host "
            "(list hosts under permissions.network.hosts in spell.yaml)"
        )
    raise PermissionDenied(
        f"host {host!r} is not allowed; allowed hosts: [{', '.join(allowed)}] "
        "(permissions.network.hosts in spell.yaml)"
    )


def remaining_time(ctx: RunContext, wanted: float) -> float:
    """A timeout no longer than what is left of the run's time limit."""
    left = ctx.deadline - time.monotonic()
    if left <= 0:
        ctx.check_deadline()
    return max(0.05, min(wanted, MAX_TIMEOUT, left))


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

    result: dict[str, Any] = outside(ctx, "http", produce, f"{method.upper()} {url}")
    return result


# -- XML, refusing entity expansion -----------------------------------------------------------

_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_XML = 5 * 1024 * 1024


def parse_xml(text: str) -> ET.Element:
    """Parse XML with the stdlib, refusing any DOCTYPE or ENTITY declaration (no entity
    expansion, no external entities: the attacks defusedxml guards against)."""
    if len(text) > MAX_XML:
        raise ToolError(f"XML text is larger than {MAX_XML // (1024 * 1024)} MB")
    if _DTD.search(text):
        raise ToolError("XML with a DOCTYPE or ENTITY declaration is refused (entity expansion)")
    try:
        return ET.fromstring(text.lstrip("\ufeff").strip())
    except ET.ParseError as exc:
        raise ToolError(f"invalid XML: {exc}") from None


def local_name(tag: Any) -> str:
    tag = str(tag)
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


# -- HTML to text ---------------------------------------------------------------------------

_HIDDEN = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header",
    "footer", "nav", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote",
    "hr", "dd", "dt", "figcaption", "main", "form",
}  # fmt: skip
_VOID = {
    "br",
    "hr",
    "img",
    "input",
    "meta",
    "link",
    "area",
    "base",
    "col",
    "embed",
    "source",
    "wbr",
}


class _TextExtractor(html.parser.HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.title = ""
        self.parts: list[str] = []
        self.links: list[dict[str, str]] = []
        self._hidden = 0
        self._in_title = False
        self._link: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _HIDDEN and tag not in _VOID:
            self._hidden += 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("javascript:", "#")):
                self._link = {"url": urllib.parse.urljoin(self.base_url, href), "text": []}

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN and self._hidden:
            self._hidden -= 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a" and self._link is not None:
            text = " ".join("".join(self._link["text"]).split())
            self.links.append({"text": text, "url": self._link["url"]})
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._hidden:
            return
        self.parts.append(data)
        if self._link is not None:
            self._link["text"].append(data)


def html_to_text(markup: str, base_url: str = "") -> dict[str, Any]:
    """{title, text, links}: the visible text of an HTML page with its blocks on lines."""
    parser = _TextExtractor(base_url)
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(line for line in lines if line)
    return {"title": " ".join(parser.title.split()), "text": text, "links": parser.links}
