"""The `agent` service: a model with a system prompt, tools and limits, run in a
tool-calling loop, with conversation memory, handoffs and guardrails.

`run` asks the model; while it answers with tool calls (several per turn allowed), each is
executed through the tools service and its result fed back; the final text is returned with
the transcript. A handoff is offered to the model as a tool `transfer_to_<agent>`: calling it
passes the conversation to that agent, whose answer ends the run. Each run is a span
`invoke_agent {name}` holding the LLM and tool spans beneath it.
"""

from __future__ import annotations

import builtins
import json
import re
from dataclasses import dataclass, field
from typing import Any

from engines.api.context import RunContext
from engines.api.hooks import HooksService
from engines.api.llm import LlmService
from engines.api.schema_check import certainly_valid
from engines.api.state import StateService
from engines.api.telemetry_services import TraceService
from engines.api.tools import ToolsService
from engines.errors import ApiError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_HANDOFF = "transfer_to_"
_CONFIG_KEYS = {
    "name", "model", "system", "tools", "max_iterations", "temperature", "memory",
    "handoffs", "guardrails", "max_tokens", "description",
}  # fmt: skip


@dataclass
class Agent:
    name: str
    model: str | None
    system: str
    tools: list[str]
    max_iterations: int
    temperature: float | None
    memory: str  # "none", "run" or "spell"
    handoffs: list[str]
    description: str
    max_tokens: int | None
    input_guard: Any = None
    output_guard: Any = None
    guard_retries: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


class GuardrailError(ApiError):
    """An input or output guardrail refused."""


class AgentService:
    def __init__(
        self,
        ctx: RunContext,
        llm: LlmService,
        tools: ToolsService,
        trace: TraceService,
        hooks: HooksService,
        state: StateService,
    ) -> None:
        self._ctx = ctx
        self._state = state
        self._llm = llm
        self._tools = tools
        self._trace = trace
        self._hooks = hooks
        self._agents: dict[str, Agent] = {}

    # -- spell API -------------------------------------------------------------------------

    def create(self, config: dict[str, Any]) -> str:
        unknown = set(config) - _CONFIG_KEYS
        if unknown:
            raise ApiError(f"unknown agent settings: {', '.join(sorted(unknown))}")
        name = config.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ApiError(
                "an agent needs a name: letters, digits, - and _, starting with a letter"
            )
        tools = list(config.get("tools") or [])
        known = set(self._tools.names())
        missing = [t for t in tools if t not in known]
        if missing:
            raise ApiError(f"agent {name}: unknown tools {', '.join(missing)}")
        memory = config.get("memory", True)
        memory_kind = {
            True: "run",
            False: "none",
            "run": "run",
            "spell": "spell",
            "none": "none",
        }.get(memory)
        if memory_kind is None:
            raise ApiError("memory must be true, false, 'run' or 'spell'")
        iterations = int(config.get("max_iterations") or 8)
        if not 1 <= iterations <= 100:
            raise ApiError("max_iterations must be between 1 and 100")
        guardrails = config.get("guardrails") or {}
        agent = Agent(
            name=name,
            model=config.get("model"),
            system=str(config.get("system") or f"You are {name}, a helpful assistant."),
            tools=tools,
            max_iterations=iterations,
            temperature=config.get("temperature"),
            memory=memory_kind,
            handoffs=list(config.get("handoffs") or []),
            description=str(config.get("description") or ""),
            max_tokens=config.get("max_tokens"),
            input_guard=guardrails.get("input"),
            output_guard=guardrails.get("output"),
            guard_retries=int(guardrails.get("retries") or 0),
        )
        if memory_kind == "spell":
            agent.history = list(self._state.get(f"agents.{name}.history", []) or [])
        self._agents[name] = agent
        return name

    def run(self, name: str, input: Any) -> dict[str, Any]:
        agent = self._agent(name)
        text = input if isinstance(input, str) else json.dumps(input, ensure_ascii=False)
        return self._run(agent, text, depth=0)

    def reset(self, name: str) -> None:
        agent = self._agent(name)
        agent.history = []
        if agent.memory == "spell":
            self._state.delete(f"agents.{name}.history", "spell")

    def list(self) -> builtins.list[dict[str, Any]]:
        return [
            {
                "name": a.name,
                "model": a.model,
                "tools": a.tools,
                "handoffs": a.handoffs,
                "memory": a.memory,
            }
            for a in self._agents.values()
        ]

    def history(self, name: str) -> builtins.list[dict[str, Any]]:
        return [dict(m) for m in self._agent(name).history]

    # -- the loop --------------------------------------------------------------------------

    def _agent(self, name: str) -> Agent:
        agent = self._agents.get(name)
        if agent is None:
            raise ApiError(f"no agent named {name!r}; create it with agent.create first")
        return agent

    def _run(self, agent: Agent, text: str, depth: int) -> dict[str, Any]:
        if depth > 8:
            raise ApiError("too many handoffs in a row (more than 8)")
        self._guard(agent, agent.input_guard, text, "input")
        start = self._hooks.run("agent_start", {"agent": agent.name, "input": text})
        if start.cancelled:
            raise ApiError(
                f"agent {agent.name} was cancelled by an agent_start hook: {start.reason}"
            )
        attributes = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": agent.name,
            "gen_ai.request.model": agent.model or self._llm.current(),
        }
        with self._trace.span(f"invoke_agent {agent.name}", attributes):
            self._ctx.semantic_stop(
                "agent",
                agent.name,
                f"before agent {agent.name} runs",
                {"agent": agent.name, "input": text, "model": attributes["gen_ai.request.model"]},
            )
            result = self._loop(agent, text, depth)
            self._trace.set_attribute("llmspell.response.text", result["text"][:8000])
        self._hooks.run("agent_stop", {"agent": agent.name, "output": result["text"]})
        return result

    def _loop(self, agent: Agent, text: str, depth: int) -> dict[str, Any]:
        conversation = [*agent.history, {"role": "user", "content": text}]
        transcript: builtins.list[dict[str, Any]] = [{"role": "user", "content": text}]
        specs = self._tools.specs(agent.tools) if agent.tools else []
        specs += [self._handoff_spec(target) for target in agent.handoffs]
        usage = {"input_tokens": 0, "output_tokens": 0}
        retries_left = agent.guard_retries
        for iteration in range(1, agent.max_iterations + 1):
            options: dict[str, Any] = {"system": agent.system}
            for key in ("model", "temperature", "max_tokens"):
                if getattr(agent, key) is not None:
                    options[key] = getattr(agent, key)
            if specs:
                options["tools"] = specs
            answer = self._llm.chat(
                {"messages": [{"role": "system", "content": agent.system}, *conversation]}, options
            )
            usage["input_tokens"] += answer["usage"]["input_tokens"]
            usage["output_tokens"] += answer["usage"]["output_tokens"]
            calls = answer.get("tool_calls") or []
            if not calls:
                reply = answer["text"]
                try:
                    self._guard(agent, agent.output_guard, reply, "output")
                except GuardrailError as exc:
                    if retries_left <= 0:
                        raise
                    retries_left -= 1
                    conversation += [
                        {"role": "assistant", "content": reply},
                        {
                            "role": "user",
                            "content": f"Your answer was refused: {exc}. Answer again.",
                        },
                    ]
                    continue
                message = {"role": "assistant", "content": reply}
                conversation.append(message)
                transcript.append(message)
                self._remember(agent, conversation)
                return {
                    "text": reply,
                    "agent": agent.name,
                    "transcript": transcript,
                    "iterations": iteration,
                    "usage": usage,
                }
            assistant = {
                "role": "assistant",
                "content": answer.get("text") or None,
                "tool_calls": [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
                    }
                    for c in calls
                ],
            }
            conversation.append(assistant)
            transcript.append(assistant)
            for call in calls:
                if call["name"].startswith(_HANDOFF):
                    target = call["name"][len(_HANDOFF) :]
                    return self._handoff(
                        agent, target, call, conversation, transcript, depth, usage
                    )
                outcome = self._tools.invoke(call["name"], call["arguments"])
                tool_message = {
                    "role": "tool",
                    "tool_call_id": call["id"],
                    "content": json.dumps(outcome, ensure_ascii=False),
                }
                conversation.append(tool_message)
                transcript.append(tool_message)
        raise ApiError(
            f"agent {agent.name} did not finish within {agent.max_iterations} iterations"
        )

    def _handoff(
        self,
        agent: Agent,
        target: str,
        call: dict[str, Any],
        conversation: builtins.list[dict[str, Any]],
        transcript: builtins.list[dict[str, Any]],
        depth: int,
        usage: dict[str, int],
    ) -> dict[str, Any]:
        if target not in agent.handoffs or target not in self._agents:
            raise ApiError(f"agent {agent.name} handed off to an unknown agent {target!r}")
        note = call["arguments"].get("reason") if isinstance(call["arguments"], dict) else None
        self._ctx.emit(
            "event",
            {
                "type": "agent.handoff",
                "data": {"from": agent.name, "to": target, "reason": note},
                "handlers": [],
            },
        )
        self._remember(agent, conversation)
        question = next((m["content"] for m in reversed(conversation) if m["role"] == "user"), "")
        result = self._run(self._agents[target], str(question), depth + 1)
        result["transcript"] = [
            *transcript,
            {"role": "handoff", "from": agent.name, "to": target},
            *result["transcript"],
        ]
        result["usage"] = {k: usage[k] + result["usage"][k] for k in usage}
        return result

    def _handoff_spec(self, target: str) -> dict[str, Any]:
        other = self._agents.get(target)
        description = other.description if other and other.description else f"the agent {target}"
        return {
            "type": "function",
            "function": {
                "name": f"{_HANDOFF}{target}",
                "description": f"Hand the conversation to {description}.",
                "parameters": {"type": "object", "properties": {"reason": {"type": "string"}}},
            },
        }

    def _guard(self, agent: Agent, guard: Any, text: str, which: str) -> None:
        if guard is None:
            return
        if callable(guard):
            verdict = guard(text)
            if verdict is False or isinstance(verdict, str):
                reason = verdict if isinstance(verdict, str) else "refused"
                raise GuardrailError(f"agent {agent.name}: the {which} guardrail refused: {reason}")
            return
        if isinstance(guard, dict):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise GuardrailError(
                    f"agent {agent.name}: the {which} must be JSON matching its schema"
                ) from None
            if certainly_valid(guard, value):
                return
            import jsonschema

            errors = list(jsonschema.Draft202012Validator(guard).iter_errors(value))
            if errors:
                raise GuardrailError(
                    f"agent {agent.name}: the {which} does not match its schema: {errors[0].message}"
                )
            return
        raise ApiError("a guardrail is a function or a JSON Schema")

    def _remember(self, agent: Agent, conversation: builtins.list[dict[str, Any]]) -> None:
        if agent.memory == "none":
            return
        agent.history = conversation[-50:]
        if agent.memory == "spell":
            self._state.set(f"agents.{agent.name}.history", agent.history, "spell")
