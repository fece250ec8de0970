"""Hostile spells and libraries never break the DAP channel or hang the client."""

from __future__ import annotations

import sys
import textwrap
import time

# A host whose process writes garbage to fds 1 and 2 (as a C library might) right after the
# channel is isolated, and keeps doing so from a thread while the spell runs.
NOISY_HOST = textwrap.dedent(
    """
    import os, threading, time
    import engines.host.__main__ as entry
    from engines.host import stdio

    isolate = stdio.isolate_stdio

    def noisy():
        channel = isolate()
        os.write(1, b"garbage \\x00\\xff Content-Length: 5\\r\\n\\r\\n{not json\\n")
        os.write(2, b"stderr garbage\\n")
        print("a stray print")

        def spam():
            for _ in range(40):
                os.write(1, b"Content-Length: 3\\r\\n\\r\\nxyz")
                time.sleep(0.005)

        threading.Thread(target=spam, daemon=True).start()
        return channel

    stdio.isolate_stdio = noisy
    os._exit(entry.main())
    """
)


def test_garbage_written_to_fd_1_becomes_output_events(host, spell):
    """Bytes written to fd 1/2 by the host process arrive as output events, never as DAP."""
    dap = host(command=[sys.executable, "-c", NOISY_HOST])
    program = spell('for i = 1, 30 do print("line " .. i) end')
    dap.launch(program, breakpoints=[1])
    dap.stopped()
    assert dap.where() == [("main chunk", 1)]
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "".join(f"line {i}\n" for i in range(1, 31))
    time.sleep(0.3)  # let the spam thread finish
    stray_out = "".join(o["output"] for o in dap.outputs("stdout") if "data" not in o)
    stray_err = "".join(o["output"] for o in dap.outputs("stderr"))
    assert "garbage" in stray_out and "a stray print" in stray_out
    assert stray_out.count("xyz") == 40
    assert "stderr garbage" in stray_err
    assert not [o for o in dap.outputs("important") if "protocol error" in o["output"]]
    assert dap("threads")["threads"]


def test_huge_output_arrives_whole(host, spell):
    """Megabytes of output in a few prints arrive whole; the channel works afterwards."""
    program = spell(
        """
        local line = ("x"):rep(1000000)
        for i = 1, 5 do print(line) end
        print("done")
        """
    )
    dap = host().launch(program)
    assert dap.exit_code(10) == 0
    out = dap.stdout()
    assert len(out) == 5 * 1_000_001 + 5 and out.endswith("done\n")
    assert dap("threads")["threads"]


def test_infinite_loop_that_swallows_errors_still_ends(host, spell):
    """A loop that pcalls away every error still ends at its time limit (exit 3)."""
    program = spell("while true do pcall(function() while true do end end) end")
    started = time.monotonic()
    dap = host().launch(program, limits={"timeout": 0.5})
    assert dap.exit_code(5) == 3
    assert time.monotonic() - started < 3
    assert dap.records_of("run.end")[0]["error"]["limit"] == "timeout"


def test_memory_bomb_hits_the_manifest_limit(host, spell):
    """A spell allocating without end stops at its manifest's 20 MB with exit code 3."""
    folder = spell(
        """
        local t = {}
        local i = 0
        while true do i = i + 1; t[i] = ("x"):rep(1000) .. i end
        """,
        manifest="name: bomb\nversion: 1.0.0\nengine: lua\nentry: main.lua\n"
        "limits:\n  memory: 20MB\n  timeout: 10s\n",
    )
    for debug in (False, True):
        dap = host().launch(folder, noDebug=not debug)
        assert dap.exit_code(10) == 3
        error = dap.records_of("run.end")[0]["error"]
        assert error["limit"] == "memory" and "20 MB" in error["message"]
        assert dap("threads")["threads"]


def test_deep_recursion_ends_with_a_limit(host, spell):
    """Unbounded recursion ends as a recursion limit, with or without a debugger attached."""
    program = spell(
        """
        local function down(n) return 1 + down(n + 1) end
        print(down(1))
        """
    )
    for debug in (False, True):
        dap = host().launch(program, noDebug=not debug, breakpoints=[2] if debug else None)
        if debug:
            dap.stopped()
            dap.set_breakpoints([1])  # line events inside the recursion
            dap.resume()
            dap.stopped()
            dap.set_breakpoints([])
            dap.resume()
        assert dap.exit_code(10) == 3
        assert dap.records_of("run.end")[0]["error"]["limit"] == "recursion"


def test_deep_recursion_through_the_api(host, spell):
    """Recursion that passes through Python (event handlers) is stopped cleanly too."""
    program = spell(
        """
        local function again(kind, data) hooks.fire("custom.r", data) end
        hooks.register("custom.r", function(p) again("x", p) end)
        hooks.fire("custom.r", {})
        """
    )
    dap = host().launch(program)
    assert dap.exit_code(10) in (1, 3)
    assert dap.records_of("run.end")[0]["error"]["message"]
    assert dap("threads")["threads"]


def test_a_hundred_thousand_records_arrive_in_order(host, spell):
    """100 000 records reach the client, every one, in seq order, at >= 20 000 records/s."""
    program = spell('for i = 1, 100000 do events.publish("tick", i) end')
    dap = host()
    started = time.monotonic()
    dap.launch(program)
    assert dap.exit_code(30) == 0
    dap.wait_event("terminated")
    elapsed = time.monotonic() - started
    records = dap.records()
    seqs = [r["seq"] for r in records]
    assert seqs == list(range(1, len(records) + 1))
    ticks = [r["data"] for r in records if r["kind"] == "event"]
    assert ticks == list(range(1, 100_001))
    print(f"100 000 records in {elapsed:.2f} s: {len(records) / elapsed:,.0f} records/s")
