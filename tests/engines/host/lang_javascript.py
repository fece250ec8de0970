"""The shared debugger scenarios' spells in JavaScript, with the stops expected in them."""

from __future__ import annotations

from tests.engines.host.scenarios import Language

JAVASCRIPT = Language(
    name="javascript",
    main="main.js",
    # the loop line before each test, the last too
    loop="let sum = 0\nfor (let i = 1; i <= 3; i++) {\n  sum += i\n}\nprint(sum)\n",
    loop_next=[1, 2, 3, 2, 3, 2, 3, 2, 5],
    # the function declaration is never seen
    add="""
function add(a, b) {
  const s = a + b
  return s
}
const x = add(1, 2)
const y = add(x, 3)
print(x, y)
""",
    add_next=[(5, 1), (6, 1), (7, 1)],
    add_step_in=[(5, 1), (2, 2), (3, 2), (6, 1), (2, 2), (3, 2), (7, 1)],
    add_step_out=[
        ("stepIn", (2, 2)),
        ("stepOut", (6, 1)),
        ("stepIn", (2, 2)),
        ("next", (3, 2)),
        ("next", (7, 1)),
    ],  # fmt: skip
    add_stdout="3\t6\n",
    fib="""
function fib(n) {
  if (n < 2) return n
  return fib(n - 1) + fib(n - 2)
}
print(fib(3))
""",
    # `if (...) return n` on one line is one stop
    fib_step_in=[
        (5, 1),
        (2, 2),
        (3, 2),  # fib(3)
        (2, 3),
        (3, 3),  # fib(2)
        (2, 4),  # fib(1)
        (2, 4),  # fib(0)
        (2, 3),  # fib(1), called by fib(3)
    ],  # fmt: skip
    fib_next=({"line": 3, "hitCondition": "2"}, (3, 3), (2, 3)),
    fib_out=({"line": 2, "hitCondition": "3"}, (2, 4), (2, 3)),
    events="""
let seen = 0
events.subscribe("ping", (kind, data) => {
  seen += data.n
})
events.publish("ping", { n: 2 })
print(seen)
""",
    events_step_in=[(1, 1), (2, 1), (5, 1), (3, 2), (6, 1)],
    events_next=[1, 2, 5, 6],
    errors="""
function boom() {
  throw new Error("bad")
}
let ok = true
try { boom() } catch (e) { ok = false }
print(ok)
boom()
print("never")
""",
    error_text="bad",
    error_where=[("boom", 2), ("main chunk", 7)],
    error_ok="false",
    error_line=2,
    total="let total = 0\nfor (let i = 1; i <= 6; i++) {\n  total += i\n}\nprint(total)\n",
    total_line=3,
    total_print=5,
    equals="===",
    spin="""
print("looping")
let n = 0
while (true) {
  n++
  if (n < 0) break
}
""",
    busy='print("spinning")\nwhile (true) {}\n',
    busy_where=[("main chunk", 2)],
    short="try {\n  print(1)\n} catch (e) {}\nprint(2)\n",
    short_line=2,
    nested="""
const config = { name: "x", deep: { list: [10, 20, 30], inner: { leaf: true } } }
let count = 2
function show(prefix) {
  const text = prefix + config.name + count
  return text
}
print(show("a"))
print(count, config.name, config.deep.inner.leaf)
""",
    nested_line=5,
    nested_where=[("show", 5), ("main chunk", 7)],
    scope_names=["Locals", "Closure", "Globals"],
    nested_locals={"prefix": '"a"', "text": '"ax2"'},
    scope1_names={"config", "count", "show"},
    scope_values={1: {"count": "2"}},
    container_type="object",
    list_items={"0": "10", "1": "20", "2": "30"},
    level2_values={"list": "(3) [10, 20, 30]"},
    frame2_locals={"config", "count", "show"},
    hooks="""
const seen = []
hooks.register("custom.x", (payload) => {
  seen.push(payload.n)
  return { n: payload.n + 1 }
})
const result = hooks.fire("custom.x", { n: 1 })
hooks.fire("custom.other", { n: 5 })
print(seen.length, result.payload.n)
""",
    hooks_where=[("main chunk", 6)],
    hooks_seen="seen.length",
    hooks_stdout="1\t2\n",
    hook_caught=(
        'let r = null\ntry { r = hooks.fire("custom.x", {}) } catch (e) { r = e }\n'
        'print("after", r)\n'
    ),
    spin_line=4,
)
