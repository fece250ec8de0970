"""One launched run inside the host: the spell, its parameters, its sinks and its end.

Launch arguments (beyond DAP's own `noDebug` and `stopOnEntry`): `program` (a spell file or
folder), `params` (typed values, as from a --params file), `paramArgs` (["k=v", ...] as from
--param), `limits` ({timeout, memory, instructions}), `runId`, `stateDb`, `resume` (a run id: go on
from its last workflow checkpoints, with its spell and parameters unless given).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from engines.errors import ExitCode, LimitExceeded
from engines.host.debugger import Debugger
from engines.host.protocol import MessageWriter
from engines.host.telemetry_sink import DapTelemetrySink


class SessionError(Exception):
    """The launch cannot go ahead (bad spell, manifest or parameters); exit code 2."""


class RunSession:
    def __init__(
        self,
        spell: Any,
        ctx: Any,
        writer: MessageWriter,
        debugger: Debugger | None,
        sinks: list[Any],
    ) -> None:
        self.spell = spell
        self.ctx = ctx
        self.writer = writer
        self.debugger = debugger
        self.no_debug = debugger is None
        # Closed in this order at the end: the store first, so a client that hears `exited`
        # finds the whole run in the store.
        self._sinks = sinks
        self._ended = threading.Lock()
        self._finished = False

    @classmethod
    def prepare(cls, args: dict[str, Any], writer: MessageWriter, debugger: Debugger) -> RunSession:
        from engines.runner import context_for
        from engines.spell.errors import SpellLoadError
        from engines.spell.loader import load_spell
        from engines.spell.params import parse_param_args, resolve_params

        program = args.get("program")
        resume = None
        if args.get("resume"):
            # `--resume RUN_ID`: that run's spell and parameters, and its last checkpoints.
            from engines.store.checkpoints import ResumeError, resume_point

            try:
                resume = resume_point(str(args["resume"]), args.get("runsDb"))
            except ResumeError as exc:
                raise SessionError(str(exc)) from None
            program = program or resume.run.spell_path
            args = {**args, "params": {**resume.run.params, **(args.get("params") or {})}}
        if not isinstance(program, str) or not program:
            raise SessionError("launch needs a 'program': the spell file or folder")
        params = args.get("params") or {}
        param_args = args.get("paramArgs") or []
        if not isinstance(params, dict) or not isinstance(param_args, list):
            raise SessionError("'params' must be an object and 'paramArgs' a list of k=v strings")
        limits = args.get("limits") or {}
        if not isinstance(limits, dict):
            raise SessionError("'limits' must be an object")
        try:
            spell = load_spell(program)
            values = resolve_params(spell, params, parse_param_args([str(a) for a in param_args]))
        except SpellLoadError as exc:
            raise SessionError(str(exc)) from None
        timeout = limits.get("timeout")
        if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
            raise SessionError("limits.timeout must be a positive number of seconds")
        state_db = args.get("stateDb")
        if state_db is None:
            from engines.api.state_store import default_state_db

            state_db = default_state_db()
        ctx = context_for(
            spell, values, [], run_id=args.get("runId"), state_db=state_db, timeout=timeout
        )
        sinks = _sinks_for(ctx, spell, args, writer)
        for sink in sinks:
            ctx.telemetry.add_sink(sink)
        if isinstance(limits.get("memory"), int) and limits["memory"] > 0:
            ctx.limits.memory = min(ctx.limits.memory, limits["memory"])
        if isinstance(limits.get("instructions"), int) and limits["instructions"] > 0:
            ctx.limits.instructions = limits["instructions"]
        if args.get("replay"):
            ctx.replay = _recording(str(args["replay"]), args.get("runsDb"))
        if resume is not None:
            ctx.resume = resume.for_context()
        debug = None if args.get("noDebug") else debugger
        if debug is not None:
            debug.clock_shift = ctx.shift_start
        return cls(spell, ctx, writer, debug, sinks)

    def run(self) -> None:
        from engines.runner import run_spell

        result = run_spell(self.spell, self.ctx, debugger=self.debugger)
        self._finish(int(result.exit_code))

    def _finish(self, exit_code: int) -> None:
        with self._ended:
            if self._finished:
                return
            self._finished = True
        for sink in self._sinks:
            try:
                sink.close()
            except Exception as exc:  # a store that fails must not hide the run's end
                self.writer.event(
                    "output", {"category": "important", "output": f"telemetry sink failed: {exc}\n"}
                )
        self.writer.event("exited", {"exitCode": exit_code})
        self.writer.event("terminated")

    def abandon(self, status: str, message: str) -> None:
        """The run cannot be stopped politely: record its end, tell the client, and exit."""
        with self._ended:
            if self._finished:
                return
        limit = LimitExceeded("timeout" if status == "limit" else status, message)
        code = int(ExitCode.LIMIT)
        from engines.runner import error_record

        self.ctx.emit(
            "run.end",
            {"status": status, "exit_code": code, "duration": None, "error": error_record(limit)},
        )
        self._finish(code)
        sys.stderr.flush()
        os._exit(code)


def _sinks_for(ctx: Any, spell: Any, args: dict[str, Any], writer: MessageWriter) -> list[Any]:
    """The run store (every run is recorded, whoever the client), live OTLP export when
    configured, and the client's telemetry events."""
    from engines.store.export import make_live_exporter
    from engines.store.runs import RunStore, StoreSink

    store = RunStore(args.get("runsDb"))
    store.start_run(
        ctx.run_id,
        spell.name,
        str(spell.dir),
        spell.engine,
        ctx.params,
        str(args.get("client") or "dap"),
        os.getpid(),
    )
    sinks: list[Any] = [StoreSink(store, pid=os.getpid())]
    live = make_live_exporter()
    if live is not None:
        sinks.append(live)
    sinks.append(DapTelemetrySink(writer))
    return sinks


def _recording(source: str, runs_db: str | None) -> Any:
    """A recording from a JSONL file of records, or from a run in the run store."""
    from pathlib import Path

    from engines.replay import Recording

    path = Path(source)
    if path.is_file():
        return Recording.from_jsonl(path)
    from engines.store.runs import RunLookupError, RunStore

    store = RunStore(runs_db)
    try:
        info = store.get_run(source)
    except RunLookupError as exc:
        raise SessionError(f"cannot replay {source!r}: {exc}") from None
    records = [r.to_dict() for r in store.records(info.id, kinds=["recorded"])]
    return Recording.from_records(records, f"run {info.id}")
