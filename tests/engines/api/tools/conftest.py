"""Fixtures for the tools tests: a run context with chosen permissions and its services, a
Lua spell runner, and a local HTTP server on 127.0.0.1 with scripted pages."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engines.api.context import RunContext, RunLimits, RunPermissions, SpellInfo
from engines.api.services import Services
from engines.telemetry import ListSink, Telemetry
from tests.support.spells import RunSpell, spell_runner


@dataclass
class ToolBox:
    ctx: RunContext
    services: Services
    sink: ListSink
    dir: Path

    @property
    def tools(self) -> Any:
        return self.services.tools

    def invoke(self, name: str, arguments: Any = None) -> dict[str, Any]:
        return self.services.tools.invoke(name, arguments)

    def ok(self, name: str, arguments: Any = None) -> Any:
        """The result of a call that must succeed."""
        outcome = self.invoke(name, arguments)
        assert outcome["ok"], outcome
        return outcome["result"]

    def error(self, name: str, arguments: Any = None) -> dict[str, str]:
        """The structured error of a call that must fail."""
        outcome = self.invoke(name, arguments)
        assert not outcome["ok"], outcome
        return outcome["error"]

    def spans(self, kind: str = "span.end") -> list[dict[str, Any]]:
        return [r.data for r in self.sink.of_kind(kind)]


MakeBox = Callable[..., ToolBox]


@pytest.fixture
def make_box(tmp_path: Path) -> Iterator[MakeBox]:
    """A ToolBox whose spell folder is tmp_path/spell with a `data/` folder in it; `read`
    and `write` are folders relative to the spell folder (both default to `data`)."""
    made: list[Services] = []

    def make(
        *,
        read: tuple[str, ...] = ("data",),
        write: tuple[str, ...] = ("data",),
        hosts: tuple[str, ...] = (),
        env: tuple[str, ...] = (),
        exec: bool = False,
        timeout: float = 60.0,
    ) -> ToolBox:
        folder = tmp_path / "spell"
        (folder / "data").mkdir(parents=True, exist_ok=True)
        sink = ListSink()
        ctx = RunContext(
            spell=SpellInfo("tools-test", "1.0.0", folder, "lua"),
            telemetry=Telemetry("run-tools", [sink]),
            permissions=RunPermissions(
                env=frozenset(env),
                read_roots=tuple((folder / r).resolve() for r in read),
                write_roots=tuple((folder / w).resolve() for w in write),
                hosts=frozenset(hosts),
                exec=exec,
            ),
            limits=RunLimits(timeout=timeout),
        )
        services = Services(ctx)
        made.append(services)
        return ToolBox(ctx, services, sink, folder)

    yield make
    for services in made:
        services.close()


@pytest.fixture
def box(make_box: MakeBox) -> ToolBox:
    return make_box()


# -- Lua spells --------------------------------------------------------------------------------


@pytest.fixture
def run_lua(tmp_path: Path) -> RunSpell:
    """Run a Lua spell in-process through the real runner (as tests/engines/lua does)."""
    return spell_runner(tmp_path / "lua-spell", "main.lua")


# -- a local HTTP server ---------------------------------------------------------------------------

Route = tuple[int, dict[str, str], bytes]


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, Route | Callable[[Any], Route]] = {}
    seen: list[dict[str, Any]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            status, headers, payload = 404, {"Content-Type": "text/plain"}, b"not found"
        else:
            status, headers, payload = route(self) if callable(route) else route
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer


@dataclass
class LocalServer:
    port: int
    routes: dict[str, Any]
    seen: list[dict[str, Any]]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """An HTTP server on 127.0.0.1 at a random port; tests fill `routes` (path → (status,
    headers, body) or a function of the request handler returning that)."""
    routes: dict[str, Any] = {}
    seen: list[dict[str, Any]] = []
    handler = type("Handler", (_Handler,), {"routes": routes, "seen": seen})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalServer(httpd.server_address[1], routes, seen)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
