"""Workflow checkpoints of a past run, read back from the run store for `--resume RUN_ID`.

A workflow's checkpoint is a `state` record of the run scope at `workflow.<id>.checkpoint`,
written after each step (engines/api/workflow_resume.py says what it holds). The last one of
each top-level run of a workflow (`call` 1, 2..., absent in records written before version 2:
the first) is where a resumed run goes on from; keyed `id`, then `id#2`...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.store.runs import RunInfo, RunLookupError, RunStore


class ResumeError(Exception):
    """The run cannot be resumed: unknown, or it has no checkpoint."""


@dataclass
class ResumePoint:
    run: RunInfo
    checkpoints: dict[str, dict[str, Any]]  # workflow id (or id#call) -> its last checkpoint

    def for_context(self) -> dict[str, Any]:
        return {"run": self.run.id, "checkpoints": dict(self.checkpoints)}


def checkpoints_of(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last checkpoint of each workflow among a run's `state` records' data."""
    found: dict[str, dict[str, Any]] = {}
    for data in records:
        path = data.get("path")
        if (
            data.get("scope") == "run"
            and isinstance(path, str)
            and path.startswith("workflow.")
            and path.endswith(".checkpoint")
            and isinstance(data.get("new"), dict)
        ):
            workflow = path[len("workflow.") : -len(".checkpoint")]
            call = data["new"].get("call")
            if isinstance(call, int) and call > 1:
                workflow = f"{workflow}#{call}"
            found[workflow] = data["new"]
    return found


def resume_point(run_id: str, runs_db: str | None = None) -> ResumePoint:
    store = RunStore(runs_db)
    try:
        try:
            info = store.get_run(run_id)
        except RunLookupError as exc:
            raise ResumeError(f"cannot resume {run_id!r}: {exc}") from None
        records = [r.data for r in store.records(info.id, kinds=["state"])]
    finally:
        store.close()
    checkpoints = checkpoints_of(records)
    if not checkpoints:
        raise ResumeError(
            f"cannot resume run {info.id}: it has no workflow checkpoint (no workflow "
            "step finished)"
        )
    return ResumePoint(info, checkpoints)
