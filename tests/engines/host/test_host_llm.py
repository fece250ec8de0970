"""Semantic breakpoints on LLM calls and tools, and the llm_error / tool_error filters, over DAP."""

from __future__ import annotations

import pytest

from tests.support.openai_server import OpenAICompatibleServer, Reply

CHAT = """\
local answer = llm.complete("What is 2 + 2?", {model = "test/m", temperature = 0})
print(answer)
"""


@pytest.fixture
def server():
    srv = OpenAICompatibleServer().start()
    yield srv
    srv.stop()


def env_for(server: OpenAICompatibleServer) -> dict[str, str]:
    return {"LLMSPELL_PROVIDER_TEST_BASE_URL": server.base_url}


def test_llm_function_breakpoint_stops_before_the_call_with_the_request(host, spell, server):
    """`llm` stops before the model is asked; the stopped event carries the request."""
    server.script(Reply(text="4"))
    dap = host(env=env_for(server)).launch(spell(CHAT), functions=["llm"])
    stopped = dap.stopped(timeout=30)
    assert stopped["reason"] == "function breakpoint"
    assert stopped["llmspell"]["kind"] == "llm"
    assert stopped["llmspell"]["payload"]["messages"] == [
        {"role": "user", "content": "What is 2 + 2?"}
    ]
    assert dap.where() == [("main chunk", 1)]
    assert server.requests == []  # not asked yet
    dap.resume()
    assert dap.exit_code(30) == 0
    assert dap.stdout() == "4\n"


def test_llm_error_filter_stops_where_the_call_fails(host, spell, server):
    """With the llm_error filter, a call that fails for good stops at the spell's line."""
    server.default = Reply(status=401)
    dap = host(env=env_for(server)).launch(spell(CHAT), exceptions=["llm_error"])
    stopped = dap.stopped(timeout=30)
    assert stopped["reason"] == "exception"
    assert "LLM call failed" in stopped["text"]
    assert dap.where() == [("main chunk", 1)]
    dap.resume()
    assert dap.exit_code(30) == 1


def test_tool_breakpoint_and_tool_error_filter(host, spell):
    """`tool:calculate` stops before that tool; tool_error stops when a tool fails."""
    program = spell(
        """\
        local ok = tools.call("calculate", {expression = "1 + 1"})
        local bad = pcall(tools.call, "calculate", {expression = "1 / 0"})
        print(ok, bad)
        """
    )
    dap = host().launch(program, functions=["tool:calculate"], exceptions=["tool_error"])
    first = dap.stopped(timeout=30)
    assert first["llmspell"] == {
        "kind": "tool",
        "payload": {"tool": "calculate", "arguments": {"expression": "1 + 1"}},
    }
    dap.resume()
    assert dap.stopped(timeout=30)["llmspell"]["kind"] == "tool"  # the second call, before it runs
    dap.resume()
    failed = dap.stopped(timeout=30)
    assert failed["reason"] == "exception" and "calculate" in failed["text"]
    assert dap.where() == [("main chunk", 2)]
    dap.resume()
    assert dap.exit_code(30) == 0
    assert dap.stdout() == "2\tfalse\n"


AGENT = """\
agent.create({name = "helper", model = "test/m", system = "Be brief."})
local result = agent.run("helper", "Say hi")
print(result.text)
"""


def test_agent_function_breakpoint_stops_before_the_agent_runs(host, spell, server):
    """`agent:NAME` stops before that agent's first model call, with its input."""
    server.script(Reply(text="hi"))
    dap = host(env=env_for(server)).launch(
        spell(AGENT), functions=["agent:helper", "agent:someone-else"]
    )
    stopped = dap.stopped(timeout=30)
    assert stopped["reason"] == "function breakpoint"
    assert stopped["llmspell"]["kind"] == "agent"
    assert stopped["llmspell"]["payload"]["agent"] == "helper"
    assert stopped["llmspell"]["payload"]["input"] == "Say hi"
    assert dap.where() == [("main chunk", 2)]
    assert server.requests == []
    dap.resume()
    assert dap.exit_code(30) == 0
    assert dap.stdout() == "hi\n"


def test_an_unknown_function_breakpoint_name_is_unverified_with_the_known_ones(host, spell):
    """A name no semantic stop uses cannot silently never hit: it comes back unverified."""
    dap = host().launch(spell('print("x")\n'), configure=False)
    answer = dap("setFunctionBreakpoints", breakpoints=[{"name": "llm"}, {"name": "myFunction"}])
    first, second = answer["breakpoints"]
    assert first["verified"] is True
    assert second["verified"] is False
    assert "myFunction" in second["message"] and "tool:NAME" in second["message"]
    dap("configurationDone")
    assert dap.exit_code() == 0
