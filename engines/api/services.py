"""Builds the services of one run from its context: the single place that knows them all.

The services that talk to the outside world (tools, llm, agent) are made on first use, so a
spell that never calls them never imports them: starting a run stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

from engines.api.basic import JsonService, LogService, ParamsService, SpellService, UtilService
from engines.api.binding import bind, make_caller
from engines.api.context import RunContext
from engines.api.declarations import API, Function, Module
from engines.api.events import EventsService
from engines.api.hooks import HooksService
from engines.api.state import StateService
from engines.api.state_store import StateStore
from engines.api.telemetry_services import MetricsService, TraceService

if TYPE_CHECKING:
    from engines.api.agent import AgentService
    from engines.api.llm import LlmService
    from engines.api.tools import ToolsService
    from engines.api.workflow import WorkflowService

MODULES = ("log", "json", "params", "spell", "util", "state", "events", "hooks", "trace", "metrics")
DEFERRED = ("tools", "llm", "agent", "workflow")


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

    @cached_property
    def tools(self) -> ToolsService:
        from engines.api.tools import ToolsService

        return ToolsService(self.ctx, trace=self.trace, hooks=self.hooks)

    @cached_property
    def llm(self) -> LlmService:
        from engines.api.llm import LlmService

        return LlmService(self.ctx, self.trace, self.metrics, self.hooks)

    @cached_property
    def agent(self) -> AgentService:
        from engines.api.agent import AgentService

        return AgentService(self.ctx, self.llm, self.tools, self.trace, self.hooks, self.state)

    @cached_property
    def workflow(self) -> WorkflowService:
        from engines.api.workflow import WorkflowService

        return WorkflowService(
            self.ctx,
            self.trace,
            self.hooks,
            self.state,
            tools=lambda: self.tools,
            agent=lambda: self.agent,
        )

    def by_module(self) -> dict[str, Any]:
        """Every service, made now (for introspection and tests)."""
        return {name: getattr(self, name) for name in (*MODULES, *DEFERRED)}

    def bindings(self) -> Iterator[tuple[Module, Function, Any]]:
        """Every declared function with its checked caller, for engine adapters: the deferred
        services are made (and imported) by their first call, not here."""
        yield from bind({name: getattr(self, name) for name in MODULES})
        for module in API:
            if module.name in DEFERRED:
                for decl in module.functions:
                    yield (
                        module,
                        decl,
                        make_caller(module, decl, self._late(module.name, decl.name)),
                    )

    def _late(self, service: str, function: str) -> Any:
        def call(*args: Any) -> Any:
            return getattr(getattr(self, service), function)(*args)

        call.__name__ = f"{service}.{function}"
        return call

    def close(self) -> None:
        if self._owns_store:
            self.store.close()
