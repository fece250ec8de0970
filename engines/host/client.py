"""A DAP client of an engine host subprocess: what the CLI, the IDE and the tests drive.

It never hangs on a dead host: every wait has a timeout, a host that goes away wakes every
waiter, and `exit_reason` says how it died (exit code, signal, or what it last printed).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from engines.host.protocol import MessageWriter, ProtocolError, read_message

EventHandler = Callable[[str, dict[str, Any]], None]


_LIFECYCLE = frozenset({"stopped", "continued", "exited", "terminated", "llmspell/hostExited"})


class HostError(Exception):
    """The host died or did not answer in time."""


class HostClient:
    def __init__(
        self,
        on_event: EventHandler | None = None,
        *,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        keep_events: bool = True,
    ) -> None:
        """`keep_events=False` keeps only lifecycle events in `events` (terminated, exited,
        stopped, hostExited): a client that handles every event in `on_event` would otherwise
        hold every telemetry batch of a long run in memory."""
        self._on_event = on_event
        self._keep_all = keep_events or on_event is None
        self._pending: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._pending_lock = threading.Lock()
        self.events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self._stderr_tail = b""
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "engines.host"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        assert self.process.stdin is not None
        self._writer = MessageWriter(self.process.stdin)  # type: ignore[arg-type]
        self.closed = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True, name="dap-reader")
        self._reader.start()
        threading.Thread(target=self._read_stderr, daemon=True, name="dap-stderr").start()

    # -- reading ---------------------------------------------------------------------------

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        try:
            while True:
                try:
                    message = read_message(stream)  # type: ignore[arg-type]
                except ProtocolError as exc:
                    self._deliver_event(
                        "output",
                        {
                            "category": "important",
                            "output": f"protocol error from the host: {exc}\n",
                        },
                    )
                    continue
                if message is None:
                    break
                if message.get("type") == "response":
                    with self._pending_lock:
                        waiter = self._pending.pop(int(message.get("request_seq", -1)), None)
                    if waiter is not None:
                        waiter.put(message)
                elif message.get("type") == "event":
                    self._deliver_event(str(message.get("event")), message.get("body") or {})
        finally:
            try:
                self.process.wait(2)  # so that exit_reason() can tell how it ended
            except subprocess.TimeoutExpired:
                pass
            self.closed.set()
            with self._pending_lock:
                waiters, self._pending = list(self._pending.values()), {}
            for waiter in waiters:
                waiter.put({"success": False, "message": "the engine host went away", "dead": True})
            self._deliver_event("llmspell/hostExited", {})

    def _deliver_event(self, name: str, body: dict[str, Any]) -> None:
        if self._on_event is not None:
            self._on_event(name, body)
        if self._keep_all or name in _LIFECYCLE:
            self.events.put((name, body))

    def _read_stderr(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        for chunk in iter(lambda: stream.read1(4096), b""):  # type: ignore[attr-defined]
            self._stderr_tail = (self._stderr_tail + chunk)[-4096:]

    # -- requests --------------------------------------------------------------------------

    def send(
        self, command: str, arguments: dict[str, Any] | None = None
    ) -> queue.Queue[dict[str, Any]]:
        waiter: queue.Queue[dict[str, Any]] = queue.Queue()
        if self.closed.is_set():
            waiter.put({"success": False, "message": "the engine host went away", "dead": True})
            return waiter
        with self._pending_lock:
            seq = self._writer.request(command, arguments or {})
            self._pending[seq] = waiter
        if self._writer.closed:
            with self._pending_lock:
                self._pending.pop(seq, None)
            waiter.put({"success": False, "message": "the engine host went away", "dead": True})
        return waiter

    def request(
        self, command: str, arguments: dict[str, Any] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send a request and wait for its response (success or not)."""
        try:
            return self.send(command, arguments).get(timeout=timeout)
        except queue.Empty:
            raise HostError(
                f"the engine host did not answer {command!r} within {timeout:g} s"
            ) from None

    def wait_for_event(self, name: str, timeout: float = 10.0) -> dict[str, Any]:
        """The next event of that name (events before it are consumed from `events`)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise HostError(f"no {name!r} event within {timeout:g} s")
            try:
                event, body = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event == name:
                return body
            if event == "llmspell/hostExited":
                raise HostError(f"the engine host exited before {name!r}: {self.exit_reason()}")

    # -- ending ----------------------------------------------------------------------------

    def terminate(self, grace: float = 1.0) -> None:
        """Ask the run to end; kill the host when it has not ended within `grace` seconds."""
        self.send("terminate")
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                event, _ = self.events.get(timeout=0.05)
            except queue.Empty:
                continue
            if event in ("terminated", "llmspell/hostExited"):
                return
        self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        self.process.wait(5)

    def close(self, timeout: float = 2.0) -> None:
        """Disconnect politely, then make sure the process is gone."""
        if self.process.poll() is None and not self.closed.is_set():
            self.send("disconnect")
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        # The reader ends at the host's end of stream; closing its pipe under it would fail.
        self._reader.join(timeout)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

    def exit_reason(self) -> str:
        code = self.process.poll()
        if code is None:
            return "still running"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            reason = f"killed by {name}"
        else:
            reason = f"exited with code {code}"
        tail = self._stderr_tail.decode("utf-8", "replace").strip()
        return f"{reason}: {tail.splitlines()[-1]}" if tail else reason

    def __enter__(self) -> HostClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
