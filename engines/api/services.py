"""Builds the services of one run from its context: the single place that knows them all."""

from __future__ import annotations

from typing import Any

from engines.api.agent import AgentService
from engines.api.basic import JsonService, LogService, ParamsService, SpellService, UtilService
from engines.api.context import RunContext
from engines.api.events import EventsService
from engines.api.hooks import HooksService
from engines.api.llm import LlmService
from engines.api.state import StateService
from engines.api.state_store import StateStore
from engines.api.telemetry_services import MetricsService, TraceService
from engines.api.tools import ToolsService


class Services:
    """The services of one run, by module name; `close()` releases the state database."""

    def __init__(self, ctx: RunContext, store: StateStore | None = None) -> None:
        self.ctx = ctx
        self._owns_store = store is None
        self.store = store or StateStore(ctx.state_db)
        self.log = LogService(ctx)
        self.json = JsonService(ctx)
        self.params = ParamsService(ctx)
        self.spell = SpellService(ctx)
        self.util = UtilService(ctx)
        self.state = StateService(ctx, self.store)
        self.events = EventsService(ctx)
        self.hooks = HooksService(ctx)
        self.trace = TraceService(ctx)
        self.metrics = MetricsService(ctx)
        self.tools = ToolsService(ctx, trace=self.trace, hooks=self.hooks)
        self.llm = LlmService(ctx, self.trace, self.metrics, self.hooks)
        self.agent = AgentService(ctx, self.llm, self.tools, self.trace, self.hooks, self.state)

    def by_module(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in (
                "log", "json", "params", "spell", "util",
                "state", "events", "hooks", "trace", "metrics", "tools", "llm", "agent",
            )
        }  # fmt: skip

    def close(self) -> None:
        if self._owns_store:
            self.store.close()
