"""Resuming a workflow from a checkpoint of an earlier run (`llmspell run --resume RUN_ID`).

The host finds the last checkpoint of each top-level workflow of that run
(engines/store/checkpoints.py) and puts them in `ctx.resume`. The spell runs again from its
start; when it runs a sequential workflow that has a checkpoint, the workflow starts from the
checkpoint's state, and its top-level steps up to the checkpoint's step are not run again
(each gets a `skipped` record, "done in run …"). A checkpoint is used once. Other kinds of
workflow (parallel, conditional, loop) run from their start, with the state the spell gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engines.api.context import RunContext

if TYPE_CHECKING:
    from engines.api.workflow import Workflow, _Run


def resume_from(ctx: RunContext, wf: Workflow, run: _Run, state: dict[str, Any]) -> dict[str, Any]:
    """The state a top-level run of `wf` starts with; marks the steps already done in `run`."""
    resume = ctx.resume
    if not resume or wf.kind != "sequential":
        return state
    checkpoint = resume.get("checkpoints", {}).pop(wf.id, None)
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("state"), dict):
        return state
    done = str(checkpoint.get("step", ""))
    names = [f"{wf.name}/{step.name}" for step in wf.steps]
    if done not in names:
        return state  # the workflow changed since: nothing to go on from
    run.resumed_from = str(resume.get("run"))
    run.resumed_steps = names.index(done) + 1
    run.done = int(checkpoint.get("completed") or run.resumed_steps)
    ctx.emit(
        "workflow.checkpoint",
        {"workflow": wf.id, "resumed_from": run.resumed_from, "step": done},
    )
    return dict(checkpoint["state"])
