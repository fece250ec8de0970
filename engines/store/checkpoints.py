"""Workflow checkpoints of a past run, read back from the run store for `--resume RUN_ID`.

A top-level workflow step's checkpoint is a `state` record of the run scope at
`workflow.<id>.checkpoint` (engines/api/workflow.py): the last step done, how many are done,
and the whole state after it. The last one per workflow is where a resumed run goes on from.
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
    checkpoints: dict[str, dict[str, Any]]  # workflow id -> its last checkpoint

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
            found[path[len("workflow.") : -len(".checkpoint")]] = data["new"]
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
            f"cannot resume run {info.id}: it has no workflow checkpoint (no top-level "
            "workflow step finished)"
        )
    return ResumePoint(info, checkpoints)
