"""Fixtures for the LLM layer: a real local OpenAI-compatible server and a run wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engines.api.context import RunContext, RunLimits, SpellInfo
from engines.api.services import Services
from engines.telemetry import ListSink, Telemetry
from tests.support.openai_server import OpenAICompatibleServer


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAICompatibleServer]:
    """A scripted server, configured as provider `test` (models `test/<anything>`)."""
    srv = OpenAICompatibleServer().start()
    monkeypatch.setenv("LLMSPELL_PROVIDER_TEST_BASE_URL", srv.base_url)
    monkeypatch.setenv("LLMSPELL_PROVIDER_TEST_API_KEY", "sk-test-secret-key-123")
    monkeypatch.setenv("LLMSPELL_MODEL", "test/test-model")
    yield srv
    srv.stop()


@pytest.fixture
def run(tmp_path: Path) -> Iterator[tuple[Services, ListSink]]:
    sink = ListSink()
    ctx = RunContext(
        spell=SpellInfo("llm-test", "1.0", tmp_path, "lua"),
        telemetry=Telemetry("run-llm", [sink]),
        limits=RunLimits(timeout=60),
    )
    services = Services(ctx)
    yield services, sink
    services.close()
