"""Figures for the LLM layer (printed, never asserted): our overhead over a direct litellm
call to a local server, and the embedded model's first token and speed in an engine host."""

from __future__ import annotations

import statistics
import sys
import textwrap
import time

from engines.api.context import RunContext, SpellInfo
from engines.api.services import Services
from engines.host.client import HostClient
from engines.llm.client import litellm_module
from engines.telemetry import ListSink, Telemetry
from tests.support.openai_server import OpenAICompatibleServer, Reply

CALLS = 40


def test_overhead_over_direct_litellm(tmp_path, monkeypatch):
    """Our llm.chat versus litellm.completion, same server, same request (≤ 2 ms)."""
    server = OpenAICompatibleServer().start()
    server.default = Reply(text="ok")
    monkeypatch.setenv("LLMSPELL_PROVIDER_BENCH_BASE_URL", server.base_url)
    litellm = litellm_module()
    messages = [{"role": "user", "content": "hi"}]

    def direct() -> None:
        litellm.completion(
            model="openai/m",
            messages=messages,
            api_base=server.base_url,
            api_key="none",
            num_retries=0,
        )

    ctx = RunContext(
        spell=SpellInfo("bench", "1", tmp_path, "lua"), telemetry=Telemetry("b", [ListSink()])
    )
    services = Services(ctx)

    def ours() -> None:
        services.llm.chat("hi", {"model": "bench/m"})

    for fn in (direct, ours):
        fn()  # warm
    direct_times, our_times = [], []
    for _ in range(CALLS):
        for fn, times in ((direct, direct_times), (ours, our_times)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    server.stop()
    services.close()
    d, o = statistics.median(direct_times), statistics.median(our_times)
    print(
        f"\nllm.chat overhead over litellm.completion: {(o - d) * 1000:.2f} ms per call (median of {CALLS}: direct {d * 1000:.1f} ms, ours {o * 1000:.1f} ms)"
    )


def test_local_model_first_token_and_speed(tmp_path):
    """Embedded model in a fresh engine host: first token cold (model load included), tokens/s."""
    spell = tmp_path / "main.lua"
    spell.write_text(
        textwrap.dedent(
            """\
            local first = nil
            local started = os.clock()
            local answer = llm.stream("Write a short story about a robot learning to paint.",
              function(chunk) end, {temperature = 0, max_tokens = 200, seed = 1})
            print(answer.usage.output_tokens)
            """
        )
    )
    outputs: list[float] = []
    first_chunk: list[float] = []
    ended: list[dict] = []

    def on_event(name: str, body: dict) -> None:
        if name == "llmspell/telemetry":
            for record in body["records"]:
                if record["kind"] == "span.end" and record["name"].startswith("chat"):
                    ended.append(record)

    client = HostClient(on_event, command=[sys.executable, "-m", "engines.host"])
    client.request("initialize", {})
    start = time.perf_counter()
    client.request("launch", {"program": str(spell), "noDebug": True, "stateDb": ":memory:"})
    client.request("configurationDone")
    client.wait_for_event("exited", timeout=300)
    total = time.perf_counter() - start
    client.close()
    span = ended[0]
    tokens = span["attributes"]["gen_ai.usage.output_tokens"]
    ttfc = span["attributes"].get("llmspell.time_to_first_chunk") or 0.0
    generation = span["duration"] - ttfc
    print(
        f"\nlocal model in the host: first token {ttfc:.2f} s after the call (cold, model load included); "
        f"{tokens} tokens at {tokens / generation:.0f} tokens/s; launch to exit {total:.2f} s"
    )
    del outputs, first_chunk
