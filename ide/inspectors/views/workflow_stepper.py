"""Stepping through a workflow from its graph: "Run to this step" and "Skip this step".

The protocol (docs/debugging.md): the function breakpoint `step:NAME` stops before the step
named NAME; while stopped there, the custom request `skipStep {threadId}` skips it. So:

- run to a step: add `step:NAME` to the breakpoints (the user's others stay) and continue, or
  start a debug session when none runs; at the stop, the one-shot breakpoint goes away again;
- skip a step: when paused before it, send `skipStep`; otherwise run to it and skip it there.

A `step:NAME` breakpoint stops at every step of that name; one of ours that stops at a
same-named step elsewhere in the graph continues by itself. Requests go through the studio's
`RunController`; what the host answers, errors included, is reported, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from ide.inspectors.models.workflow import WorkflowModel

Report = Callable[[str, str], None]
SKIP_REQUEST = "skipStep"


@dataclass
class Pending:
    node_id: str
    name: str
    action: str  # run_to or skip
    added: bool  # the breakpoint is ours (the user had not set it)

    @property
    def breakpoint(self) -> str:
        return f"step:{self.name}"


def step_stop(body: dict[str, Any], model: WorkflowModel) -> tuple[str | None, Any, bool]:
    """For a stop before a workflow step (or after one, `step_done`): the node, the state it
    shows, and whether it is after the step; (None, None, False) for any other stop."""
    extra = body.get("llmspell")
    payload = extra.get("payload") if isinstance(extra, dict) else None
    kind = extra.get("kind") if isinstance(extra, dict) else None
    if kind not in ("step", "step_done") or not isinstance(payload, dict):
        return None, None, False
    node = payload.get("node") or payload.get("step")
    if not isinstance(node, str):
        return None, None, False
    if node not in model.nodes and "/" not in node:  # a bare step name: the one node of it
        named = model.find_step(node)
        node = named[0] if len(named) == 1 else node
    return node, payload.get("state"), kind == "step_done"


class WorkflowStepper(QObject):
    sig_message = Signal(str, str)
    """Something to tell the user: (level, text); level is info, warn or error."""

    def __init__(self, model: WorkflowModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.controller: Any = None
        self._start_debug: Callable[[], bool] | None = None
        self.pending: Pending | None = None

    def attach(self, controller: Any, start_debug: Callable[[], bool]) -> None:
        """Drive `controller` (an `ide.run.controller.RunController`); `start_debug()` starts a
        debug session of the current spell and says whether it did."""
        self.controller = controller
        self._start_debug = start_debug
        controller.sig_paused.connect(self._on_paused)
        controller.sig_resumed.connect(self._on_resumed)
        controller.sig_run_finished.connect(self._on_finished)

    @property
    def attached(self) -> bool:
        return self.controller is not None

    def _say(self, level: str, text: str) -> None:
        self.sig_message.emit(level, text)

    # -- the two commands --------------------------------------------------------------------

    def run_to(self, node_id: str) -> bool:
        """Continue (or start debugging) until just before step `node_id`."""
        return self._go(node_id, "run_to")

    def skip(self, node_id: str) -> bool:
        """Skip step `node_id`: now, when paused before it; else when the spell gets there."""
        c = self.controller
        here = self.model.paused == node_id and not self.model.paused_after
        if c is not None and c.state == "paused" and here:
            self._send_skip(node_id)
            return True
        return self._go(node_id, "skip")

    def _go(self, node_id: str, action: str) -> bool:
        c = self.controller
        node = self.model.nodes.get(node_id)
        if c is None or node is None or node.parent is None:
            self._say("warn", "not a step of the workflow" if c else "no debugger attached")
            return False
        if c.active and not c.debug:
            self._say("warn", "this run is not a debug session: stop it and start it with Debug")
            return False
        if c.state in ("starting", "stopping"):
            self._say("warn", f"the run is {c.state}: try again in a moment")
            return False
        here = self.model.paused == node_id and not self.model.paused_after
        if action == "run_to" and c.state == "paused" and here:
            self._say("info", f"already paused before step {node.name}")
            return True
        self._drop_pending()
        bp = f"step:{node.name}"
        pending = Pending(node_id, node.name, action, bp not in c.breakpoints.functions)
        self.pending = pending
        if pending.added:
            c.breakpoints.set_function(bp, True)  # pushed to a running host by the controller
        what = "skip" if action == "skip" else "run to"
        if not c.active:
            if self._start_debug is None or not self._start_debug():
                self._drop_pending()
                self._say("error", f"cannot {what} step {node.name}: the spell did not start")
                return False
            self._say("info", f"debugging: will {what} step {node.name}")
            return True
        if c.state == "paused":
            # Continue only once the host has the breakpoint (requests run concurrently).
            def resume(response: dict[str, Any]) -> None:
                if not response.get("success"):
                    self._say("error", f"setFunctionBreakpoints: {response.get('message')}")
                elif c.state == "paused" and self.pending is pending:
                    c.resume()

            arguments = {"breakpoints": c.breakpoints.dap_functions()}
            c.session.call("setFunctionBreakpoints", arguments, resume)
        self._say("info", f"will {what} step {node.name} when the spell gets there")
        return True

    def _send_skip(self, node_id: str) -> None:
        name = self.model.nodes[node_id].name if node_id in self.model.nodes else node_id

        def answered(response: dict[str, Any]) -> None:
            if response.get("success"):
                self._say("info", f"skipped step {name}")
            else:
                message = response.get("message") or "no reason given"
                self._say("error", f"{SKIP_REQUEST} (skip step {name}) failed: {message}")

        self.controller.request(SKIP_REQUEST, {"threadId": 1}, answered)

    def _drop_pending(self) -> None:
        pending, self.pending = self.pending, None
        c = self.controller
        if pending is not None and pending.added and c is not None:
            c.breakpoints.set_function(pending.breakpoint, False)

    # -- from the controller -----------------------------------------------------------------

    def _on_paused(self, body: dict[str, Any], frames: list[dict[str, Any]]) -> None:
        node_id, state, after = step_stop(body, self.model)
        self.model.set_paused(node_id, state, after)
        pending = self.pending
        if pending is None or node_id is None or after:
            return
        if node_id.rpartition("/")[2] != pending.name and node_id != pending.node_id:
            return  # stopped elsewhere (the user's breakpoints): still on our way
        if node_id != pending.node_id and pending.added:
            self.controller.resume()  # a same-named step elsewhere: not the one asked for
            return
        self._drop_pending()
        if pending.action == "skip":
            self._send_skip(node_id)
        else:
            self._say("info", f"paused before step {pending.name}")

    def _on_resumed(self) -> None:
        if self.model.paused is not None:
            self.model.set_paused(None)

    def _on_finished(self, summary: dict[str, Any]) -> None:
        if self.model.paused is not None:
            self.model.set_paused(None)
        pending = self.pending
        if pending is not None:
            self._drop_pending()
            self._say("warn", f"the run ended before step {pending.name}")
