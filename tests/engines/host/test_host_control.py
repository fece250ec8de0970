"""Control never waits behind work: pause inside coroutines and API calls, terminate of a
spell stuck in C, a dead host, a host left alone (Lua spells). Pause and terminate as every
engine has them are in test_host_engines_control.py."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from engines.host.client import HostError
from tests.engines.host.languages import LUA
from tests.engines.host.scenarios import pause_latency, running


def _running(host, spell, source=LUA.busy, **launch):
    return running(host, spell(source), **launch)


def test_pause_inside_a_coroutine_loop(host, spell):
    """pause stops a loop running inside a coroutine, showing both threads' frames."""
    program = """
    local co = coroutine.wrap(function()
      print("in")
      while true do end
    end)
    co()
    """
    dap = _running(host, spell, program, limits={"timeout": 5})
    assert pause_latency(dap) < 0.5
    assert dap.where() == [("function <main.lua:1>", 3), ("main chunk", 5)]
    dap("terminate")
    assert dap.exit_code(2) == 3


def test_pause_while_waiting_in_an_api_call_stops_after_it(host, spell):
    """A pause requested during a blocking API call stops at the spell's next check."""
    program = """
    print("sleeping")
    local t = os.clock()
    while os.clock() - t < 0.2 do end
    local after = true
    while true do end
    """
    dap = _running(host, spell, program, limits={"timeout": 5})
    assert pause_latency(dap) < 0.5
    dap("terminate")
    assert dap.exit_code(2) == 3


STUCK_IN_C = """
print("stuck")
local s = ("a"):rep(200000)
return s:find(".-.-.-.-.-b")
"""


def test_terminate_kills_a_spell_stuck_in_c_code(host, spell):
    """A spell stuck inside a C function is ended by the host's own grace, then exits."""
    dap = _running(host, spell, STUCK_IN_C, limits={"timeout": 30})
    sent = time.monotonic()
    dap("terminate")
    code = dap.exit_code(3)
    elapsed = time.monotonic() - sent
    print(f"terminate (stuck in C) → exited: {elapsed * 1000:.1f} ms")
    assert code == 3 and elapsed < 2.0
    assert dap.records_of("run.end")[0]["status"] == "terminated"
    assert dap.wait_exit(3) == 3  # abandoned: the process exits


def test_client_terminate_kills_the_host_after_the_grace(host, spell):
    """HostClient.terminate() kills the process group when the host does not end in time."""
    dap = _running(host, spell, STUCK_IN_C, limits={"timeout": 30})
    os.kill(dap.client.process.pid, signal.SIGSTOP)  # a host that answers nothing at all
    sent = time.monotonic()
    dap.client.terminate(grace=0.3)
    elapsed = time.monotonic() - sent
    assert dap.client.process.poll() is not None
    assert elapsed < 1.5
    assert "SIGKILL" in dap.client.exit_reason()


def test_the_watchdog_ends_a_run_stuck_past_its_time_limit(host, spell):
    """With no client action, a run stuck in C past its deadline is ended by the host."""
    dap = _running(host, spell, STUCK_IN_C, limits={"timeout": 0.3})
    assert dap.exit_code(4) == 3
    assert dap.records_of("run.end")[0]["status"] == "limit"


def test_a_killed_host_wakes_every_waiter_and_says_why(host, spell):
    """kill -9 of the host mid-run: pending requests fail, waits end, exit_reason tells."""
    dap = _running(host, spell, limits={"timeout": 30})
    os.kill(dap.client.process.pid, signal.SIGSTOP)
    waiter = dap.client.send("threads")  # will never be answered by the host
    os.kill(dap.client.process.pid, signal.SIGKILL)
    response = waiter.get(timeout=3)
    assert response["success"] is False and response.get("dead")
    assert dap.client.closed.wait(3)
    assert dap.client.exit_reason().startswith("killed by SIGKILL")
    with pytest.raises(HostError, match="SIGKILL"):
        dap.client.wait_for_event("exited", timeout=3)
    # Requests after the death fail at once instead of hanging.
    started = time.monotonic()
    assert dap.client.request("threads", timeout=3)["success"] is False
    assert time.monotonic() - started < 0.5


def test_a_host_whose_stdin_closes_exits(host, spell):
    """When the client goes away (stdin EOF), the host ends the run and exits."""
    dap = _running(host, spell, limits={"timeout": 30})
    dap.client.process.stdin.close()
    assert dap.wait_exit(3) in (0, 3)


def test_a_host_whose_stdin_closes_before_launch_exits(host):
    """A host with no client at all exits at once."""
    dap = host()
    dap.client.process.stdin.close()
    assert dap.wait_exit(3) == 0


def test_host_crashing_at_start_is_reported(host):
    """A host command that dies at once: the client's requests fail with the reason."""
    dap = host(
        command=[sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(7)"],
        initialize=False,
    )
    response = dap.raw("initialize", timeout=3)
    assert response["success"] is False
    dap.client.closed.wait(3)
    assert dap.client.exit_reason() == "exited with code 7: boom"


def test_pause_when_not_running_and_continue_when_not_stopped(host, spell):
    """continue while running is refused; pause before the run starts is harmless."""
    dap = _running(host, spell, limits={"timeout": 5})
    assert "not stopped" in dap.error("continue", threadId=1)
    assert "not stopped" in dap.error("next", threadId=1)
    assert "not stopped" in dap.error("stackTrace", threadId=1)
    dap("terminate")
    assert dap.exit_code(2) == 3


def test_step_after_pausing_inside_a_coroutine(host, spell):
    """After a pause inside a coroutine (line hooks off), next steps line by line in it."""
    program = """
    local co = coroutine.wrap(function()
      print("in")
      local n = 0
      while true do
        n = n + 1
      end
    end)
    co()
    """
    dap = _running(host, spell, program, limits={"timeout": 5})
    pause_latency(dap)
    lines = []
    for _ in range(4):
        dap("next", threadId=1)
        assert dap.stopped()["reason"] == "step"
        lines.append(dap.line())
    # `while true` has no test to run: each iteration is its body's line, seen again.
    assert lines == [5, 5, 5, 5]
    assert dap.where()[-1] == ("main chunk", 8)
    dap("terminate")
    assert dap.exit_code(2) == 3
