"""Checkpoints, and resuming a workflow from those of an earlier run (`llmspell run --resume`).

While a top-level `workflow.run` goes on, `Run.frames` holds one frame per workflow in
progress (the top-level one and every nested one, by node path): where it is.

- sequential: `done` steps done, `step` the last of them, `state` after it;
- loop: `iteration` (the one in progress, counted from 1), `done` steps of its body done in
  it, `step`, `state` after them (for `over`, with the item and index);
- conditional: `chosen`, the branch decided on (set when it is decided, before it runs);
- parallel: `state` the branches' input, `finished` the updates of each branch that finished.

After each step, at any depth, the run's state gets `workflow.<id>.checkpoint` = {version 2,
call, step (node), completed, state (after that step), frames}; when a conditional decides,
the same with `decided` (the chosen node) instead of `step`; when the top-level workflow
ends, `step` is its name, `state` the final state and `finished` true. A frame without
`state` has the checkpoint's own (it is the same: written once). `call` tells apart two
top-level runs of one workflow in a spell (1, 2...).

On resume the host (engines/store/checkpoints.py) gives `ctx.resume` = {run, checkpoints:
{id or id#call: checkpoint}}. The n-th top-level run of a workflow takes the checkpoint of
its n-th run: if that one finished, its final state comes back without running a step;
otherwise each workflow that finds its frame goes on from it (steps done are `skipped`,
reason "done in run …"), and the others start from their beginning. A checkpoint written
before version 2 has no frames: a sequential workflow goes on after its last top-level step,
as it always did; other kinds start over, and a `workflow.checkpoint` record says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engines.api.context import RunContext
from engines.errors import ApiError

if TYPE_CHECKING:
    from engines.api.state import StateService
    from engines.api.workflow_model import Run, Workflow

VERSION = 2


def checkpoint_key(workflow: str, call: int) -> str:
    """The key of a call's checkpoint in `ctx.resume["checkpoints"]`."""
    return workflow if call <= 1 else f"{workflow}#{call}"


def take_resume(ctx: RunContext, wf: Workflow, run: Run) -> dict[str, Any] | None:
    """For a top-level run of `wf`: sets what `run` goes on from; returns the final state
    when the same call had finished in the run resumed."""
    resume = ctx.resume
    if not resume:
        return None
    checkpoint = resume.get("checkpoints", {}).pop(checkpoint_key(wf.id, run.call), None)
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("state"), dict):
        return None
    source = str(resume.get("run"))
    note: dict[str, Any] = {"workflow": wf.id, "resumed_from": source}
    if checkpoint.get("version") is None:
        frames = _legacy_frames(wf, checkpoint)
        if frames is None:
            ctx.emit(
                "workflow.checkpoint",
                {**note, "resumed": False, "reason": f"the checkpoint of run {source} was "
                 f"written by an older version, without a position inside a {wf.kind} "
                 "workflow: it starts over"},
            )  # fmt: skip
            return None
    elif checkpoint.get("finished"):
        run.done = int(checkpoint.get("completed") or 0)
        ctx.emit("workflow.checkpoint", {**note, "step": wf.name, "finished": True})
        return dict(checkpoint["state"])
    else:
        frames = {}
        for path, frame in (checkpoint.get("frames") or {}).items():
            if isinstance(frame, dict):
                frames[path] = (
                    frame if "state" in frame else {**frame, "state": checkpoint["state"]}
                )
    run.resumed_from = source
    run.resume = frames
    run.done = int(checkpoint.get("completed") or 0)
    ctx.emit(
        "workflow.checkpoint",
        {**note, "step": checkpoint.get("step") or checkpoint.get("decided")},
    )
    return None


def _legacy_frames(wf: Workflow, checkpoint: dict[str, Any]) -> dict[str, Any] | None:
    """A checkpoint without version: after a top-level step of a sequential workflow."""
    if wf.kind != "sequential":
        return None
    names = [f"{wf.name}/{step.name}" for step in wf.steps]
    done = str(checkpoint.get("step", ""))
    if done not in names:
        return {}  # the workflow changed since: nothing to go on from
    index = names.index(done)
    return {
        wf.name: {
            "kind": "sequential",
            "done": index + 1,
            "step": wf.steps[index].name,
            "state": checkpoint["state"],
        }
    }


def resumed_frame(ctx: RunContext, run: Run, wf: Workflow, path: str) -> dict[str, Any] | None:
    """The frame `wf` at `path` goes on from, if it fits the workflow as it is now."""
    frame = run.resume.pop(path, None)
    if frame is None:
        return None
    reason = _misfit(wf, frame)
    if reason is None:
        return frame
    ctx.emit(
        "workflow.checkpoint",
        {"workflow": wf.id, "node": path, "resumed": False, "reason": f"{reason}: it starts over"},
    )
    return None


def _misfit(wf: Workflow, frame: dict[str, Any]) -> str | None:
    if frame.get("kind") != wf.kind:
        return f"the checkpoint is of a {frame.get('kind')} workflow, this one is {wf.kind}"
    if wf.kind in ("sequential", "loop"):
        done = frame.get("done")
        if not isinstance(done, int) or not 0 <= done <= len(wf.steps):
            return "the checkpoint's step count does not fit the workflow"
        if done and wf.steps[done - 1].name != frame.get("step"):
            return f"the workflow has no step {frame.get('step')!r} where the checkpoint has it"
        if not isinstance(frame.get("state"), dict):
            return "the checkpoint has no state"
        if wf.kind == "loop" and not isinstance(frame.get("iteration"), int):
            return "the checkpoint has no iteration"
    if wf.kind == "parallel" and not (
        isinstance(frame.get("finished"), dict) and isinstance(frame.get("state"), dict)
    ):
        return "the checkpoint has no branches"
    return None


def open_frame(run: Run, path: str, frame: dict[str, Any]) -> None:
    with run.lock:
        run.frames[path] = frame


def close_frame(run: Run, path: str) -> None:
    with run.lock:
        run.frames.pop(path, None)


def write_checkpoint(
    ctx: RunContext,
    state_service: StateService,
    run: Run,
    node: str,
    state: dict[str, Any],
    event: str = "step",
) -> None:
    """After a step (`step`: the node, at any depth, and the state after it), when a
    conditional decides (`decided`: the branch's node, and the state it starts from: not a
    step done, so not under `step`, which the studio reads as one), or when the top-level
    workflow ends (`finished`: the final state)."""
    with run.lock:
        if event == "step":
            run.done += 1
        frames = {path: _saved(frame, state) for path, frame in run.frames.items()}
    checkpoint: dict[str, Any] = {
        "version": VERSION,
        "call": run.call,
        "step" if event == "step" else "decided": node,
        "completed": run.done,
        "state": state,
        "frames": frames,
    }
    if event == "finished":
        checkpoint = {**checkpoint, "step": node, "finished": True}
        del checkpoint["decided"]
    try:
        state_service.set(f"workflow.{run.root}.checkpoint", checkpoint, "run")
    except ApiError as exc:
        # A state holding something JSON cannot keep (a function): no checkpoint.
        ctx.emit("workflow.checkpoint", {"workflow": run.root, "saved": False, "reason": str(exc)})


def _saved(frame: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """A copy of the frame to save; without its state when it is the checkpoint's own."""
    saved = dict(frame)
    if saved.get("state") is state:
        del saved["state"]
    if "finished" in saved:
        saved["finished"] = dict(saved["finished"])
    return saved
