"""The shared debugger scenarios' spells in Lua, with the stops expected in them."""

from __future__ import annotations

from tests.engines.host.scenarios import Language, SetValues

LUA = Language(
    name="lua",
    main="main.lua",
    loop="local sum = 0\nfor i = 1, 3 do\n  sum = sum + i\nend\nprint(sum)\n",
    loop_next=[1, 2, 3, 2, 3, 2, 3, 2, 5],
    add="""
local function add(a, b)
  local s = a + b
  return s
end
local x = add(1, 2)
local y = add(x, 3)
print(x, y)
""",
    add_next=[(4, 1), (5, 1), (6, 1), (7, 1)],
    add_step_in=[(4, 1), (5, 1), (2, 2), (3, 2), (6, 1), (2, 2), (3, 2), (7, 1)],
    add_step_out=[
        ("stepIn", (5, 1)),
        ("stepIn", (2, 2)),
        ("stepOut", (6, 1)),
        ("stepIn", (2, 2)),
        ("next", (3, 2)),
        ("next", (7, 1)),
    ],  # fmt: skip
    add_stdout="3\t6\n",
    fib="""
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
print(fib(3))
""",
    fib_step_in=[
        (4, 1),
        (5, 1),
        (2, 2),
        (3, 2),  # fib(3)
        (2, 3),
        (3, 3),  # fib(2)
        (2, 4),  # fib(1)
        (2, 4),  # fib(0)
        (2, 3),  # fib(1), called by fib(3)
    ],  # fmt: skip
    # fib(2) returns into the middle of fib(3)'s line 3: the next line seen at depth <= 3 is
    # fib(1)'s first line, called by fib(3).
    fib_next=({"line": 3, "hitCondition": "2"}, (3, 3), (2, 3)),
    fib_out=({"line": 2, "hitCondition": "3"}, (2, 4), (2, 3)),
    events="""
local seen = 0
events.subscribe("ping", function(kind, data)
  seen = seen + data.n
end)
events.publish("ping", {n = 2})
print(seen)
""",
    # the handler, then its `end` (implicit return)
    events_step_in=[(1, 1), (2, 1), (4, 1), (2, 1), (5, 1), (3, 2), (4, 2), (6, 1)],
    events_next=[1, 2, 4, 2, 5, 6],
    errors="""
local function boom()
  error("bad")
end
local ok, err = pcall(boom)
print(ok)
boom()
print("never")
""",
    error_text="bad",
    error_where=[("boom", 2), ("main chunk", 6)],
    error_ok="false",
    error_line=2,
    total="local total = 0\nfor i = 1, 6 do\n  total = total + i\nend\nprint(total)\n",
    total_line=3,
    total_print=5,
    equals="==",
    spin="""
print("looping")
local n = 0
while true do
  n = n + 1
  if n < 0 then break end
end
""",
    busy='print("spinning")\nwhile true do end\n',
    busy_where=[("main chunk", 2)],
    short="local a = 1\nprint(a)\n",
    short_line=2,
    nested="""
local config = {name = "x", deep = {list = {10, 20, 30}, inner = {leaf = true}}}
local count = 2
greeting = "hi"
local function show(prefix)
  local text = prefix .. config.name .. count
  return text
end
print(show("a"))
print(count, greeting, config.name, config.deep.inner.leaf)
""",
    nested_line=5,
    nested_where=[("show", 5), ("main chunk", 8)],
    scope_names=["Locals", "Upvalues", "Globals"],
    nested_locals={"prefix": '"a"'},
    scope1_names={"config", "count"},
    scope_values={1: {"count": "2"}, 2: {"greeting": '"hi"'}},
    container_type="table",
    list_items={"[1]": "10", "[2]": "20", "[3]": "30"},
    frame2_locals={"config", "count", "show"},
    hooks="""
local seen = {}
hooks.register("custom.x", function(payload)
  seen[#seen + 1] = payload.n
  return {n = payload.n + 1}
end)
local result = hooks.fire("custom.x", {n = 1})
hooks.fire("custom.other", {n = 5})
print(#seen, result.payload.n)
""",
    hooks_where=[("main chunk", 6)],
    hooks_seen="#seen",
    hooks_stdout="1\t2\n",
    hook_caught='local ok, err = pcall(hooks.fire, "custom.x", {})\nprint("after", ok, err)\n',
    spin_line=4,
    module=("util.lua", "local M = {}\nfunction M.twice(x)\n  return x * 2\nend\nreturn M\n"),
    module_spell='local util = require("util")\nprint(util.twice(21))\n',
    module_line=3,
    module_frames=["twice", "main chunk"],
    set_values=SetValues(
        greeting_scope=2,
        container="{1, 2}",
        container_type="table",
        joined="prefix .. count",
        stdout=r"zN42\n42\they\tN\ttable: \S+\n",
    ),
)
