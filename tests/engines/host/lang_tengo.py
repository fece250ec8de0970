"""The shared debugger scenarios' spells in Tengo, with the stops expected in them."""

from __future__ import annotations

import re

from tests.engines.host.scenarios import Language, SetValues

TENGO = Language(
    name="tengo",
    main="main.tengo",
    loop="""
fmt := import("fmt")
sum := 0
for i := 1; i <= 3; i++ {
  sum += i
}
fmt.println(sum)
""",
    # the for line before the loop and again before each post statement
    loop_next=[1, 2, 3, 4, 3, 4, 3, 4, 3, 6],
    add="""
fmt := import("fmt")
add := func(a, b) {
  s := a + b
  return s
}
x := add(1, 2)
y := add(x, 3)
fmt.println(x, y)
""",
    add_next=[(1, 1), (2, 1), (6, 1), (7, 1), (8, 1)],
    add_step_in=[(1, 1), (2, 1), (6, 1), (3, 2), (4, 2), (7, 1), (3, 2), (4, 2), (8, 1)],
    add_step_out=[
        ("next", (2, 1)),
        ("next", (6, 1)),
        ("stepIn", (3, 2)),
        ("stepOut", (7, 1)),
        ("stepIn", (3, 2)),
        ("next", (4, 2)),
        ("next", (8, 1)),
    ],  # fmt: skip
    add_stdout="3 6\n",
    fib="""
fmt := import("fmt")
fib := func(n) {
  if n < 2 { return n }
  return fib(n - 1) + fib(n - 2)
}
fmt.println(fib(3))
""",
    # `if n < 2 { return n }` is one line, seen once
    fib_step_in=[
        (1, 1),
        (2, 1),
        (6, 1),
        (3, 2),
        (4, 2),  # fib(3)
        (3, 3),
        (4, 3),  # fib(2)
        (3, 4),  # fib(1)
        (3, 4),  # fib(0)
        (3, 3),  # fib(1), called by fib(3)
    ],  # fmt: skip
    fib_next=({"line": 4, "hitCondition": "2"}, (4, 3), (3, 3)),
    fib_out=({"line": 3, "hitCondition": "3"}, (3, 4), (3, 3)),
    events="""
fmt := import("fmt")
events := import("events")
seen := 0
events.subscribe("ping", func(kind, data) {
  seen += data.n
})
events.publish("ping", {n: 2})
fmt.println(seen)
""",
    events_step_in=[(1, 1), (2, 1), (3, 1), (4, 1), (7, 1), (5, 2), (8, 1)],
    events_next=[1, 2, 3, 4, 7, 8],
    errors="""
fmt := import("fmt")
boom := func(d) {
  return 10 / d
}
ok := is_error(error("bad"))
fmt.println(ok)
boom(0)
fmt.println("never")
""",
    error_text="division by zero",
    error_where=[("boom", 3), ("main", 7)],
    error_ok="true",
    error_line=3,
    error_locals={"d": "0"},
    error_watch={"d + 1": "1"},
    total="""
fmt := import("fmt")
total := 0
for i := 1; i <= 6; i++ {
  total += i
}
fmt.println(total)
""",
    total_line=4,
    total_print=6,
    equals="==",
    spin="""
fmt := import("fmt")
fmt.println("looping")
n := 0
for {
  n++
  if n < 0 { break }
}
""",
    busy='fmt := import("fmt")\nfmt.println("spinning")\nfor {}\n',
    busy_where=[("main", 3)],
    short='fmt := import("fmt")\na := 1\nfmt.println(a)\n',
    short_line=3,
    nested="""
fmt := import("fmt")
config := {name: "x", deep: {list: [10, 20, 30], inner: {leaf: true}}}
count := 2
greeting := "hi"
show := func(prefix) {
  text := prefix + config.name + string(count)
  return text
}
fmt.println(show("a"))
fmt.println(count, greeting, config.name, config.deep.inner.leaf)
""",
    nested_line=6,
    nested_where=[("show", 6), ("main", 9)],
    # A function frame has Locals (its own and captured variables) and Globals (the main
    # program's); the main frame has Locals only, which are the globals.
    scope_names=["Locals", "Globals"],
    nested_locals={"prefix": '"a"'},
    scope1_names={"fmt", "config", "count", "greeting", "show"},
    scope_values={1: {"count": "2", "show": "<func show>", "config": '{deep: {…}, name: "x"}'}},
    container_type="map",
    list_items={"[0]": "10", "[1]": "20", "[2]": "30"},
    level2_types={"list": "array"},
    frame2_scopes=["Locals"],
    frame2_locals={"fmt", "config", "count", "greeting", "show"},
    hooks="""
fmt := import("fmt")
hooks := import("hooks")
seen := []
hooks.register("custom.x", func(payload) {
  seen = append(seen, payload.n)
  return {n: payload.n + 1}
})
result := hooks.fire("custom.x", {n: 1})
hooks.fire("custom.other", {n: 5})
fmt.println(len(seen), result.payload.n)
""",
    hooks_where=[("main", 8)],
    hooks_seen="len(seen)",
    hooks_stdout="1 2\n",
    hook_caught=(
        'fmt := import("fmt")\nhooks := import("hooks")\n'
        'r := hooks.fire("custom.x", {})\nfmt.println("after", r)\n'
    ),
    spin_line=5,
    module=("helpers.tengo", "twice := func(x) {\n  return x * 2\n}\nexport {twice: twice}\n"),
    module_spell='fmt := import("fmt")\nhelpers := import("helpers")\nfmt.println(helpers.twice(21))\n',
    module_line=2,
    module_frames=["twice", "main"],
    set_values=SetValues(
        greeting_scope=1,
        container="[1, 2]",
        container_type="array",
        joined="prefix + string(count)",
        stdout=re.escape("zN42\n42 hey N [1, 2]\n"),
    ),
)
