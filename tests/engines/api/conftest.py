"""Fixtures for the spell API tests: a run context with an in-memory sink, and its services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engines.api.binding import bind
from engines.api.context import RunContext, RunLimits, RunPermissions, SpellInfo
from engines.api.services import Services
from engines.telemetry import ListSink, Telemetry

MakeCtx = Callable[..., RunContext]


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def make_ctx(sink: ListSink, tmp_path: Path) -> MakeCtx:
    """Build a `RunContext` the way `engines.runner.context_for` does, with overridable parts."""

    def make(
        *,
        run_id: str = "run-1",
        spell: str = "demo",
        state_db: str | Path = ":memory:",
        env: frozenset[str] = frozenset(),
        timeout: float = 60.0,
        params: dict[str, Any] | None = None,
        sinks: list[Any] | None = None,
    ) -> RunContext:
        return RunContext(
            spell=SpellInfo(spell, "1.2.3", tmp_path / spell, "lua"),
            telemetry=Telemetry(run_id, [sink] if sinks is None else sinks),
            params=dict(params or {}),
            permissions=RunPermissions(env=env),
            limits=RunLimits(timeout=timeout),
            state_db=str(state_db),
        )

    return make


@pytest.fixture
def ctx(make_ctx: MakeCtx) -> RunContext:
    return make_ctx()


@pytest.fixture
def make_services() -> Iterator[Callable[[RunContext], Services]]:
    """Services factory; every Services it made is closed after the test."""
    made: list[Services] = []

    def make(ctx: RunContext) -> Services:
        services = Services(ctx)
        made.append(services)
        return services

    yield make
    for services in made:
        services.close()


@pytest.fixture
def services(ctx: RunContext, make_services: Callable[[RunContext], Services]) -> Services:
    return make_services(ctx)


@pytest.fixture
def api(services: Services) -> dict[str, Callable[..., Any]]:
    """The checked callables an engine adapter gets, by "module.function"."""
    return {f"{mod.name}.{decl.name}": call for mod, decl, call in bind(services.by_module())}
