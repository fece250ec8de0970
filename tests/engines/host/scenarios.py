"""Debugger scenarios shared by the engines' DAP tests: how to drive a stopped session
(start at the entry, step, trace every stop, collect the stops of a breakpoint) and, per
engine, the same spells written in its language with the stops expected in them.

Line numbers differ per language (Tengo needs `fmt := import("fmt")` to print, JavaScript
never sees a function declaration, Lua sees a `local function` at its `end`), so they are
data: one `Language` per engine (languages.py and lang_*.py), while the tests in
test_host_engines_*.py are written once. Stops are written as (line, depth): depth counts
the spell's frames on the stack.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

Stop = tuple[int, int]


def start(host: Any, program: Any, **launch: Any) -> Any:
    """Launches with stopOnEntry and waits for the entry stop."""
    dap = host().launch(program, stopOnEntry=True, **launch)
    assert dap.stopped()["reason"] == "entry"
    return dap


def here(dap: Any) -> Stop:
    frames = dap.frames()
    return frames[0]["line"], len(frames)


def trace(dap: Any, command: str) -> list[Stop]:
    """(line, depth) of every stop while repeating `command` until the run ends."""
    stops = [here(dap)]
    while True:
        dap(command, threadId=1)
        if dap._ended_or_stopped():
            return stops
        stops.append(here(dap))


def step(dap: Any, command: str) -> Stop:
    dap(command, threadId=1)
    assert dap.stopped()["reason"] == "step"
    return here(dap)


def watch_stops(dap: Any, line: int, expression: str = "i") -> list[str]:
    """Continue until the run ends; the value of `expression` at each stop, all on `line`."""
    seen = []
    while not dap._ended_or_stopped():
        assert dap.line() == line
        seen.append(dap.evaluate(expression, "watch"))
        dap.resume()
    return seen


def stopped_at(host: Any, program: Any, line: int) -> Any:
    """Launches with a breakpoint on `line` and waits until it stops there."""
    dap = host().launch(program, breakpoints=[line])
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.line() == line
    return dap


def running(host: Any, program: Any, **launch: Any) -> Any:
    """Launches and waits for the spell's first output (it has reached its loop)."""
    dap = host().launch(program, **launch)
    dap.wait_event("output")
    return dap


def pause_latency(dap: Any) -> float:
    """Seconds from a pause request to its stop."""
    sent = time.monotonic()
    dap("pause", threadId=1)
    body = dap.stopped(2)
    elapsed = time.monotonic() - sent
    assert body["reason"] == "pause"
    return elapsed


def children(dap: Any, reference: int) -> dict[str, dict[str, Any]]:
    """The variables behind a reference, by name, whole (value, type, reference)."""
    return {v["name"]: v for v in dap("variables", variablesReference=reference)["variables"]}


@dataclass(frozen=True)
class SetValues:
    """setVariable on the `nested` spell: prefix (locals) = "z", count (second scope) =
    40 + 2, greeting (scope `greeting_scope`) = "hey", config.name = "N" and
    config.deep.inner.leaf = `container`; then the spell prints what it sees."""

    greeting_scope: int
    container: str  # a container literal of the language, with 1 and 2
    container_type: str
    joined: str  # an expression joining prefix and count
    stdout: str  # a regular expression for the spell's whole output after the changes


@dataclass(frozen=True)
class Language:
    """One engine's spells for the shared scenarios, with what the debugger must show."""

    name: str
    main: str  # the spell's file name
    # A three-iteration loop summing into `sum`, then printing it.
    loop: str
    loop_next: list[int]
    # add(a, b) called twice from the main chunk, then print(x, y).
    add: str
    add_next: list[Stop]
    add_step_in: list[Stop]
    add_step_out: list[tuple[str, Stop]]  # (command, stop after it), from the entry
    add_stdout: str
    # Recursive fib(3), printed.
    fib: str
    fib_step_in: list[Stop]
    fib_next: tuple[dict[str, Any], Stop, Stop]  # breakpoint, stop there, stop after next
    fib_out: tuple[dict[str, Any], Stop, Stop]  # breakpoint, stop there, stop after stepOut
    # An events handler that Python calls back.
    events: str
    events_step_in: list[Stop]
    events_next: list[int]
    # A caught error, then an uncaught one in `boom`, then print("never").
    errors: str
    error_text: str
    error_where: list[tuple[str, int]]
    error_ok: str  # `ok` in the main chunk's frame
    error_line: int
    # A six-iteration loop over `i` adding into `total`, then printing it.
    total: str
    total_line: int  # the loop body
    total_print: int
    equals: str  # the language's equality operator
    # Prints "looping", then spins on `n` forever.
    spin: str
    spin_line: int
    # Prints "spinning", then spins in an empty loop, where a pause shows `busy_where`.
    busy: str
    busy_where: list[tuple[str, int]]
    # A short spell with a breakpoint at `short_line`, where terminate must end it.
    short: str
    short_line: int
    # Nested values: a breakpoint at `nested_line` inside show(prefix), called by the main
    # chunk; `config` (name, deep = {list = 10, 20, 30, inner = {leaf = true}}) and `count`
    # (2) are in its second scope.
    nested: str
    nested_line: int
    nested_where: list[tuple[str, int]]
    scope_names: list[str]
    nested_locals: dict[str, str]
    scope1_names: set[str]
    scope_values: dict[int, dict[str, str]]  # scope index → some of its variables' values
    container_type: str  # the type shown for `config`
    list_items: dict[str, str]
    frame2_locals: set[str]
    # Hooks: custom.x registered (it records payload.n in `seen`), fired with {n = 1} at
    # `hooks_where`, then custom.other fired; prints how many ran and the result's n.
    hooks: str
    hooks_where: list[tuple[str, int]]
    hooks_seen: str  # an expression: how many times the custom.x hook ran
    hooks_stdout: str
    hook_caught: str  # fires custom.x under the language's catch, then prints "after"
    # Only some languages can say more at the uncaught error stop.
    error_locals: dict[str, str] | None = None
    error_watch: dict[str, str] = field(default_factory=dict)
    # A module (file name, source) whose twice(x) the spell calls with 21 and prints; a
    # breakpoint on its line `module_line`, where the frames are `module_frames`.
    module: tuple[str, str] | None = None
    module_spell: str = ""
    module_line: int = 0
    module_frames: list[str] = field(default_factory=list)
    # More that only some languages show of the nested values.
    level2_values: dict[str, str] = field(default_factory=dict)
    level2_types: dict[str, str] = field(default_factory=dict)
    frame2_scopes: list[str] | None = None
    set_values: SetValues | None = None

    def __str__(self) -> str:
        return self.name
