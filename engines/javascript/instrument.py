"""Rewrites a JavaScript spell for the debugger: hooks before statements, a shadow call stack.

V8's inspector is out of reach through mini-racer, so a debugged spell runs an instrumented
copy of its source. The copy is made from tree-sitter's syntax tree (never from the text:
strings, template literals, regular expressions and comments are left as they are) and only
*inserts* text on existing lines, so every line keeps its number and V8's own line numbers
(errors, stack traces) stay exact. What is inserted, all calls into engines/javascript/debug.js:

- before each statement (and in each loop test, and at the start of a for-in/of body) a
  hook `__dbg_w[0] | __dbg_w[LINE] ? __dbg_h(__dbg_f, CODE, E) && __dbg_b(__dbg_f, A) :
  (__dbg_f.code = CODE, __dbg_f.ev = E)`, where CODE is `line * 64 + k`, k the hook's rank
  on its line. Inline, it only notes where the frame is, unless the line has a breakpoint or
  the host wants every hook to look (byte 0: attention, stepping); `__dbg_h` then decides;
- no direct eval (it would make V8 keep every variable of every enclosing function in a
  context and give up optimising them): each scope that declares names gets an accessor
  `const __dbg_eN = (__n, __o, __v) => { switch (__n) { case "x": ... } }` that reads,
  recognises or assigns its names by name and hands others to the enclosing scope's
  (`__dbg_eN-1`); debug.js evaluates expressions over it with `with`, in a function of its
  own. A for statement's head gets one at its hook (A), for the loop's own variables;
- in each function: `const __dbg_f = __dbg_n(NAME)` and the body, led by its accessor,
  inside `try {...} catch (x) { __dbg_t(__dbg_f, x); throw x } finally { __dbg_o(__dbg_f) }`:
  the frame on the shadow stack and uncaught errors seen where they are thrown.
  Expression-bodied arrows become block bodies (on the same lines);
- `await X` / `yield X` become `__dbg_r(__dbg_f, await __dbg_s(__dbg_f, X))`: a suspended
  frame leaves the stack and comes back when resumed;
- a `try` with a `catch` counts itself on its frame (`__dbg_f.t`), so a throw knows whether
  the spell will catch it.

For each hook the names in scope are recorded (`Instrumented.sites`), from the declarations of
the enclosing blocks and functions, for the debugger's Locals and Closure scopes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from engines.javascript.instrument_tree import (
    DECLARATIONS,
    FUNCTIONS,
    after_directives,
    declared,
    function_name,
    function_names,
    inner,
    lexical_names,
    line_of,
    named,
    pattern_names,
    required,
)

_LANGUAGE = Language(tree_sitter_javascript.language())
# Statements that are not hooked: nothing runs there (hoisted, empty) or they only group.
_UNHOOKED = DECLARATIONS | {"empty_statement", "statement_block"}
_LOOP_BODIES = {
    "for_statement",
    "for_in_statement",
    "while_statement",
    "do_statement",
    "with_statement",
}
# The common case inline: no call, only the frame's position (for the stack, and for the
# evaluator of a frame that is not the innermost). `__dbg_w` is debug.js's byte per line;
# byte 0 is set while the host wants every hook to look (attention, stepping).
_HOOK = (
    "__dbg_w[0] | __dbg_w[{line}] ? __dbg_h(__dbg_f, {code}, {evaluator}) && "
    "__dbg_b(__dbg_f, {access}) : (__dbg_f.code = {code}, __dbg_f.ev = {evaluator})"
)
_MAX_RANK = 63
_MAX_SNAPSHOT = 4  # loop variables a frame has room for (s0..s3)
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")


@dataclass
class Site:
    line: int
    offset: int
    locals: tuple[str, ...]
    closure: tuple[str, ...]
    code: int = 0


@dataclass
class Instrumented:
    source: str
    # CODE -> the names in scope there: (locals of the function, names of enclosing ones).
    sites: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    lines: int = 0
    # CODE -> the loop variables its hook copies into the frame (`s0`, `s1`...).
    snapshots: dict[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class _Scope:
    names: list[str]
    function: bool
    parent: _Scope | None
    # Whether the scope declares its own `__dbg_e` (a for statement's head does not).
    evaluator: bool = True
    # A `for (let ...)` head whose names no closure mentions (see _snapshot).
    snapshot: bool = False


def instrument(source: str, chunkname: str = "main.js") -> Instrumented | None:
    """The debuggable copy of `source`, or None when it does not parse (V8 then reports the
    syntax error itself, on the original text)."""
    data = source.encode("utf-8")
    tree = Parser(_LANGUAGE).parse(data)
    if tree.root_node.has_error:
        return None
    return _Rewriter(data, chunkname).run(tree.root_node)


class _Rewriter:
    def __init__(self, data: bytes, chunkname: str) -> None:
        self.data = data
        self.chunkname = chunkname
        self.inserts: list[tuple[int, int, int, str]] = []  # offset, phase, seq, text
        self.sites: list[Site] = []
        self.scope: _Scope | None = None
        self.snapshots: dict[int, tuple[str, ...]] = {}  # site index -> loop variables

    # -- output ------------------------------------------------------------------------------

    def open(self, offset: int, text: str) -> None:
        """Text that starts a construct: outer constructs first at one offset."""
        self.inserts.append((offset, 1, len(self.inserts), text))

    def close(self, offset: int, text: str) -> None:
        """Text that ends a construct: added after its children, so inner ones come first."""
        self.inserts.append((offset, 0, len(self.inserts), text))

    def hook(self, offset: int, line: int) -> str:
        """A hook's expression; its CODE is filled in once every site of the line is known."""
        locals_: list[str] = []
        closure: list[str] = []
        scope, target = self.scope, locals_
        while scope is not None:
            for name in scope.names:
                if name not in locals_ and name not in closure:
                    target.append(name)
            if scope.function:
                target = closure
            scope = scope.parent
        self.sites.append(Site(line, offset, tuple(locals_), tuple(closure)))
        # The scope's own evaluator, or (a for statement's head) one for the site.
        current = _evaluator_name(self.scope)
        snapshot = _snapshot(self.scope)
        access = current
        if self.scope is not None and not self.scope.evaluator and self.scope.names:
            access = _accessor(self.scope.names, current)
        code = f"\x00{len(self.sites) - 1}\x00"  # see finish()
        if snapshot:
            self.snapshots[len(self.sites) - 1] = tuple(snapshot)
            return _snapshot_hook(snapshot, code, line, current)
        text = _HOOK.replace("{code}", code)
        text = text.replace("{line}", str(line)).replace("{evaluator}", current)
        return text.replace("{access}", access)

    def prologue(self, name: str) -> str:
        # The evaluator inside the `try` block, where the body's own let/const live.
        assert self.scope is not None
        evaluator = self.evaluator() if self.scope.evaluator else ""
        return f"const __dbg_f = __dbg_n({json.dumps(name)}); try {{ {evaluator}"

    def evaluator(self) -> str:
        """`const __dbg_eN = ...;` for the scope just entered (N its depth): an accessor of
        the scope's names that hands other names to the enclosing scope's accessor. No direct
        eval: it would pessimise every enclosing function."""
        assert self.scope is not None
        parent = _evaluator_name(self.scope.parent)
        return (
            f"const {_evaluator_name(self.scope)} = "
            + _accessor(self.scope.names + _snapshot(self.scope.parent), parent)
            + "; "
        )

    def run(self, root: Node) -> Instrumented:
        body = list(named(root))
        start = after_directives(body)
        offset = body[start - 1].end_byte if start else 0
        self.scope = _Scope(function_names(root), True, None)
        prologue = self.prologue("main chunk") + "__dbg_k(\x01); "  # the snapshots' table
        self.open(offset, _after(body[:start]) + prologue)
        for statement in body[start:]:
            self.statement(statement)
        suffix = "\n" + _epilogue() + "\n"
        return self.finish(suffix)

    def finish(self, suffix: str) -> Instrumented:
        by_line: dict[int, list[Site]] = {}
        for site in self.sites:
            by_line.setdefault(site.line, []).append(site)
        result = Instrumented("", lines=self.data.count(b"\n") + 1)
        for line, sites in by_line.items():
            for rank, site in enumerate(sorted(sites, key=lambda s: s.offset)):
                site.code = line * 64 + min(rank, _MAX_RANK)
                result.sites.setdefault(site.code, (site.locals, site.closure))
        for index, names in self.snapshots.items():
            result.snapshots.setdefault(self.sites[index].code, names)
        table = json.dumps({str(code): list(names) for code, names in result.snapshots.items()})
        parts: list[bytes] = []
        last = 0
        for offset, _phase, _seq, text in sorted(self.inserts):
            parts.append(self.data[last:offset])
            code = _PLACEHOLDER.sub(lambda m: str(self.sites[int(m.group(1))].code), text)
            code = code.replace("\x01", table)
            parts.append(code.encode("utf-8"))
            last = offset
        parts.append(self.data[last:])
        result.source = b"".join(parts).decode("utf-8") + suffix
        return result

    # -- statements --------------------------------------------------------------------------

    def statement(self, node: Node, hooked: bool = True) -> None:
        kind = node.type
        if hooked and kind not in _UNHOOKED:
            self.open(node.start_byte, self.hook(node.start_byte, line_of(node)) + "; ")
        if kind == "statement_block":
            self.block(node)
        elif kind == "if_statement":
            self.expressions(node.child_by_field_name("condition"))
            self.body(required(node, "consequence"))
            alternative = node.child_by_field_name("alternative")
            if alternative is not None:
                self.body(next(iter(named(alternative))))
        elif kind in ("for_statement", "while_statement", "do_statement"):
            self.loop(node)
        elif kind == "for_in_statement":
            self.for_in(node)
        elif kind == "try_statement":
            self.try_statement(node)
        elif kind == "switch_statement":
            self.expressions(node.child_by_field_name("value"))
            for case in named(node.child_by_field_name("body")):
                for part in named(case):
                    if part == case.child_by_field_name("value"):
                        self.expressions(part)
                    else:
                        self.statement(part)
        elif kind == "labeled_statement":
            # The hook went before the label: `label: hook; loop` would detach the label.
            self.statement(required(node, "body"), hooked=False)
        elif kind == "with_statement":
            self.expressions(node.child_by_field_name("object"))
            self.body(required(node, "body"))
        else:
            self.expressions(node)

    def block(self, node: Node, names: list[str] | None = None, prefix: str = "") -> None:
        """A `{ ... }` block: its own scope when it declares names (or is given some)."""
        declared = lexical_names(node) + list(names or [])
        inside = node.start_byte + 1
        outer = self.scope
        if declared:
            self.scope = _Scope(declared, False, outer)
        if declared or prefix:
            # The block's evaluator first: a hook in `prefix` already refers to it.
            self.open(inside, (self.evaluator() if declared else "") + prefix)
        for statement in named(node):
            self.statement(statement)
        self.scope = outer

    def body(self, node: Node, names: list[str] | None = None, head: str = "") -> None:
        """The body of an if/else/loop: a block as is, a single statement wrapped in one."""
        if node.type == "statement_block":
            self.block(node, names, head)
            return
        declared = list(names or [])
        outer = self.scope
        if declared:
            self.scope = _Scope(declared, False, outer)
        opening = "{ " + (self.evaluator() if declared else "") + head
        self.open(node.start_byte, opening)
        self.statement(node)
        self.scope = outer
        self.close(node.end_byte, " }")

    def loop(self, node: Node) -> None:
        kind = node.type
        names: list[str] = []
        if kind == "for_statement":
            init = node.child_by_field_name("initializer")
            if init is not None and init.type == "lexical_declaration":
                names = declared(init)
            outer = self.scope
            # `let` loop variables a few: copied into the frame by the hooks instead of
            # mentioned by a closure, which would make V8 copy a context every iteration.
            snapshot = 0 < len(names) <= _MAX_SNAPSHOT and init is not None
            snapshot = snapshot and (init.children[0].type == "let" if init else False)
            if names:
                self.scope = _Scope(names, False, outer, evaluator=False, snapshot=snapshot)
                if snapshot:
                    names = []
            if init is not None:
                self.expressions(init)
            self.test(node.child_by_field_name("condition"), line_of(node))
            self.expressions(node.child_by_field_name("increment"))
            self.body(required(node, "body"), names)
            self.scope = outer
            return
        if kind == "while_statement":
            self.test(inner(node.child_by_field_name("condition")), line_of(node))
            self.body(required(node, "body"))
            return
        self.body(required(node, "body"))
        condition = required(node, "condition")
        self.test(inner(condition), line_of(condition))

    def test(self, node: Node | None, line: int) -> None:
        """A hook evaluated before each loop test (the loop's line is seen per iteration)."""
        if node is None:
            return
        if node.type == "empty_statement":  # for (;;): the hook, then the test that holds
            self.open(node.start_byte, "(" + self.hook(node.start_byte, line) + "), true")
            return
        self.open(node.start_byte, "(" + self.hook(node.start_byte, line) + "), ")
        self.expressions(node)

    def for_in(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        kind = node.child_by_field_name("kind")
        names = pattern_names(left) if kind is not None and left is not None else []
        if kind is not None and kind.type == "var":
            names = []  # hoisted to the function, already in its scope
        self.expressions(node.child_by_field_name("right"))
        outer = self.scope
        if names:
            self.scope = _Scope(names, False, outer, evaluator=False)
        if left is not None:
            self.expressions(left)
        body = required(node, "body")
        # Each iteration shows the loop's line, with the new value of the loop variable.
        start = body.start_byte + 1 if body.type == "statement_block" else body.start_byte
        head = self.hook(start, line_of(node)) + "; "
        self.body(body, names, head)
        self.scope = outer

    def try_statement(self, node: Node) -> None:
        body = required(node, "body")
        handler = node.child_by_field_name("handler")
        finalizer = node.child_by_field_name("finalizer")
        if handler is not None:
            # Counted while its block runs: a throw in it is caught by the spell.
            self.open(body.start_byte + 1, "__dbg_f.t++; try { ")
        self.block(body)
        if handler is not None:
            self.close(body.end_byte - 1, " } finally { __dbg_f.t-- } ")
            parameter = handler.child_by_field_name("parameter")
            names = pattern_names(parameter) if parameter is not None else []
            if parameter is not None:
                self.expressions(parameter)
            self.block(required(handler, "body"), names, "__dbg_c(); ")
        if finalizer is not None:
            self.block(required(finalizer, "body"))

    # -- expressions -------------------------------------------------------------------------

    def expressions(self, node: Node | None) -> None:
        """Walks an expression (or a declaration) for functions, awaits and yields."""
        if node is None:
            return
        kind = node.type
        if kind in FUNCTIONS:
            self.function(node)
            return
        if kind in ("await_expression", "yield_expression"):
            self.suspension(node)
            return
        if kind == "class_static_block":
            self.block(required(node, "body"))
            return
        for child in named(node):
            self.expressions(child)

    def suspension(self, node: Node) -> None:
        argument = next(iter(named(node)), None)
        self.open(node.start_byte, "__dbg_r(__dbg_f, ")
        if argument is None:  # a bare `yield`
            self.close(node.end_byte, " __dbg_s(__dbg_f, undefined))")
            return
        self.open(argument.start_byte, "__dbg_s(__dbg_f, ")
        self.expressions(argument)
        self.close(argument.end_byte, ")")
        self.close(node.end_byte, ")")

    def function(self, node: Node) -> None:
        parameters = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        body = node.child_by_field_name("body")
        names = pattern_names(parameters) if parameters is not None else []
        if body is None:
            return
        outer = self.scope
        if parameters is not None:
            self.expressions(parameters)  # default values may hold functions
        name = function_name(node, self.chunkname)
        if body.type != "statement_block":
            # An arrow's expression body: `{ prologue try { hook; return EXPR } ... }`.
            self.scope = _function_scope(names, [], outer)
            self.open(body.start_byte, "{ " + self.prologue(name))
            self.open(body.start_byte, self.hook(body.start_byte, line_of(body)) + "; return ")
            self.expressions(body)
            self.close(body.end_byte, " " + _epilogue() + " }")
            self.scope = outer
            return
        statements = list(named(body))
        start = after_directives(statements)
        inside = statements[start - 1].end_byte if start else body.start_byte + 1
        self.scope = _function_scope(names, function_names(body), outer)
        self.open(inside, _after(statements[:start]) + self.prologue(name))
        for statement in statements[start:]:
            self.statement(statement)
        self.close(body.end_byte - 1, " " + _epilogue() + " ")
        self.scope = outer


# -- text ----------------------------------------------------------------------------------


def _after(directives: list[Node]) -> str:
    """What ends the last directive, when it has no semicolon (the prologue follows it on
    its line, where no automatic semicolon would be inserted)."""
    if directives and not (directives[-1].text or b"").rstrip().endswith(b";"):
        return "; "
    return ""


def _function_scope(parameters: list[str], names: list[str], outer: _Scope | None) -> _Scope:
    """A function's scope. With a few parameters and nothing else declared (fib(n)), the
    hooks copy the parameters into the frame: no accessor closure to make at each call, and
    the parameters stay out of a context."""
    if not names and len(parameters) <= _MAX_SNAPSHOT:
        return _Scope(parameters, True, outer, evaluator=False, snapshot=True)
    return _Scope(parameters + names, True, outer)


def _snapshot(scope: _Scope | None) -> list[str]:
    """The loop variables a hook in `scope` copies into its frame: those of the `for (let`
    heads between it and the nearest scope with an accessor."""
    names: list[str] = []
    while scope is not None and not scope.evaluator:
        if scope.snapshot:
            names += [name for name in scope.names if name not in names]
        scope = scope.parent
    return names


def _snapshot_hook(names: list[str], code: str, line: int, evaluator: str) -> str:
    """A hook that copies loop variables into the frame (`s0`...), and back after a stop
    that changed them (`__dbg_b` then returns true)."""
    copy = ", ".join(f"__dbg_f.s{k} = {name}" for k, name in enumerate(names))
    back = ", ".join(f"{name} = __dbg_f.s{k}" for k, name in enumerate(names))
    return (
        f"__dbg_w[0] | __dbg_w[{line}] ? ({copy}, __dbg_h(__dbg_f, {code}, {evaluator}) && "
        f"__dbg_b(__dbg_f, {evaluator}) && ({back})) : "
        f"(__dbg_f.code = {code}, __dbg_f.ev = {evaluator}, {copy})"
    )


def _evaluator_name(scope: _Scope | None) -> str:
    """The name of the accessor that sees from `scope` (`__dbg_e0` when there is none)."""
    depth = 0
    while scope is not None:
        depth += scope.evaluator
        scope = scope.parent
    return f"__dbg_e{depth}"


def _accessor(names: list[str], parent: str) -> str:
    """A closure that reads (op 0), recognises (op 1) or assigns (op 2) a name in scope:
    debug.js evaluates expressions over it with `with`, outside the spell's functions."""
    cases = "".join(
        f'case "{n}": return __o ? __o > 1 ? ({n} = __v) : 1 : {n}; ' for n in dict.fromkeys(names)
    )
    default = "" if parent == "__dbg_e0" else f"default: return {parent}(__n, __o, __v); "
    return "(__n, __o, __v) => { switch (__n) { " + cases + default + "} }"


def _epilogue() -> str:
    return (
        "} catch (__dbg_x) { __dbg_t(__dbg_f, __dbg_x); throw __dbg_x } "
        "finally { __dbg_o(__dbg_f) }"
    )
