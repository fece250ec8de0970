"""`RunSession`: one run in its own engine host subprocess, seen from the Qt thread.

The `HostClient` calls back on its reader thread; everything it delivers goes into an inbox
(records are decoded there, off the GUI thread) and a timer drains the inbox into the Qt
thread every `interval_ms`, in arrival order: records in batches, then DAP events. Requests
run on worker threads and answer through a queued signal, so a host that hangs or dies never
blocks the event loop; `stop()` always ends the run (HostClient kills the host after 1 s).
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from engines.host.client import HostClient, HostError
from engines.host.protocol import TELEMETRY_EVENT
from engines.telemetry import Record

Response = dict[str, Any]
Callback = Callable[[Response], None]
HOST_EXITED = "llmspell/hostExited"


class _EndEvents(queue.Queue):
    """The client's event queue, keeping only the events that end a run."""

    KEEP = ("terminated", "exited", HOST_EXITED)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item[0] in self.KEEP:
            super().put(item, block, timeout)


class RunSession(QObject):
    sig_records = Signal(list)
    """A batch of telemetry records (list[Record]), in order."""
    sig_event = Signal(str, dict)
    """A DAP event other than telemetry (stopped, continued, output, exited, ...), in order."""
    sig_response = Signal(object, object)
    """Internal: a request's callback and its response, marshalled into the Qt thread."""
    sig_closed = Signal()
    """The host is gone and every record and event was delivered."""

    def __init__(
        self,
        *,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
        interval_ms: int = 50,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._inbox: list[tuple[str, Any]] = []
        self._pending: deque[tuple[str, Any]] = deque()
        self.budget_ms = 15  # Qt-thread time per drain before yielding to the event loop
        self.chunk = 200  # records per batch handed to the views
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="dap-request")
        self.stopping = False
        self.closed = False
        self.sig_response.connect(self._deliver)
        self.client = HostClient(self._on_host_event, command=command, env=env)
        # HostClient also queues every event for readers that poll; we are called back
        # instead, and only `terminate()` reads that queue: keep just what it looks for.
        self.client.events = _EndEvents()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.drain)
        self._timer.start()

    @property
    def pid(self) -> int:
        return self.client.process.pid

    # -- from the reader thread ------------------------------------------------------------

    def _on_host_event(self, name: str, body: dict[str, Any]) -> None:
        if name == TELEMETRY_EVENT:
            records = []
            for raw in body.get("records", []):
                try:
                    records.append(Record.from_dict(raw))
                except (KeyError, TypeError, AttributeError):
                    continue  # a malformed record must not kill the reader thread
            item: tuple[str, Any] = ("", records)
        elif name == "output" and (body.get("data") or {}).get("llmspell"):
            return  # the same text as a record we already have: skip it on this thread
        else:
            item = (name, body)
        with self._lock:
            self._inbox.append(item)

    # -- in the Qt thread ------------------------------------------------------------------

    def drain(self) -> None:
        """Deliver what arrived, in order, for at most `budget_ms`; the rest on the next turn
        of the event loop, so that a flood of records never stalls the UI for long."""
        with self._lock:
            self._pending.extend(self._inbox)
            self._inbox = []
        clock = time.monotonic()
        deadline = clock + self.budget_ms / 1000
        batch: list[Record] = []
        while self._pending:
            name, body = self._pending[0]
            if not name:
                room = self.chunk - len(batch)
                if len(body) > room:
                    batch.extend(body[:room])
                    self._pending[0] = ("", body[room:])
                else:
                    batch.extend(body)
                    self._pending.popleft()
                if len(batch) >= self.chunk:
                    self.sig_records.emit(batch)
                    batch = []
                    if time.monotonic() > deadline:
                        break
                continue
            if batch:
                self.sig_records.emit(batch)
                batch = []
            self._pending.popleft()
            if name == HOST_EXITED:
                self._finish()
            elif name == "terminated" and not self.closed:
                self._disconnect()  # the host waits for it before exiting
            self.sig_event.emit(name, body)
        if batch:
            self.sig_records.emit(batch)
        if self._pending:
            # More to do: on a 1 ms timer, not a 0 ms one, so that other timers that are due
            # (the panes' refreshes, the user's input, paints) get their turn in between.
            QTimer.singleShot(1, self, self.drain)
        elif self.closed:
            self._timer.stop()
            self.sig_closed.emit()

    def _disconnect(self) -> None:
        """Let the host exit on its own (its reader then sees the end of the stream); kill it
        when it has not within 3 s. Closing the pipes here would race with the reader."""
        self.client.send("disconnect")

        def reap() -> None:
            try:
                self.client.process.wait(3)
            except subprocess.TimeoutExpired:
                self.client.kill()

        threading.Thread(target=reap, name="dap-reap", daemon=True).start()

    def _finish(self) -> None:
        self.closed = True

        def close() -> None:
            time.sleep(0.2)  # let the stderr reader see the end of its stream first
            self.client.close(1.0)

        threading.Thread(target=close, name="dap-close", daemon=True).start()
        self._pool.shutdown(wait=False)

    # -- requests --------------------------------------------------------------------------

    def _request(self, command: str, arguments: dict[str, Any] | None, timeout: float) -> Response:
        try:
            return self.client.request(command, arguments, timeout=timeout)
        except HostError as exc:
            return {"success": False, "message": str(exc)}

    def call(
        self,
        command: str,
        arguments: dict[str, Any] | None = None,
        callback: Callback | None = None,
        timeout: float = 10.0,
    ) -> None:
        """Send a request; `callback(response)` runs later in the Qt thread."""
        self.submit(lambda: self._request(command, arguments, timeout), callback)

    def submit(self, work: Callable[[], Response], callback: Callback | None = None) -> None:
        """Run `work` on a worker thread; hand its result to `callback` in the Qt thread."""
        if self.closed:
            if callback is not None:
                callback({"success": False, "message": "the run has ended"})
            return

        def run() -> None:
            try:
                response = work()
            except Exception as exc:  # a bug in a request must not vanish silently
                response = {"success": False, "message": f"{type(exc).__name__}: {exc}"}
            if callback is not None:
                try:
                    self.sig_response.emit(callback, response)
                except RuntimeError:  # the session (and its window) is gone
                    pass

        try:
            self._pool.submit(run)
        except RuntimeError:  # the pool was shut down meanwhile
            if callback is not None:
                callback({"success": False, "message": "the run has ended"})

    def _deliver(self, callback: Callback, response: Response) -> None:
        callback(response)

    def launch(
        self, arguments: dict[str, Any], configure: Callable[[], None], callback: Callback
    ) -> None:
        """initialize, launch, `configure()` (breakpoints; on the worker), configurationDone."""

        def work() -> Response:
            self._request(
                "initialize", {"clientID": "llmspell-studio", "adapterID": "llmspell"}, 10
            )
            response = self._request("launch", arguments, 30)
            if not response.get("success"):
                return response
            configure()
            return self._request("configurationDone", None, 10)

        self.submit(work, callback)

    def request_sync(self, command: str, arguments: dict[str, Any] | None = None) -> Response:
        """For code already on a worker thread (launch's `configure`)."""
        return self._request(command, arguments, 10)

    def stop(self) -> None:
        """End the run: ask politely, kill the host after 1 s. Never blocks the caller."""
        if self.closed or self.stopping:
            return
        self.stopping = True
        threading.Thread(target=self.client.terminate, name="dap-stop", daemon=True).start()

    def kill(self) -> None:
        threading.Thread(target=self.client.kill, name="dap-kill", daemon=True).start()
