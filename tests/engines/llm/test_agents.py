"""Agents: the tool-calling loop, memory, handoffs and guardrails, against a scripted server."""

from __future__ import annotations

import pytest

from engines.api.llm import _resilience
from engines.errors import ApiError
from tests.support.openai_server import Reply


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(_resilience.policy, "base_delay", 0.01)
    _resilience._breakers.clear()


def test_tool_calling_loop_runs_tools_and_returns_the_final_text(server, run):
    """The model asks for two tools in one turn, gets their results, then answers."""
    services, sink = run
    services.agent.create({"name": "mathy", "tools": ["calculate"], "system": "Use tools."})
    server.script(
        Reply(
            tool_calls=[
                {"name": "calculate", "arguments": {"expression": "6*7"}},
                {"name": "calculate", "arguments": {"expression": "2+2"}},
            ]
        ),
        Reply(text="The answers are 42 and 4."),
    )
    result = services.agent.run("mathy", "What are 6*7 and 2+2?")
    assert result["text"] == "The answers are 42 and 4."
    assert result["iterations"] == 2
    tool_messages = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["call_0", "call_1"]
    assert '"result": 42' in tool_messages[0]["content"]
    assert server.requests[0]["tools"][0]["function"]["name"] == "calculate"
    spans = {r.data["name"]: r.data for r in sink.of_kind("span.end")}
    agent_span = spans["invoke_agent mathy"]
    assert spans["execute_tool calculate"]["parent"] == agent_span["id"]
    assert spans["chat test/test-model"]["parent"] == agent_span["id"]


def test_memory_carries_the_conversation_across_runs(server, run):
    """A second run of the same agent sends the first exchange along."""
    services, _ = run
    services.agent.create({"name": "friend"})
    server.script(Reply(text="Nice to meet you, Ada."), Reply(text="You are Ada."))
    services.agent.run("friend", "I am Ada.")
    assert services.agent.run("friend", "Who am I?")["text"] == "You are Ada."
    contents = [m.get("content") for m in server.requests[1]["messages"]]
    assert "I am Ada." in contents and "Nice to meet you, Ada." in contents
    services.agent.reset("friend")
    assert services.agent.history("friend") == []


def test_handoff_passes_the_conversation_to_another_agent(server, run):
    """A transfer_to_<agent> tool call hands over; the other agent's answer ends the run."""
    services, sink = run
    services.agent.create(
        {"name": "billing", "system": "You handle invoices.", "description": "the billing expert"}
    )
    services.agent.create({"name": "triage", "handoffs": ["billing"]})
    server.script(
        Reply(
            tool_calls=[
                {"name": "transfer_to_billing", "arguments": {"reason": "invoice question"}}
            ]
        ),
        Reply(text="Your invoice is paid."),
    )
    result = services.agent.run("triage", "Is my invoice paid?")
    assert result["agent"] == "billing" and result["text"] == "Your invoice is paid."
    assert server.requests[0]["tools"][0]["function"]["name"] == "transfer_to_billing"
    assert server.requests[1]["messages"][0]["content"] == "You handle invoices."
    assert any(r.data.get("type") == "agent.handoff" for r in sink.of_kind("event"))


def test_output_guardrail_schema_with_retry(server, run):
    """An output that breaks the guardrail schema is re-asked when retries are configured."""
    services, _ = run
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    services.agent.create({"name": "strict", "guardrails": {"output": schema, "retries": 1}})
    server.script(Reply(text="not json"), Reply(text='{"ok": true}'))
    assert services.agent.run("strict", "answer")["text"] == '{"ok": true}'
    assert "refused" in server.requests[1]["messages"][-1]["content"]


def test_input_guardrail_function_refuses(server, run):
    """An input guardrail function returning a reason stops the run before any call."""
    services, _ = run
    services.agent.create(
        {
            "name": "polite",
            "guardrails": {"input": lambda text: "no shouting" if text.isupper() else True},
        }
    )
    with pytest.raises(ApiError, match="no shouting"):
        services.agent.run("polite", "HELLO")
    assert server.requests == []


def test_max_iterations_is_enforced(server, run):
    """An agent that keeps calling tools stops at max_iterations with a clear error."""
    services, _ = run
    services.agent.create({"name": "loopy", "tools": ["calculate"], "max_iterations": 2})
    server.default = Reply(tool_calls=[{"name": "calculate", "arguments": {"expression": "1+1"}}])
    with pytest.raises(ApiError, match="within 2 iterations"):
        services.agent.run("loopy", "go")


def test_bad_configurations_are_clear_errors(server, run):
    """Unknown settings, tools and agents are named in the error."""
    services, _ = run
    with pytest.raises(ApiError, match="unknown agent settings: colour"):
        services.agent.create({"name": "a", "colour": "red"})
    with pytest.raises(ApiError, match="unknown tools nope"):
        services.agent.create({"name": "a", "tools": ["nope"]})
    with pytest.raises(ApiError, match="no agent named 'ghost'"):
        services.agent.run("ghost", "hi")


def test_lua_for_loop_over_llm_chunks(server, tmp_path):
    """A Lua spell iterates llm.chunks with a generic for, chunk by chunk."""
    from tests.support.spells import spell_runner

    server.script(Reply(text="one two three", chunk_size=4))
    run = spell_runner(tmp_path / "spell", "main.lua")(
        """
        local parts = {}
        for chunk in llm.chunks("count", {model = "test/m"}) do parts[#parts + 1] = chunk end
        print(#parts > 1, table.concat(parts))
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output == "true\tone two three\n"
