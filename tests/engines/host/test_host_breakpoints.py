"""Lua breakpoints over DAP set while a coroutine runs. The line breakpoints every engine
shares (conditions, hit counts, logpoints, changes while running, in a module) are in
test_host_engines_debug.py, the function breakpoints on hook points in
test_host_engines_control.py."""

from __future__ import annotations

import time


def test_breakpoint_set_while_a_coroutine_runs_is_hit_after_it(host, spell):
    """A breakpoint added while a coroutine runs also stops in the main chunk later."""
    program = spell(
        """
        local co = coroutine.create(function()
          print("in the coroutine")
          local t = os.clock()
          while os.clock() - t < 0.3 do end
        end)
        coroutine.resume(co)
        local after = 1
        print(after)
        """
    )
    dap = host().launch(program, limits={"timeout": 5})
    dap.wait_event("output")
    time.sleep(0.05)
    dap.set_breakpoints([8])
    assert dap.stopped(2)["reason"] == "breakpoint"
    assert dap.line() == 8
    dap.resume()
    assert dap.exit_code() == 0


def test_breakpoint_set_while_a_coroutine_runs_is_hit_inside_it(host, spell):
    """A breakpoint added while a coroutine loops stops inside that running coroutine."""
    program = spell(
        """
        local co = coroutine.wrap(function()
          print("in")
          local n = 0
          while true do
            n = n + 1
          end
        end)
        co()
        """
    )
    dap = host().launch(program, limits={"timeout": 5})
    dap.wait_event("output")
    time.sleep(0.05)
    dap.set_breakpoints([5])
    assert dap.stopped(2)["reason"] == "breakpoint"
    assert dap.where() == [("function <main.lua:1>", 5), ("main chunk", 8)]
    dap("terminate")
    assert dap.exit_code(2) == 3
