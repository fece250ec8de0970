"""Another spell as a workflow step (`{spell = "steps/summarise"}`), of any engine.

The step runs the spell (a folder or a file inside the calling spell's folder) in this
process, as part of the same run: its records go to the run's stream, its spans nest under
the step's span (it shares the run's trace service), and it shares the run's time limit,
cancellation and replay. It receives the workflow state as its parameters (every top-level
key, typed and checked for the parameters its spell.yaml declares; the step's `params`
add to them or override them, "$path" strings naming state values), and what it leaves in
its own run-scope state (`state.set("summary", …)`) comes back as the step's updates, key by
key. Its spell and global state scopes are the real ones; its run scope is its own.
A spell step runs without the debugger: breakpoints inside it do not stop.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from engines.api.context import RunContext
from engines.errors import ApiError, LimitExceeded, SpellError

if TYPE_CHECKING:
    from engines.api.state_store import StateStore
    from engines.api.telemetry_services import TraceService


class _ChildTelemetry:
    """The sub-spell's telemetry: its own run id (for its run-scope state), the run's stream."""

    def __init__(self, parent: Any, run_id: str) -> None:
        self._parent = parent
        self.run_id = run_id

    def emit(self, kind: str, data: dict[str, Any]) -> Any:
        return self._parent.emit(kind, data)

    def add_sink(self, sink: Any) -> None:
        self._parent.add_sink(sink)


def find_spell(ctx: RunContext, target: str) -> Path:
    root = Path(ctx.spell.dir).resolve()
    path = (root / target).resolve()
    if not path.is_relative_to(root) or not path.exists():
        raise ApiError(f"no spell {target!r} in the spell's folder")
    return path


def run_spell_step(
    ctx: RunContext,
    trace: TraceService,
    store: StateStore | None,
    target: str,
    state: dict[str, Any],
    params: dict[str, Any],
    node: str,
) -> dict[str, Any]:
    """Run the spell `target` on `state`; returns its run-scope state (the step's updates)."""
    from engines import registry
    from engines.api.services import Services
    from engines.runner import context_for
    from engines.spell.errors import SpellLoadError
    from engines.spell.loader import load_spell
    from engines.spell.params import resolve_params

    try:
        spell = load_spell(find_spell(ctx, target))
        given = {**state, **params}
        if spell.manifest_path is not None or spell.parameters:
            declared = {k: v for k, v in given.items() if k in spell.parameters}
            given = {**given, **resolve_params(spell, declared, {})}
        source = spell.entry.read_text(encoding="utf-8")
    except (SpellLoadError, OSError, UnicodeDecodeError) as exc:
        raise ApiError(f"spell step {node}: {exc}") from None
    child = context_for(spell, given, [], state_db=ctx.state_db, timeout=ctx.limits.timeout)
    child.telemetry = _ChildTelemetry(ctx.telemetry, f"{ctx.run_id}.{node}")  # type: ignore[assignment]
    child.started, child.cancelled, child.replay = ctx.started, ctx.cancelled, ctx.replay
    services = Services(child, store)
    services.trace = trace  # its spans nest under the step's
    engine: Any = None
    attributes = {"llmspell.spell.name": spell.name, "llmspell.spell.engine": spell.engine}
    try:
        with trace.span(f"invoke_spell {spell.name}", attributes):
            engine = registry.engine_class(spell.engine)(services)
            engine.run(source, spell.entry.relative_to(spell.dir).as_posix())
            return {
                key: services.state.get(key, None, "run")
                for key in services.state.keys(None, "run")
            }
    except LimitExceeded:
        raise
    except SpellError as exc:
        where = f" ({Path(exc.file).name}:{exc.line})" if exc.file and exc.line else ""
        raise ApiError(f"spell {spell.name} failed{where}: {exc.message}") from None
    finally:
        if engine is not None:
            engine.close()
        services.close()
