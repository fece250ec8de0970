"""Runs one spell in this process: context, services, engine, and the run's start and end
records. Clients (the CLI today, the engine host later) build on `run_spell`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines import registry
from engines.api.context import RunContext, RunLimits, RunPermissions, SpellInfo, new_run_id
from engines.api.hooks import HookError
from engines.api.services import Services
from engines.errors import ExitCode, LimitExceeded, SpellError
from engines.spell.model import Spell
from engines.telemetry import Sink, Telemetry


@dataclass
class RunResult:
    run_id: str
    status: str  # "ok", "error", "limit"
    exit_code: ExitCode
    error: SpellError | None
    duration: float


def context_for(
    spell: Spell,
    params: dict[str, Any],
    sinks: Iterable[Sink],
    *,
    run_id: str | None = None,
    state_db: str | Path = ":memory:",
    timeout: float | None = None,
) -> RunContext:
    limits = RunLimits(
        timeout=timeout if timeout is not None else spell.limits.timeout,
        memory=spell.limits.memory,
        instructions=spell.limits.instructions,
    )
    permissions = RunPermissions(
        env=frozenset(spell.permissions.env),
        read_roots=spell.permissions.files_read,
        write_roots=spell.permissions.files_write,
        hosts=frozenset(spell.permissions.network_hosts),
        exec=spell.permissions.exec,
    )
    return RunContext(
        spell=SpellInfo(spell.name, spell.version, spell.dir, spell.engine),
        telemetry=Telemetry(run_id or new_run_id(), sinks),
        params=dict(params),
        permissions=permissions,
        limits=limits,
        state_db=str(state_db),
    )


def run_spell(spell: Spell, ctx: RunContext, debugger: Any = None) -> RunResult:
    """Run the spell to its end; every failure becomes a result, never an exception."""
    started = time.monotonic()
    ctx.emit(
        "run.start",
        {
            "spell": spell.name,
            "engine": spell.engine,
            "entry": str(spell.entry),
            "params": ctx.params,
            "limits": {"timeout": ctx.limits.timeout, "memory": ctx.limits.memory},
        },
    )
    error: SpellError | None = None
    services: Services | None = None
    engine: Any = None
    try:
        source = _read_source(spell.entry)
        services = Services(ctx)
        engine_class = registry.engine_class(spell.engine)
        engine = (
            engine_class(services, debugger) if debugger is not None else engine_class(services)
        )
        services.hooks.run("run_start", {"spell": spell.name})
        engine.run(source, spell.entry.relative_to(spell.dir).as_posix())
        _fire_run_stop(engine, services, "ok")
    except SpellError as exc:
        error = exc
        if services is not None and engine is not None and not isinstance(exc, LimitExceeded):
            try:
                _fire_run_stop(engine, services, "error")
            except SpellError as stop_error:
                error = stop_error
    finally:
        if engine is not None:
            engine.close()
        if services is not None:
            services.close()
    status = status_of(error)
    exit_code = ExitCode.OK if error is None else error.exit_code
    duration = time.monotonic() - started
    end: dict[str, Any] = {"status": status, "exit_code": int(exit_code), "duration": duration}
    if error is not None:
        end["error"] = error_record(error)
    ctx.emit("run.end", end)
    return RunResult(ctx.run_id, status, exit_code, error, duration)


def status_of(error: SpellError | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, LimitExceeded):
        return "terminated" if error.limit == "terminated" else "limit"
    return "error"


def _fire_run_stop(engine: Any, services: Services, status: str) -> None:
    if not services.hooks.has_hooks("run_stop"):
        return
    try:
        engine.call(services.hooks.run, "run_stop", {"status": status})
    except HookError as exc:
        raise SpellError(str(exc)) from exc


def _read_source(entry: Path) -> str:
    try:
        return entry.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpellError(f"the spell is not UTF-8 text ({exc.reason})", file=str(entry)) from None
    except OSError as exc:
        raise SpellError(f"cannot read the spell: {exc.strerror}", file=str(entry)) from None


def error_record(error: SpellError) -> dict[str, Any]:
    record: dict[str, Any] = {
        "message": error.message,
        "kind": error.kind,
        "file": error.file,
        "line": error.line,
        "traceback": error.traceback,
    }
    if isinstance(error, LimitExceeded):
        record["limit"] = error.limit
    return record
