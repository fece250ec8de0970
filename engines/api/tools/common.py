"""What the builtin tools share: errors, the file roots, the replay boundary and the allowed
hosts. HTTP is in `net` and XML/HTML in `markup`, imported by the tools that need them when
they run: their standard-library modules cost ~40 ms, which every other tool call would pay."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
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


def local_name(tag: Any) -> str:
    tag = str(tag)
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag
