"""The DAP surface of the engine host: every request and event, over a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

SPELLBOOK = Path(__file__).resolve().parents[3] / "resources" / "spellbook"

MANIFEST = """
name: greet
version: 1.0.0
engine: lua
entry: main.lua
parameters:
  name:
    type: string
    default: world
  times:
    type: integer
    default: 1
"""


def test_initialize_answers_capabilities_then_sends_initialized(host):
    """initialize returns the capabilities (exception filters included), then `initialized`."""
    dap = host(initialize=False)
    caps = dap("initialize", clientID="tests", adapterID="llmspell")
    for name in (
        "supportsConfigurationDoneRequest",
        "supportsFunctionBreakpoints",
        "supportsConditionalBreakpoints",
        "supportsHitConditionalBreakpoints",
        "supportsLogPoints",
        "supportsEvaluateForHovers",
        "supportsSetVariable",
        "supportsTerminateRequest",
    ):
        assert caps[name] is True, name
    filters = {f["filter"] for f in caps["exceptionBreakpointFilters"]}
    assert filters == {"error", "llm_error", "tool_error", "budget"}
    assert dap.wait_event("initialized") == {}


def test_launch_with_params_and_param_args(host, spell):
    """launch passes typed `params` and `paramArgs` (k=v strings, winning) to the spell."""
    folder = spell(
        'for i = 1, params.get("times") do print("hi " .. params.get("name")) end',
        manifest=MANIFEST,
    )
    dap = host().launch(folder, params={"name": "Ada", "times": 1}, paramArgs=["times=2"])
    assert dap.exit_code() == 0
    assert dap.stdout() == "hi Ada\nhi Ada\n"
    start = dap.records_of("run.start")[0]
    assert start["params"] == {"name": "Ada", "times": 2}


def test_launch_errors_are_error_responses_and_the_host_keeps_serving(host, spell, tmp_path):
    """A launch without a program, of a missing spell or with bad params fails politely."""
    dap = host()
    assert "program" in dap.error("launch")
    assert dap.error("launch", program=str(tmp_path / "missing.lua"))
    folder = spell("print(1)", manifest=MANIFEST)
    assert "times" in dap.error("launch", program=str(folder), paramArgs=["times=many"])
    assert dap.error("launch", program=str(folder), limits={"timeout": -1})
    assert dap.error("launch", program=str(folder), params=[1, 2])
    assert dap("threads")["threads"] == [{"id": 1, "name": "spell"}]
    dap.launch(folder)
    assert dap.exit_code() == 0
    assert "already" in dap.error("launch", program=str(folder))


def test_the_spell_waits_for_configuration_done(host, spell):
    """Nothing runs between launch and configurationDone (breakpoints are set in between)."""
    program = spell('print("ran")')
    dap = host().launch(program, configure=False)
    assert dap.raw("threads")["success"]
    assert dap.records() == []
    dap("configurationDone")
    assert dap.exit_code() == 0
    assert dap.stdout() == "ran\n"


def test_no_debug_ignores_breakpoints_and_refuses_debug_requests(host, spell):
    """noDebug runs to the end through breakpoints; pause and stackTrace are refused."""
    program = spell(
        """
        local n = 0
        for i = 1, 3 do n = n + i end
        print(n)
        """
    )
    dap = host().launch(program, noDebug=True, breakpoints=[2, 3], configure=False)
    assert "noDebug" in dap.error("pause", threadId=1)
    dap("configurationDone")
    assert dap.exit_code() == 0
    assert dap.stdout() == "6\n"
    assert dap.events_named("stopped") == []


def test_stop_on_entry_stops_at_the_first_line(host, spell):
    """stopOnEntry stops before the first line of code runs (comments skipped)."""
    program = spell(
        """
        -- a comment
        local a = 1
        print(a)
        """
    )
    dap = host().launch(program, stopOnEntry=True)
    assert dap.stopped()["reason"] == "entry"
    assert dap.where() == [("main chunk", 2)]
    assert dap.records_of("output") == []
    dap.resume()
    assert dap.exit_code() == 0


def test_limits_timeout_memory_and_instructions(host, spell):
    """launch `limits` end runs with exit code 3 and the limit named in run.end."""
    loop = spell("while true do end")
    dap = host().launch(loop, limits={"timeout": 0.3})
    assert dap.exit_code() == 3
    assert dap.records_of("run.end")[0]["error"]["limit"] == "timeout"

    bomb = spell("local t = {} for i = 1, 1e8 do t[i] = ('x'):rep(64) .. i end", name="bomb.lua")
    dap = host().launch(bomb, limits={"memory": 8_000_000, "timeout": 5})
    assert dap.exit_code() == 3
    assert dap.records_of("run.end")[0]["error"]["limit"] == "memory"

    dap = host().launch(loop, limits={"instructions": 200_000})
    assert dap.exit_code() == 3
    assert dap.records_of("run.end")[0]["error"]["limit"] == "instructions"


def test_threads_lists_the_one_spell_thread(host, spell):
    """threads answers one thread, before and during a run."""
    dap = host()
    assert dap("threads") == {"threads": [{"id": 1, "name": "spell"}]}
    dap.launch(spell("local x = 1\nprint(x)"), stopOnEntry=True)
    dap.stopped()
    assert dap("threads") == {"threads": [{"id": 1, "name": "spell"}]}


def test_unknown_commands_and_bad_arguments_get_error_responses(host, spell):
    """Unknown commands, non-object arguments and missing fields fail; the host goes on."""
    dap = host()
    assert "unsupported" in dap.error("frobnicate")
    response = dap.client.request("setBreakpoints", [1, 2])  # type: ignore[arg-type]
    assert response["success"] is False and "object" in response["message"]
    assert "source.path" in dap.error("setBreakpoints", breakpoints=[{"line": 1}])
    assert dap.error("setBreakpoints", source={"path": "/x.lua"}, breakpoints=[1])
    assert dap.error("setFunctionBreakpoints", breakpoints="llm")
    assert "launched" in dap.error("stackTrace", threadId=1) or dap.error("stackTrace")
    dap.launch(spell("local x = 1\nprint(x)"), stopOnEntry=True)
    dap.stopped()
    assert dap.error("evaluate", expression="")
    assert dap.error("evaluate", expression="1 +", frameId=1, context="repl")
    assert dap.error("variables", variablesReference=999)
    assert dap.error("setVariable", variablesReference=1, name="x")
    assert dap.error("stackTrace", threadId=1, startFrame="x")
    dap.resume()
    assert dap.exit_code() == 0


def _write_raw(dap, data: bytes) -> None:
    stdin = dap.client.process.stdin
    stdin.write(data)
    stdin.flush()


def test_garbled_bytes_become_output_events_and_the_host_keeps_serving(host):
    """A bad Content-Length or a non-JSON body is reported as output; later requests work."""
    dap = host()
    _write_raw(dap, b"Content-Length: abc\r\n\r\n")
    _write_raw(dap, b"Content-Length: 9\r\n\r\nnot json!")
    _write_raw(dap, b"Content-Length: 99999999999\r\n\r\n")
    body = json.dumps([1, 2]).encode()
    _write_raw(dap, b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert dap("threads")["threads"][0]["id"] == 1
    errors = [o["output"] for o in dap.outputs("important")]
    assert any("Content-Length" in e for e in errors), errors
    assert any("not JSON" in e for e in errors), errors
    assert any("not a DAP object" in e for e in errors), errors


def test_output_and_telemetry_events_and_the_end_of_a_run(host, spell):
    """print → `output` events and records; the run ends with exited(code) then terminated."""
    dap = host().launch(spell('print("a")\nlog.info("b", {n = 1})\nprint("c")'))
    assert dap.exit_code() == 0
    dap.wait_event("terminated")
    stdout = [o["output"] for o in dap.outputs("stdout")]
    assert stdout == ["a\n", "c\n"]
    assert any("[info] b" in o["output"] for o in dap.outputs("console"))
    kinds = [r["kind"] for r in dap.records()]
    assert kinds[0] == "run.start" and kinds[-1] == "run.end"
    assert "log" in kinds
    names = [e for e, _ in dap.events]
    assert names.index("exited") < names.index("terminated")


def test_telemetry_records_arrive_batched_complete_and_in_order(host, spell):
    """Thousands of records arrive in a few batched events, every seq once and in order."""
    dap = host().launch(spell('for i = 1, 5000 do log.debug("r", {i = i}) end'))
    assert dap.exit_code() == 0
    dap.wait_event("terminated")
    records = dap.records()
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert len(dap.records_of("log")) == 5000
    assert 1 < len(dap.events_named("llmspell/telemetry")) < 200


def test_hello_spell_from_the_spellbook(host):
    """The spellbook's hello runs through the host and greets."""
    dap = host().launch(SPELLBOOK / "hello", paramArgs=["name=Host"])
    assert dap.exit_code() == 0
    assert dap.stdout().startswith("Hello, Host!\n")


def test_disconnect_ends_the_host(host, spell):
    """disconnect ends a stopped run and the host process exits."""
    dap = host().launch(spell("local x = 1\nprint(x)"), stopOnEntry=True)
    dap.stopped()
    dap.raw("disconnect", restart=False)
    assert dap.wait_exit(3) == 0 or dap.client.process.returncode is not None
