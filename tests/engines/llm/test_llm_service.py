"""The llm service against a real local OpenAI-compatible HTTP server."""

from __future__ import annotations

import pytest

from engines.api.llm import _resilience
from engines.errors import ApiError
from tests.support.openai_server import Reply


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(_resilience.policy, "base_delay", 0.01)
    _resilience._breakers.clear()


def test_chat_returns_text_usage_and_a_genai_span(server, run):
    """A chat call answers with text and usage, inside a `chat {model}` span."""
    services, sink = run
    server.script(Reply(text="Paris is the capital.", prompt_tokens=7, completion_tokens=5))
    answer = services.llm.chat("What is the capital of France?", {"temperature": 0})
    assert answer["text"] == "Paris is the capital."
    assert answer["usage"] == {"input_tokens": 7, "output_tokens": 5}
    assert server.requests[0]["messages"] == [
        {"role": "user", "content": "What is the capital of France?"}
    ]
    end = sink.of_kind("span.end")[-1].data
    assert end["name"] == "chat test/test-model"
    attrs = end["attributes"]
    assert attrs["gen_ai.provider.name"] == "test"
    assert attrs["gen_ai.request.model"] == "test/test-model"
    assert attrs["gen_ai.usage.input_tokens"] == 7 and attrs["gen_ai.usage.output_tokens"] == 5
    assert "gen_ai.usage.cost" in attrs


def test_complete_and_system_prompt(server, run):
    """complete returns the text; a system prompt goes first."""
    services, _ = run
    server.script(Reply(text="ok"))
    assert services.llm.complete("hi", {"system": "Be brief."}) == "ok"
    assert server.requests[0]["messages"][0] == {"role": "system", "content": "Be brief."}


def test_stream_calls_back_per_chunk_and_records_time_to_first_chunk(server, run):
    """stream delivers the answer in chunks, in order, and the span has time to first chunk."""
    services, sink = run
    server.script(Reply(text="one two three four", chunk_size=3))
    chunks: list[str] = []
    answer = services.llm.stream("count", chunks.append)
    assert "".join(chunks) == "one two three four"
    assert len(chunks) > 3
    assert answer["text"] == "one two three four"
    attrs = sink.of_kind("span.end")[-1].data["attributes"]
    assert attrs["llmspell.time_to_first_chunk"] >= 0


def test_streamed_tool_calls_are_assembled(server, run):
    """Tool calls streamed in pieces come back whole."""
    services, _ = run
    server.script(Reply(tool_calls=[{"name": "add", "arguments": {"a": 2, "b": 40}}], chunk_size=2))
    answer = services.llm.stream("add", lambda _chunk: None, {"tools": [_tool_spec()]})
    assert answer["tool_calls"][0]["name"] == "add"
    assert answer["tool_calls"][0]["arguments"] == {"a": 2, "b": 40}


def test_retry_after_429_is_honoured_and_recorded(server, run):
    """A 429 with Retry-After is retried after that delay, and the retry is a record."""
    services, sink = run
    server.script(Reply(status=429, retry_after=0.2), Reply(text="finally"))
    assert services.llm.complete("hi") == "finally"
    retries = [r.data for r in sink.of_kind("resilience") if r.data["action"] == "retry"]
    assert len(retries) == 1
    assert retries[0]["delay"] == pytest.approx(0.2)
    assert retries[0]["status"] == 429


def test_server_errors_and_malformed_answers_are_retried(server, run):
    """500s and malformed JSON are retried; the call then succeeds."""
    services, sink = run
    server.script(Reply(status=500), Reply(malformed=True), Reply(text="good"))
    assert services.llm.complete("hi") == "good"
    assert len([r for r in sink.of_kind("resilience") if r.data["action"] == "retry"]) == 2


def test_fallback_to_the_next_model(server, run):
    """When a model keeps failing, the next model in the fallback list answers."""
    services, sink = run
    services.llm.fallbacks(["test/backup-model"])
    server.script(*[Reply(status=500)] * 4, Reply(text="from backup"))
    assert services.llm.complete("hi") == "from backup"
    assert server.requests[-1]["model"] == "backup-model"
    assert [r.data["to"] for r in sink.of_kind("resilience") if r.data["action"] == "fallback"] == [
        "test/backup-model"
    ]


def test_exhausted_retries_give_an_error_without_the_key(server, run):
    """A call that keeps failing raises an API error, and the API key appears nowhere."""
    services, sink = run
    server.script(*[Reply(status=500)] * 4)
    with pytest.raises(ApiError) as error:
        services.llm.complete("hi")
    assert "test/test-model" in str(error.value)
    text = str(error.value) + "".join(str(r.to_dict()) for r in sink.records)
    assert "sk-test-secret-key-123" not in text


def test_before_generate_hook_changes_the_request_and_after_generate_the_response(server, run):
    """Hooks see and change the request and the response."""
    services, _ = run
    services.hooks.register("before_generate", lambda p: {**p, "temperature": 0.5})
    services.hooks.register(
        "after_generate", lambda p: {**p, "response": {**p["response"], "text": "changed"}}
    )
    server.script(Reply(text="original"))
    assert services.llm.complete("hi") == "changed"
    assert server.requests[0]["temperature"] == 0.5


def test_before_generate_hook_may_cancel(server, run):
    """A cancelling hook stops the call before it reaches the server."""
    services, _ = run
    services.hooks.register("before_generate", lambda p: {"cancel": True, "reason": "budget"})
    with pytest.raises(ApiError, match="budget"):
        services.llm.complete("hi")
    assert server.requests == []


def test_structured_output_reasks_with_validation_errors(server, run):
    """An answer that does not match the schema is re-asked with the problems, then accepted."""
    services, _ = run
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    server.script(Reply(text='{"name": "Ada"}'), Reply(text='{"name": "Ada", "age": 36}'))
    assert services.llm.structured("Who?", schema) == {"name": "Ada", "age": 36}
    assert "age" in server.requests[1]["messages"][-1]["content"]


def test_metrics_for_tokens_cost_and_latency(server, run):
    """Each call adds to token and cost counters and the latency histogram."""
    services, _ = run
    server.script(
        Reply(text="a", prompt_tokens=3, completion_tokens=2),
        Reply(text="b", prompt_tokens=4, completion_tokens=1),
    )
    services.llm.complete("x")
    services.llm.complete("y")
    labels = {"model": "test-model"}
    assert services.metrics.get("llm.tokens.input", labels) == 7
    assert services.metrics.get("llm.tokens.output", labels) == 3
    assert services.metrics.get("llm.latency", labels)["count"] == 2


def test_replay_gives_the_same_answers_offline(server, run, tmp_path):
    """A recorded run replays with no server, yielding the same answers; a changed request diverges."""
    from engines.api.context import RunContext, SpellInfo
    from engines.api.services import Services
    from engines.replay import Recording, ReplayDivergence
    from engines.telemetry import ListSink, Telemetry

    services, sink = run
    server.script(Reply(text="recorded answer"))
    chunks: list[str] = []
    services.llm.stream("hello", chunks.append)
    recorded = [r.to_dict() for r in sink.records]
    server.stop()
    replay_sink = ListSink()
    ctx = RunContext(
        spell=SpellInfo("llm-test", "1.0", tmp_path, "lua"),
        telemetry=Telemetry("replay", [replay_sink]),
    )
    ctx.replay = Recording.from_records(recorded)
    replayed = Services(ctx)
    again: list[str] = []
    assert replayed.llm.stream("hello", again.append)["text"] == "recorded answer"
    assert again == chunks
    with pytest.raises(ReplayDivergence):
        replayed.llm.complete("something else")
    replayed.close()


def test_unknown_provider_and_unconfigured_provider(server, run, monkeypatch):
    """Bad model names are clear errors naming what to do."""
    services, _ = run
    with pytest.raises(ApiError, match="unknown provider 'nope'"):
        services.llm.use("nope/model")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    services.llm._config = None
    with pytest.raises(ApiError, match="OPENAI_API_KEY"):
        services.llm.use("openai/gpt-4o-mini")


def _tool_spec():
    return {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two numbers",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            },
        },
    }


def test_chunks_iterates_the_answer_as_it_streams(server, run):
    """chunks() returns an iterator giving each piece in order, then None; hooks still run."""
    services, sink = run
    seen: list[str] = []
    services.hooks.register("after_generate", lambda p: seen.append(p["response"]["text"]))
    server.script(Reply(text="alpha beta gamma", chunk_size=5))
    next_chunk = services.llm.chunks("go")
    pieces = []
    while (piece := next_chunk()) is not None:
        pieces.append(piece)
    assert "".join(pieces) == "alpha beta gamma" and len(pieces) > 2
    assert next_chunk() is None
    assert seen == ["alpha beta gamma"]
    assert sink.of_kind("span.end")[-1].data["name"] == "chat test/test-model"


def test_chunks_raises_the_failure_on_the_spells_side(server, run):
    """A call that fails for good raises from the iterator, without the key."""
    services, _ = run
    server.default = Reply(status=401)
    next_chunk = services.llm.chunks("go")
    with pytest.raises(ApiError, match="LLM call failed"):
        next_chunk()


def test_use_takes_provider_and_model_apart_or_together(server, run):
    """use("test", "m2") and use("test/m2") set the same default model."""
    services, _ = run
    services.llm.use("test", "m2")
    assert services.llm.current() == "test/m2"
    services.llm.use("test/m3")
    assert services.llm.current() == "test/m3"
