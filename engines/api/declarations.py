"""The spell API, declared once: every module, function, parameter and doc.

This table is plain data. The engine adapters build their bindings from it, `docs/api.md` is
generated from it, and the IDE's completion reads it; the Python services implement it
(a test checks that each declared function exists there with the declared parameters).
Names are snake_case; the JavaScript adapter turns them into camelCase.
"""

from __future__ import annotations

from dataclasses import dataclass

# Parameter and return types, as a spell author sees them.
TYPES = ("string", "number", "integer", "boolean", "array", "object", "function", "any", "nil")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    doc: str
    optional: bool = False


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[Param, ...]
    returns: str
    doc: str

    def signature(self) -> str:
        parts = [f"{p.name}?" if p.optional else p.name for p in self.params]
        return f"{self.name}({', '.join(parts)})"


@dataclass(frozen=True)
class Module:
    name: str
    doc: str
    functions: tuple[Function, ...]

    def function(self, name: str) -> Function:
        for fn in self.functions:
            if fn.name == name:
                return fn
        raise KeyError(f"{self.name}.{name}")


def _p(spec: str, doc: str) -> Param:
    """`"name:type"` or `"name?:type"` for an optional parameter."""
    name, type_ = spec.split(":")
    optional = name.endswith("?")
    return Param(name.rstrip("?"), type_, doc, optional)


def _f(name: str, params: list[Param], returns: str, doc: str) -> Function:
    return Function(name, tuple(params), returns, doc)


_SCOPE = _p("scope?:string", 'Where the value lives: "run" (default), "spell" or "global".')
_FIELDS = _p("fields?:object", "Structured fields attached to the record.")
_LABELS = _p("labels?:object", "Labels (string values) that tell series apart.")


def _log_level(level: str) -> Function:
    return _f(
        level, [_p("message:string", "What happened."), _FIELDS], "nil", f"Log at {level} level."
    )


LOG = Module(
    "log",
    "Structured logs: each call becomes a `log` record with its level and fields.",
    tuple(_log_level(level) for level in ("debug", "info", "warn", "error")),
)

JSON = Module(
    "json",
    "Encode and decode JSON.",
    (
        _f("encode", [_p("value:any", "A JSON-able value.")], "string", "Compact JSON text."),
        _f("decode", [_p("text:string", "JSON text.")], "any", "The value the text holds."),
        _f("pretty", [_p("value:any", "A JSON-able value.")], "string", "Indented JSON text."),
    ),
)

PARAMS = Module(
    "params",
    "The spell's typed parameters, from spell.yaml defaults, --params and --param.",
    (
        _f(
            "get",
            [_p("name:string", "Parameter name."), _p("default?:any", "Returned when unset.")],
            "any",
            "One parameter's value.",
        ),
        _f("all", [], "object", "Every parameter as a table."),
    ),
)

SPELL = Module(
    "spell",
    "Facts about the running spell.",
    (
        _f("name", [], "string", "The spell's name."),
        _f("version", [], "string", "The spell's version."),
        _f("dir", [], "string", "The folder the spell lives in."),
        _f("engine", [], "string", 'The engine running it: "lua", "javascript" or "tengo".'),
        _f("run_id", [], "string", "This run's id."),
    ),
)

UTIL = Module(
    "util",
    "Small utilities. Time, randomness and the environment pass the replay boundary.",
    (
        _f("sleep", [_p("seconds:number", "How long to wait.")], "nil", "Pause the spell."),
        _f("uuid", [], "string", "A random UUID (version 4)."),
        _f("now", [], "number", "Seconds since the Unix epoch, with fractions."),
        _f(
            "env",
            [_p("name:string", "Variable name; must be allowed by permissions.env.")],
            "string",
            "An environment variable, or nil when unset.",
        ),
    ),
)

_PATH = _p("path:string", 'A dotted path such as "a.b.c".')
STATE = Module(
    "state",
    "Key-value state with nested paths, scopes, snapshots and a history of changes.",
    (
        _f(
            "get",
            [_PATH, _p("default?:any", "Returned when the path is unset."), _SCOPE],
            "any",
            "The value at the path.",
        ),
        _f(
            "set",
            [_PATH, _p("value:any", "The new value (nil deletes)."), _SCOPE],
            "nil",
            "Set a value.",
        ),
        _f(
            "update",
            [
                _PATH,
                _p("change:any", "A function old -> new, or a table merged into the old one."),
                _SCOPE,
            ],
            "any",
            "Change a value in place; returns the new value.",
        ),
        _f("delete", [_PATH, _SCOPE], "boolean", "Remove a value; true when it existed."),
        _f(
            "keys",
            [_p("path?:string", "A table's path; the root when omitted."), _SCOPE],
            "array",
            "Keys at a path, sorted.",
        ),
        _f(
            "snapshot",
            [_p("label?:string", "A name for the snapshot."), _SCOPE],
            "integer",
            "Save the whole scope; returns the snapshot id.",
        ),
        _f(
            "restore",
            [_p("id:integer", "A snapshot id."), _SCOPE],
            "nil",
            "Put the scope back as it was in a snapshot.",
        ),
        _f(
            "history",
            [
                _p("path?:string", "Only changes under this path."),
                _p("limit?:integer", "At most this many, newest last."),
                _SCOPE,
            ],
            "array",
            "Past changes: {seq, op, path, old, new, ts}.",
        ),
        _f(
            "diff",
            [
                _p("from:integer", "A snapshot id."),
                _p("to?:integer", "A snapshot id; the current state when omitted."),
                _SCOPE,
            ],
            "array",
            "Changes between two snapshots: {path, op, old, new}.",
        ),
    ),
)

EVENTS = Module(
    "events",
    "Publish and subscribe; patterns use `*` wildcards; delivery is in publish order.",
    (
        _f(
            "publish",
            [_p("type:string", 'Event type, e.g. "order.created".'), _p("data?:any", "Payload.")],
            "integer",
            "Publish; returns the number of handlers called.",
        ),
        _f(
            "subscribe",
            [
                _p("pattern:string", 'A type or a pattern like "order.*".'),
                _p("handler:function", "Called with (type, data)."),
            ],
            "integer",
            "Subscribe; returns the subscription id.",
        ),
        _f(
            "unsubscribe",
            [_p("id:integer", "A subscription id.")],
            "boolean",
            "Stop a subscription.",
        ),
    ),
)

HOOKS = Module(
    "hooks",
    "Functions run at named points. A hook returns nil (no change), a new payload, or "
    "{cancel = true, reason = ...}. Higher priority runs first.",
    (
        _f(
            "register",
            [
                _p("point:string", "A hook point; see hooks.points()."),
                _p("handler:function", "Called with the payload."),
                _p("priority?:integer", "Higher runs first; default 0."),
            ],
            "integer",
            "Register; returns the hook id.",
        ),
        _f("unregister", [_p("id:integer", "A hook id.")], "boolean", "Remove a hook."),
        _f("points", [], "array", "The known hook points."),
        _f(
            "fire",
            [_p("point:string", "A hook point."), _p("payload?:object", "The payload.")],
            "object",
            "Run the hooks of a point: {payload, cancelled, reason}.",
        ),
    ),
)

TRACE = Module(
    "trace",
    "Spans, named and nested, with attributes (OpenTelemetry names where they exist).",
    (
        _f(
            "start_span",
            [_p("name:string", "Span name."), _p("attributes?:object", "Attributes.")],
            "integer",
            "Open a span under the current one; returns its id.",
        ),
        _f(
            "end_span",
            [_p("id:integer", "A span id."), _p("attributes?:object", "Attributes to add.")],
            "nil",
            "Close a span.",
        ),
        _f(
            "set_attribute",
            [_p("key:string", "Attribute name."), _p("value:any", "Value.")],
            "nil",
            "Set an attribute on the current span.",
        ),
        _f(
            "with_span",
            [
                _p("name:string", "Span name."),
                _p("attributes:object", "Attributes."),
                _p("fn:function", "Runs inside the span."),
            ],
            "any",
            "Run a function inside a span; returns what it returns. An error ends the span with status error.",
        ),
    ),
)

_METRIC = _p("name:string", "Metric name.")
METRICS = Module(
    "metrics",
    "Counters, gauges and histograms; each change is a `metric` record.",
    (
        _f(
            "counter",
            [_METRIC, _p("value?:number", "Increment; default 1."), _LABELS],
            "number",
            "Add to a counter; returns its total.",
        ),
        _f(
            "gauge",
            [_METRIC, _p("value:number", "The current value."), _LABELS],
            "nil",
            "Set a gauge.",
        ),
        _f(
            "histogram",
            [_METRIC, _p("value:number", "One observation."), _LABELS],
            "nil",
            "Record an observation.",
        ),
        _f(
            "get",
            [_METRIC, _LABELS],
            "any",
            "A counter's total, a gauge's value, or a histogram's {count, sum, min, max}.",
        ),
    ),
)

_TOOL_NAME = _p("name:string", "A tool's name.")
TOOLS = Module(
    "tools",
    "Tools an agent or a spell calls: 30+ builtins in groups (file, web, data, datetime, math, "
    "system, feed) and the spell's own. Each call is a span `execute_tool {name}` and passes the "
    "hooks before_tool_call and after_tool_call; arguments are checked against the tool's JSON "
    "Schema. File, network, environment and exec tools only reach what spell.yaml permits.",
    (
        _f(
            "register",
            [
                _TOOL_NAME,
                _p("description:string", "One line saying what it does (an LLM reads it)."),
                _p("parameters:object", "A JSON Schema of type object for the arguments."),
                _p("fn:function", "Called with the arguments table; returns a JSON-able value."),
            ],
            "nil",
            'Define a tool in the spell (group "spell").',
        ),
        _f(
            "call",
            [_TOOL_NAME, _p("arguments?:object", "The arguments, checked against the schema.")],
            "any",
            "Call a tool and return its result; a failure is an error naming the tool.",
        ),
        _f(
            "list",
            [_p("group?:string", 'Only this group, e.g. "file" or "spell".')],
            "array",
            "Every tool: {name, description, group, parameters, builtin}.",
        ),
        _f(
            "describe",
            [_TOOL_NAME],
            "object",
            "One tool: {name, description, group, parameters, builtin}.",
        ),
    ),
)

_REQUEST = _p(
    "request:any",
    "A prompt string, or a table: prompt or messages ({role, content} list), and any option.",
)
_OPTIONS = _p(
    "options?:object",
    "model (provider/model), system, temperature, max_tokens, stop, seed, timeout, tools.",
)
LLM = Module(
    "llm",
    "Language models through any provider (OpenAI, Anthropic, Gemini, Ollama, OpenAI-compatible "
    "servers, the embedded local model), with retries, fallbacks and record/replay. Each call is "
    "a `chat {model}` span with token and cost attributes.",
    (
        _f(
            "chat",
            [_REQUEST, _OPTIONS],
            "object",
            "Ask a model: {text, model, provider, finish_reason, usage {input_tokens, output_tokens}, cost, tool_calls}.",
        ),
        _f(
            "complete",
            [_p("prompt:string", "The prompt."), _OPTIONS],
            "string",
            "Ask a model; returns just the text.",
        ),
        _f(
            "stream",
            [
                _REQUEST,
                _p("on_chunk:function", "Called with each piece of text as it arrives."),
                _OPTIONS,
            ],
            "object",
            "Like chat, calling on_chunk as the answer streams in.",
        ),
        _f(
            "chunks",
            [_REQUEST, _OPTIONS],
            "function",
            "An iterator over the answer's chunks as they arrive: "
            "`for chunk in llm.chunks(prompt) do write(chunk) end` in Lua.",
        ),
        _f(
            "structured",
            [
                _REQUEST,
                _p("schema:object", "A JSON Schema the answer must match."),
                _p("options?:object", "As for chat, plus retries (default 2)."),
            ],
            "any",
            "Ask for JSON matching the schema; invalid answers are re-asked with the problems.",
        ),
        _f("providers", [], "array", "The providers: {name, kind, configured}."),
        _f(
            "models",
            [_p("provider?:string", "Only this provider's models.")],
            "array",
            "Known models: {name, provider, context_window, input_price, output_price} (prices per token).",
        ),
        _f(
            "use",
            [
                _p("model:string", "provider/model (e.g. openai/gpt-4o-mini), or a provider name"),
                _p("name?:string", "The model's name, when the first argument is a provider."),
            ],
            "nil",
            "The default model for the rest of the run.",
        ),
        _f("current", [], "string", "The model calls use when none is given."),
        _f(
            "fallbacks",
            [_p("models:array", "Models to try, in order, when the chosen one fails.")],
            "nil",
            "Set the fallback models.",
        ),
    ),
)

AGENT = Module(
    "agent",
    "Agents: a model with a system prompt, tools and limits, run in a tool-calling loop with "
    "conversation memory, handoffs to other agents and guardrails. Each run is an "
    "`invoke_agent {name}` span holding its LLM and tool spans.",
    (
        _f(
            "create",
            [
                _p(
                    "config:object",
                    "name, model, system, tools (names), max_iterations (8), temperature, "
                    "memory (true, false or 'spell' to keep it across runs), handoffs (agent "
                    "names), description, guardrails {input, output: function or JSON Schema, "
                    "retries}.",
                )
            ],
            "string",
            "Create (or replace) an agent; returns its name.",
        ),
        _f(
            "run",
            [
                _p("name:string", "The agent."),
                _p("input:any", "The user's message (text or a table)."),
            ],
            "object",
            "Run the tool-calling loop: {text, agent, transcript, iterations, usage}.",
        ),
        _f("reset", [_p("name:string", "The agent.")], "nil", "Forget the agent's conversation."),
        _f("list", [], "array", "The agents created in this run."),
        _f(
            "history",
            [_p("name:string", "The agent.")],
            "array",
            "The agent's remembered messages.",
        ),
    ),
)

_STEP_DOC = (
    "A step is a function(state) returning a table of updates (or nil), a workflow id, or a "
    "table {name, fn | agent | tool | workflow | spell (another spell's folder or file in "
    "this spell's folder, any engine: the state is its parameters, its run-scope state its "
    'updates), arguments or params (tool, spell: a table whose "$path" '
    "strings read the state, or a function(state)), input (agent: a state path), output (the "
    "state key for a tool's or agent's result; default the step name), on_error, compensate "
    "(function(state), run in reverse order when the workflow fails later)}. on_error is "
    '"fail" (default), "continue", {retry = n, backoff = seconds} or {fallback = step}.'
)

WORKFLOW = Module(
    "workflow",
    "Workflows over a state table: sequential, parallel, conditional and loop, nested to any "
    "depth. Constructors return the workflow's id (its name); `workflow.run` runs one. "
    + _STEP_DOC
    + " Records: `workflow.definition`, `workflow.step` (running, done, failed, skipped, "
    "compensated, with the state diff), `workflow.conflict`; spans `invoke_workflow {name}` "
    "with a `workflow_step {name}` span per step. A debugger stops before a step at the "
    "function breakpoint `step` or `step:NAME`. Parallel branches run at once (Lua, Tengo; "
    "JavaScript: one after another), each from the same state. `llmspell run --resume RUN_ID` "
    "goes on from a run's last checkpoint (docs/workflows.md).",
    (
        _f(
            "sequential",
            [_p("config:object", "name, steps (array), on_error.")],
            "string",
            "A workflow running its steps in order, each on the state the previous one left.",
        ),
        _f(
            "parallel",
            [
                _p(
                    "config:object",
                    "name, steps (the branches), max_concurrency (0: no limit), merge: "
                    '"namespaced" (default: state[branch] = its updates), "last_wins" '
                    "(conflicts reported) or function(state, results) returning updates, "
                    "on_error.",
                )
            ],
            "string",
            "A workflow running branches from the same state and merging their updates.",
        ),
        _f(
            "conditional",
            [
                _p(
                    "config:object",
                    "name, branches ({when = function(state) or {path, op, value}, step}), "
                    "default (a step), on_error. Ops: == ~= > >= < <= exists not_exists "
                    "contains in; {all = {...}}, {any = {...}}, {['not'] = c} combine them.",
                )
            ],
            "string",
            "A workflow running the first branch whose condition holds, else the default.",
        ),
        _f(
            "loop",
            [
                _p(
                    "config:object",
                    "name, step (or steps), and one of condition (or ['while']: a function "
                    "or {path, op, value}, checked before each iteration), times = N, over = "
                    "array (state[as or 'item'] and state.index set each time); "
                    "max_iterations (100) always applies; on_error.",
                )
            ],
            "string",
            "A workflow repeating its step while a condition holds, N times or over an array.",
        ),
        _f(
            "run",
            [
                _p("id:string", "The workflow."),
                _p("state?:object", "The initial state (default {})."),
            ],
            "object",
            "Run a workflow; returns the final state. After each step (at any depth) a checkpoint "
            "goes to run state `workflow.<id>.checkpoint`.",
        ),
        _f(
            "definition",
            [_p("id:string", "The workflow.")],
            "object",
            "Its graph: {workflow, name, type, nodes, edges}.",
        ),
        _f("list", [], "array", "The workflows created in this run: {id, name, type, steps}."),
    ),
)

API: tuple[Module, ...] = (
    LOG,
    JSON,
    PARAMS,
    SPELL,
    UTIL,
    STATE,
    EVENTS,
    HOOKS,
    TRACE,
    METRICS,
    TOOLS,
    LLM,
    AGENT,
    WORKFLOW,
)

# Globals every engine adds beside the modules (not module functions).
GLOBALS = {
    "print": "Write its arguments to the run's output (an `output` record), tab-separated, "
    "then a newline.",
    "write": "Write its arguments to the run's output as they are: no separator, no newline.",
}


def module(name: str) -> Module:
    for mod in API:
        if mod.name == name:
            return mod
    raise KeyError(name)
