"""Drives real engine host subprocesses over DAP: a thin test harness over `HostClient`.

`host()` starts `python -m engines.host` (or any command), sends `initialize`, and returns a
`Dap` that keeps every event it receives, so a test can wait for the next event of a name
without losing the ones that came before it (output, telemetry, continued...).
"""

from __future__ import annotations

import os
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engines.host.client import HostClient

REPO = Path(__file__).resolve().parents[3]
SPELLBOOK = REPO / "resources" / "spellbook"
HOST_EXITED = "llmspell/hostExited"


class DapError(AssertionError):
    """A request failed, or an awaited event did not come."""


class Dap:
    """One host subprocess and everything it said."""

    def __init__(self, client_factory: Callable[[Callable[..., None]], HostClient]) -> None:
        self._cond = threading.Condition()
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._cursor: dict[str, int] = {}
        self.client = client_factory(self._on_event)
        self.program: str | None = None

    # -- events ----------------------------------------------------------------------------

    def _on_event(self, name: str, body: dict[str, Any]) -> None:
        with self._cond:
            self.events.append((name, body))
            self._cond.notify_all()

    def wait_event(self, name: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next not yet awaited event of that name (earlier ones are kept, not dropped)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index in range(self._cursor.get(name, 0), len(self.events)):
                    event, body = self.events[index]
                    if event == name:
                        self._cursor[name] = index + 1
                        return body
                self._cursor[name] = len(self.events)
                if name != HOST_EXITED and any(e == HOST_EXITED for e, _ in self.events):
                    raise DapError(f"the host exited before {name!r}: {self.client.exit_reason()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DapError(f"no {name!r} event within {timeout:g} s")
                self._cond.wait(remaining)

    def wait_exit(self, timeout: float = 5.0) -> int:
        """Waits for the host process to end; returns its return code."""
        self.client.process.wait(timeout)
        self.client.closed.wait(timeout)
        return int(self.client.process.returncode)

    def events_named(self, name: str) -> list[dict[str, Any]]:
        with self._cond:
            return [body for event, body in self.events if event == name]

    def records(self) -> list[dict[str, Any]]:
        """Every telemetry record received so far, in arrival order."""
        return [r for body in self.events_named("llmspell/telemetry") for r in body["records"]]

    def records_of(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.records() if r["kind"] == kind]

    def stdout(self) -> str:
        """What the spell printed (from output records)."""
        return "".join(r["text"] for r in self.records_of("output"))

    def outputs(self, category: str | None = None) -> list[dict[str, Any]]:
        return [
            body
            for body in self.events_named("output")
            if category is None or body.get("category") == category
        ]

    # -- requests --------------------------------------------------------------------------

    def raw(self, command: str, timeout: float = 5.0, **arguments: Any) -> dict[str, Any]:
        """The whole response, successful or not."""
        return self.client.request(command, arguments, timeout=timeout)

    def __call__(self, command: str, timeout: float = 5.0, **arguments: Any) -> dict[str, Any]:
        """The body of a successful response; fails the test on an error response."""
        response = self.raw(command, timeout, **arguments)
        if not response.get("success"):
            raise DapError(f"{command} failed: {response.get('message')}")
        return dict(response.get("body") or {})

    def error(self, command: str, **arguments: Any) -> str:
        """The message of a request that must fail."""
        response = self.raw(command, **arguments)
        assert response.get("success") is False, f"{command} unexpectedly succeeded: {response}"
        assert response.get("message"), response
        return str(response["message"])

    # -- launching -------------------------------------------------------------------------

    def launch(
        self,
        program: str | Path,
        *,
        breakpoints: list[int | dict[str, Any]] | None = None,
        functions: list[str] | None = None,
        exceptions: list[str] | None = None,
        configure: bool = True,
        **arguments: Any,
    ) -> Dap:
        """launch → setBreakpoints / setFunctionBreakpoints / setExceptionBreakpoints →
        configurationDone, as a DAP client does."""
        self.program = str(program)
        self("launch", program=str(program), **arguments)
        if breakpoints:
            self.set_breakpoints(breakpoints)
        if functions:
            self("setFunctionBreakpoints", breakpoints=[{"name": n} for n in functions])
        if exceptions:
            self("setExceptionBreakpoints", filters=exceptions)
        if configure:
            self("configurationDone")
        return self

    def set_breakpoints(
        self, breakpoints: list[int | dict[str, Any]], path: str | Path | None = None
    ) -> list[dict[str, Any]]:
        specs = [{"line": b} if isinstance(b, int) else b for b in breakpoints]
        source = {"path": str(path or self.program)}
        return list(self("setBreakpoints", source=source, breakpoints=specs)["breakpoints"])

    # -- stopped ---------------------------------------------------------------------------

    def stopped(self, timeout: float = 5.0) -> dict[str, Any]:
        return self.wait_event("stopped", timeout)

    def frames(self) -> list[dict[str, Any]]:
        return list(self("stackTrace", threadId=1)["stackFrames"])

    def line(self) -> int:
        return int(self.frames()[0]["line"])

    def where(self) -> list[tuple[str, int]]:
        return [(f["name"], f["line"]) for f in self.frames()]

    def step(self, command: str = "next") -> int:
        """Step and return the line it stopped at."""
        self(command, threadId=1)
        body = self.stopped()
        assert body["reason"] == "step", body
        return self.line()

    def resume(self) -> None:
        self("continue", threadId=1)

    def stop_lines(self, command: str, *, first_stop: bool = True) -> list[int]:
        """Lines of each stop while repeating `command` until the run ends."""
        lines = [self.line()] if first_stop else []
        while True:
            self(command, threadId=1)
            if self._ended_or_stopped():
                return lines
            lines.append(self.line())

    def _ended_or_stopped(self, timeout: float = 5.0) -> bool:
        """Waits for the next stop or the end of the run; True at the end."""
        deadline = time.monotonic() + timeout
        with self._cond:
            stops = self._cursor.get("stopped", 0)
            while True:
                names = [e for e, _ in self.events[stops:]]
                if "stopped" in names:
                    self._cursor["stopped"] = stops + names.index("stopped") + 1
                    return False
                if "terminated" in (e for e, _ in self.events):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DapError("neither stopped nor terminated")
                self._cond.wait(remaining)

    def locals(self, frame: int = 1, scope: int = 0) -> dict[str, str]:
        scopes = self("scopes", frameId=frame)["scopes"]
        return self.vars(scopes[scope]["variablesReference"])

    def vars(self, reference: int) -> dict[str, str]:
        found = self("variables", variablesReference=reference)["variables"]
        return {v["name"]: v["value"] for v in found}

    def evaluate(self, expression: str, context: str = "repl", frame: int | None = 1) -> str:
        args: dict[str, Any] = {"expression": expression, "context": context}
        if frame is not None:
            args["frameId"] = frame
        return str(self("evaluate", **args)["result"])

    def exit_code(self, timeout: float = 5.0) -> int:
        return int(self.wait_event("exited", timeout)["exitCode"])


def _host_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)  # the test's LLMSPELL_HOME (tests/conftest.py)
    env["PYTHONPATH"] = str(REPO)
    env.update(extra or {})
    return env


StartHost = Callable[..., Dap]


@pytest.fixture
def host() -> Iterator[StartHost]:
    """Starts initialized hosts; every one is killed at the end of the test."""
    started: list[Dap] = []

    def start(
        *,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
        initialize: bool = True,
    ) -> Dap:
        dap = Dap(
            lambda on_event: HostClient(
                on_event, command=command, env=_host_env(env), cwd=str(REPO)
            )
        )
        started.append(dap)
        if initialize:
            dap("initialize", clientID="tests", adapterID="llmspell", linesStartAt1=True)
            dap.wait_event("initialized")
        return dap

    yield start
    for dap in started:
        dap.client.kill()
        dap.client.close(timeout=1)


WriteSpell = Callable[..., Path]


@pytest.fixture
def spell(tmp_path: Path) -> WriteSpell:
    """Writes a Lua spell (and optionally its spell.yaml) and returns what to launch."""

    def write(source: str, *, manifest: str | None = None, name: str = "main.lua") -> Path:
        folder = tmp_path / "spell"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(textwrap.dedent(source).lstrip("\n"))
        if manifest is None:
            return Path(os.path.realpath(path))
        (folder / "spell.yaml").write_text(textwrap.dedent(manifest))
        return Path(os.path.realpath(folder))

    return write


@pytest.fixture
def lang_spell(spell: WriteSpell) -> Callable[[Any, str], Path]:
    """Writes a spell in a language of tests/engines/host/languages.py (its main file)."""
    return lambda lang, source: spell(source, name=lang.main)


def python() -> str:
    return sys.executable
