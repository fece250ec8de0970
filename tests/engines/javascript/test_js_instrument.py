"""The instrumenter on tricky syntax: the instrumented spell means the same, keeps its lines,
and reports the lines a debugger would see (run in V8 with debug.js, set to report every
line, and a stand-in for the host that records them)."""

from __future__ import annotations

import json
import textwrap

import pytest

from engines.javascript.debug import _DEBUG_JS
from engines.javascript.instrument import instrument

_BRIDGE = """
globalThis.__seen = [];
globalThis.__llmspell_debug = (install) => install({
  request(message) { __seen.push(message[2]); return null; },
}).buffer;
"""


def _run(source: str, every_line: bool = False) -> tuple[object, list[int]]:
    """Runs `source` as a spell body (an async function); returns its `result` and lines."""
    from py_mini_racer import MiniRacer

    ctx = MiniRacer()
    ctx.eval(_BRIDGE)
    buffer = ctx.eval(_DEBUG_JS)
    if every_line:
        memoryview(buffer)[:32].cast("i")[1] = 1
    ctx.eval(
        "globalThis.__done = false; globalThis.__error = null; (async function () {"
        + source
        + "\n})().then((v) => { globalThis.result = v; __done = true },"
        + " (e) => { __error = String(e); __done = true })"
    )
    ctx.eval("0")  # lets pending Promise jobs run
    assert ctx.eval("__done") is True
    error = ctx.eval("__error")
    assert error is None, error
    result = json.loads(ctx.eval("JSON.stringify(result === undefined ? null : result)"))
    return result, json.loads(ctx.eval("JSON.stringify(__seen)"))


def _same(source: str) -> list[int]:
    """The instrumented source returns what the original does; its report of lines."""
    source = textwrap.dedent(source).strip("\n") + "\n"
    instrumented = instrument(source)
    assert instrumented is not None
    original_lines = source.count("\n")
    assert instrumented.source.count("\n") == original_lines + 2  # the closing lines only
    expected, _ = _run(source)
    got, _ = _run(instrumented.source)
    assert got == expected
    return _run(instrumented.source, every_line=True)[1]


CASES = {
    "asi": """
        let a = 1
        let b = a
        ;[a, b] = [b + 1, a]
        const c = `x`
        return [a, b, c]
    """,
    "labels": """
        const out = []
        outer: for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            if (j === 1) continue outer
            if (i === 2) break outer
            out.push([i, j])
          }
        }
        block: { out.push("in"); break block }
        return out
    """,
    "for-let closures": """
        const fns = []
        for (let i = 0; i < 3; i++) fns.push(() => i)
        return fns.map((f) => f())
    """,
    "arrow bodies": """
        const obj = () => ({ a: 1 })
        const seq = (x) => (x, x + 1)
        const nested = (x) => (y) => x + y
        const single = x => x * 2
        return [obj(), seq(1), nested(1)(2), single(4), [1, 2].map(n => n + 1)]
    """,
    "classes and getters": """
        class A {
          static count = 0
          #secret = 3
          constructor(v) { this.v = v; A.count++ }
          get twice() { return this.v * 2 }
          set twice(x) { this.v = x / 2 }
          static make() { return new A(5) }
          peek() { return this.#secret }
        }
        class B extends A { constructor() { super(7) } }
        const a = A.make()
        a.twice = 10
        const o = { get g() { return 1 }, m() { return 2 }, ["k" + 1]: 3 }
        return [a.v, a.twice, new B().v, A.count, a.peek(), o.g, o.m(), o.k1]
    """,
    "templates and regexes": """
        const n = 2
        const s = `a ${n + 1} ${`in ${n}`} ${(() => { return "f" })()} }{ // not a comment`
        const r = /[/;{}]+"'`/g
        const t = "a;b { } // c"  // a comment { ;
        /* a block comment; { */
        return [s, "x;/{}/".replace(r, "-"), t.split(";").length, r.source]
    """,
    "destructuring and defaults": """
        function f({ a, b: [c, d = 4] = [], ...rest }, e = a + 1, ...more) {
          return [a, c, d, rest, e, more]
        }
        const [x, , y = 9] = [1, 2]
        return [f({ a: 1, b: [3], z: 5 }), f({ a: 2 }, 0, 7, 8), x, y]
    """,
    "switch": """
        const out = []
        for (const v of [1, 2, 3]) {
          switch (v) {
            case 1:
              out.push("one")
            case 2: {
              let inner = v * 10
              out.push(inner)
              break
            }
            default:
              out.push("other")
          }
        }
        return out
    """,
    "try catch finally": """
        const out = []
        function f(x) {
          try {
            if (x) throw new Error("e" + x)
            return "ok"
          } catch ({ message }) {
            return message
          } finally {
            out.push("finally " + x)
          }
        }
        try { null.x } catch { out.push("caught") }
        return [f(0), f(1), out]
    """,
    "generators and async": """
        function* gen(n) { for (let i = 0; i < n; i++) yield i * 2; return "end" }
        function* outer() { yield* gen(2); const got = yield; yield got }
        const it = outer(); const seen = [it.next().value, it.next().value]
        it.next(); seen.push(it.next("sent").value)
        async function later(x) { await null; return x + 1 }
        const vals = [...gen(3)]
        return [vals, seen, await later(1), await Promise.all([later(2), later(3)])]
    """,
    "directives and hoisting": """
        "use strict"
        function inner() { "use strict"; return typeof this }
        return [hoisted(), inner(), typeof later]
        function hoisted() { return "hoisted" }
        var later = 1
    """,
    "for (;;) and loop variables": """
        let k = 0
        for (;;) { k++; if (k > 3) break }
        const seen = []
        for (let i = 0, j = 10; i < 3; i++, j--) seen.push(i * j)
        const later = []
        for (let i = 0; i < 3; i++) later.push(() => i)
        function pair(a, b) { return a + b }
        return [k, seen, later.map((f) => f()), pair(1, 2)]
    """,
    "if without braces and else if": """
        function sign(x) {
          if (x > 0) return 1
          else if (x < 0) return -1
          else return 0
        }
        let n = 0
        do n++; while (n < 3)
        while (n > 0) n--
        return [sign(5), sign(-2), sign(0), n]
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_instrumented_spell_means_the_same(name):
    """Same result, same line count, and every line reported exists in the source."""
    source = textwrap.dedent(CASES[name]).strip("\n")
    lines = _same(source)
    assert lines and all(1 <= line <= source.count("\n") + 1 for line in lines)


def test_lines_reported_through_a_loop_and_calls():
    """The debugger's view: a loop line before each test, a call's body, one stop per line."""
    source = """
    function add(a, b) {
      return a + b
    }
    let s = 0
    for (let i = 0; i < 2; i++) s = add(s, i); let after = 1
    return s
    """
    assert _same(source) == [4, 5, 2, 5, 2, 5, 6]


def test_scopes_of_each_site():
    """Each hook knows the names in scope: the function's own, then the enclosing ones."""
    source = textwrap.dedent(
        """
        const top = 1
        function f(a, { b }) {
          var v = 2
          for (let i = 0; i < 1; i++) {
            const inside = i
            print(inside)
          }
          return v
        }
        """
    ).strip("\n")
    result = instrument(source)
    assert result is not None
    by_line = {code >> 6: names for code, names in sorted(result.sites.items(), reverse=True)}
    assert by_line[6] == (("inside", "i", "a", "b", "v"), ("top", "f"))
    assert by_line[8] == (("a", "b", "v"), ("top", "f"))


def test_a_syntax_error_is_left_to_v8():
    """Source that does not parse is not instrumented: V8 reports its error."""
    assert instrument("let x = (1\n") is None


def test_frame_names():
    """Frames are named after the function, or what it is assigned to."""
    source = textwrap.dedent(
        """
        const handler = () => 1
        obj.run = function () {}
        class K { method() {} get g() { return 1 } }
        const o = { key: () => 2 }
        list.map((x) => x)
        """
    )
    text = instrument(source).source  # type: ignore[union-attr]
    for name in ("handler", "obj.run", "K.method", "get K.g", "key", "function <main.js:6>"):
        assert f"__dbg_n({json.dumps(name)})" in text


def test_no_direct_eval_in_the_spell():
    """Direct eval would keep V8 from optimising every function around it: the spell's scopes
    are read through accessors, and a few loop variables and parameters through the frame."""
    source = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }\n"
    source += "let s = 0\nfor (let i = 0; i < 3; i++) { s += fib(i) }\n"
    instrumented = instrument(source)
    assert instrumented is not None
    assert "eval(" not in instrumented.source
    assert set(instrumented.snapshots.values()) == {("n",), ("i",)}
