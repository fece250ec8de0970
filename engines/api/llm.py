"""The `llm` service: chat, complete, stream and structured output over any provider.

Each call passes, in order: the request as the spell wrote it → the before_generate hooks →
a semantic stop for the debugger → the replay boundary → (live) the model, with retries,
circuit breaker, rate limit and fallbacks → the after_generate hooks. Each call is a span
`chat {model}` with the OpenTelemetry GenAI attributes, and feeds token, cost and latency
metrics. API keys never leave engines.llm.config: every message is redacted.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from engines.api.context import RunContext
from engines.api.hooks import HooksService
from engines.api.telemetry_services import MetricsService, TraceService
from engines.errors import ApiError
from engines.llm.client import ChatRequest, ChatResponse
from engines.llm.config import LOCAL_MODEL, LlmConfig
from engines.llm.resilience import LlmCallError, Resilience
from engines.replay import digest

_OPTION_KEYS = (
    "model",
    "system",
    "temperature",
    "max_tokens",
    "stop",
    "seed",
    "timeout",
    "tools",
    "retries",
)
_resilience = Resilience()
_END = (
    object()
)  # the end of a chunks() stream  # one per host process: breakers outlive a single call


def _truncate(text: str, limit: int = 8000) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class LlmService:
    def __init__(
        self, ctx: RunContext, trace: TraceService, metrics: MetricsService, hooks: HooksService
    ) -> None:
        self._ctx = ctx
        self._trace = trace
        self._metrics = metrics
        self._hooks = hooks
        self._config: LlmConfig | None = None
        self._model: str | None = None
        self._fallbacks: list[str] = []

    @property
    def config(self) -> LlmConfig:
        if self._config is None:
            self._config = LlmConfig.load(self._ctx.spell.dir)
        return self._config

    # -- spell API -------------------------------------------------------------------------

    def chat(self, request: Any, options: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._generate(request, options).to_dict()

    def complete(self, prompt: str, options: dict[str, Any] | None = None) -> str:
        return self._generate(prompt, options).text

    def stream(
        self, request: Any, on_chunk: Callable[[str], Any], options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if not callable(on_chunk):
            raise ApiError("on_chunk must be a function")
        return self._generate(request, options, on_chunk).to_dict()

    def structured(
        self, request: Any, schema: dict[str, Any], options: dict[str, Any] | None = None
    ) -> Any:
        """Asks for JSON matching `schema`; re-asks with the validation errors (options.retries, default 2)."""
        import jsonschema

        try:
            validator = jsonschema.Draft202012Validator(schema)
            validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise ApiError(f"the schema is not a valid JSON Schema: {exc.message}") from None
        options = dict(options or {})
        retries = int(options.pop("retries", 2))
        messages = self._messages(request, options)
        instruction = "Answer with JSON only, no prose, matching this JSON Schema:\n" + json.dumps(
            schema, ensure_ascii=False, sort_keys=True
        )
        messages = [{"role": "system", "content": instruction}, *messages]
        problems = ""
        for _attempt in range(retries + 1):
            response = self._generate(
                {"messages": messages},
                {**options, "response_format": {"type": "json_object", "schema": schema}},
            )
            value, problems = _parse_and_validate(response.text, validator)
            if not problems:
                return value
            messages = [
                *messages,
                {"role": "assistant", "content": response.text},
                {
                    "role": "user",
                    "content": f"That answer is not valid: {problems}. Answer again with JSON only.",
                },
            ]
        raise ApiError(f"llm.structured: no valid answer after {retries + 1} tries: {problems}")

    def providers(self) -> list[dict[str, Any]]:
        from engines.llm import local

        result = []
        for provider in self.config.providers.values():
            configured = provider.configured and (provider.kind != "local" or local.available())
            result.append({"name": provider.name, "kind": provider.kind, "configured": configured})
        return result

    def models(self, provider: str | None = None) -> list[dict[str, Any]]:
        from engines.llm.client import litellm_module

        litellm = litellm_module()
        found = [_local_info()] if provider in (None, "local") else []
        for name, info in sorted((getattr(litellm, "model_cost", {}) or {}).items()):
            owner = info.get("litellm_provider")
            if (
                owner not in ("openai", "anthropic", "gemini", "ollama")
                or info.get("mode") != "chat"
            ):
                continue
            if provider is not None and owner != provider:
                continue
            found.append(
                {
                    "name": name if name.startswith(f"{owner}/") else f"{owner}/{name}",
                    "provider": owner,
                    "context_window": info.get("max_input_tokens") or info.get("max_tokens"),
                    "input_price": info.get("input_cost_per_token"),
                    "output_price": info.get("output_cost_per_token"),
                }
            )
        return found

    def use(self, model: str, name: str | None = None) -> None:
        """use("openai/gpt-4o-mini") or use("openai", "gpt-4o-mini")."""
        if name is not None:
            model = f"{model}/{name}"
        self.config.resolve(model)  # fail now, at the spell's line, when it is unknown
        self._model = model

    def current(self) -> str:
        return self._default_model()

    def fallbacks(self, models: list[str]) -> None:
        for model in models:
            if not isinstance(model, str):
                raise ApiError("fallbacks must be model names")
            self.config.resolve(model)
        self._fallbacks = list(models)

    # -- the call --------------------------------------------------------------------------

    def _default_model(self) -> str:
        return self._model or self.config.default_model or LOCAL_MODEL

    def _messages(self, request: Any, options: dict[str, Any]) -> list[dict[str, Any]]:
        if isinstance(request, str):
            messages: list[dict[str, Any]] = [{"role": "user", "content": request}]
        elif isinstance(request, dict):
            for key in _OPTION_KEYS:
                if key in request and key not in options:
                    options[key] = request[key]
            if request.get("messages") is not None:
                messages = [dict(m) for m in _message_list(request["messages"])]
            elif isinstance(request.get("prompt"), str):
                messages = [{"role": "user", "content": request["prompt"]}]
            else:
                raise ApiError("a request needs a prompt (string) or messages (list)")
        else:
            raise ApiError("a request is a prompt string or a table with prompt or messages")
        system = options.get("system")
        if isinstance(system, str) and not any(m.get("role") == "system" for m in messages):
            messages.insert(0, {"role": "system", "content": system})
        return messages

    def chunks(self, request: Any, options: dict[str, Any] | None = None) -> Callable[..., Any]:
        """An iterator over the answer's chunks as they arrive (`for chunk in llm.chunks(...)`).

        The hooks and the debugger's stop run here, on the spell's thread; only the model call
        runs on a worker thread, feeding a queue the iterator reads. Each call of the iterator
        returns the next chunk, then nil at the end.
        """
        chat = self._prepare(request, options)
        pieces: queue.Queue[Any] = queue.Queue()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["response"] = self._call_with_fallbacks(chat, pieces.put, report=False)
            except BaseException as exc:  # handed to the spell's thread, raised there
                outcome["error"] = exc
            finally:
                pieces.put(_END)

        threading.Thread(target=work, daemon=True, name="llm-chunks").start()

        def next_chunk(*_ignored: Any) -> str | None:
            if "done" in outcome:
                return None
            while True:
                self._ctx.check_deadline()
                try:
                    item = pieces.get(timeout=0.05)
                except queue.Empty:
                    continue
                if item is not _END:
                    return str(item)
                outcome["done"] = True
                error = outcome.get("error")
                if error is not None:
                    if isinstance(error, ApiError):
                        self._ctx.exception_stop("llm_error", str(error))
                    raise error
                self._finish(chat, outcome["response"])
                return None

        return next_chunk

    def _generate(
        self,
        request: Any,
        options: dict[str, Any] | None,
        on_chunk: Callable[[str], Any] | None = None,
    ) -> ChatResponse:
        chat = self._prepare(request, options)
        return self._finish(chat, self._call_with_fallbacks(chat, on_chunk))

    def _prepare(self, request: Any, options: dict[str, Any] | None) -> ChatRequest:
        """The request as the hooks and the debugger leave it."""
        options = dict(options or {})
        messages = self._messages(request, options)
        chat = ChatRequest(
            model=str(options.get("model") or self._default_model()),
            messages=messages,
            temperature=options.get("temperature"),
            max_tokens=options.get("max_tokens"),
            stop=options.get("stop"),
            seed=options.get("seed"),
            timeout=options.get("timeout"),
            tools=options.get("tools"),
            response_format=options.get("response_format"),
        )
        hooked = self._hooks.run("before_generate", chat.to_dict())
        if hooked.cancelled:
            raise ApiError(
                f"the LLM call was cancelled by a before_generate hook: {hooked.reason or 'no reason given'}"
            )
        if isinstance(hooked.payload, dict):
            chat = _apply(chat, hooked.payload)
        self._ctx.semantic_stop(
            "llm", chat.model, f"before LLM call to {chat.model}", chat.to_dict()
        )
        return chat

    def _finish(self, chat: ChatRequest, response: ChatResponse) -> ChatResponse:
        after = self._hooks.run(
            "after_generate", {"request": chat.to_dict(), "response": response.to_dict()}
        )
        if isinstance(after.payload, dict) and isinstance(after.payload.get("response"), dict):
            response = ChatResponse.from_dict({**response.to_dict(), **after.payload["response"]})
        return response

    def _call_with_fallbacks(
        self, chat: ChatRequest, on_chunk: Callable[[str], Any] | None, report: bool = True
    ) -> ChatResponse:
        candidates = [chat.model, *[m for m in self._fallbacks if m != chat.model]]
        failures: list[str] = []
        for index, model in enumerate(candidates):
            if index > 0:
                self._report(
                    "fallback", {"from": candidates[index - 1], "to": model, "reason": failures[-1]}
                )
            attempt = ChatRequest(**{**chat.__dict__, "model": model})
            try:
                return self._call_one(attempt, on_chunk)
            except LlmCallError as exc:
                failures.append(f"{model}: {self.config.redact(str(exc))}")
        message = "the LLM call failed: " + "; ".join(failures)
        if report:  # a worker thread leaves the debugger to the spell's thread
            self._ctx.exception_stop("llm_error", message)
        raise ApiError(message)

    def _call_one(self, chat: ChatRequest, on_chunk: Callable[[str], Any] | None) -> ChatResponse:
        # The model is left out of the key: a replay answers the same question whatever model
        # is configured where it runs; a changed question is a divergence.
        asked = {k: v for k, v in chat.to_dict().items() if k != "model"}
        key = digest({"request": asked, "stream": on_chunk is not None})
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": chat.model,
            "gen_ai.provider.name": chat.model.split("/", 1)[0],
            "llmspell.request.messages": _truncate(json.dumps(chat.messages, ensure_ascii=False)),
        }
        if chat.temperature is not None:
            attributes["gen_ai.request.temperature"] = chat.temperature
        if chat.max_tokens is not None:
            attributes["gen_ai.request.max_tokens"] = chat.max_tokens
        chunks: list[str] = []

        def live_chunk(text: str) -> None:
            chunks.append(text)
            assert on_chunk is not None
            on_chunk(text)

        def produce() -> dict[str, Any]:
            outcome = self._live_call(chat, None if on_chunk is None else live_chunk)
            return {**outcome, "chunks": list(chunks)}

        with self._trace.span(f"chat {chat.model}", attributes):
            try:
                recorded = self._ctx.nondeterministic("llm", produce, key)
            except LlmCallError as exc:
                self._trace.set_attribute("error.type", exc.kind)
                raise
            for event in recorded.get("events", []):
                self._report(event["action"], event["data"])
            if recorded.get("error"):
                error = recorded["error"]
                raise LlmCallError(error["message"], kind=error["kind"], retryable=False)
            if on_chunk is not None and self._ctx.replay is not None:
                for chunk in recorded.get("chunks", []):
                    on_chunk(chunk)
            response = ChatResponse.from_dict(recorded["response"])
            response.time_to_first_chunk = recorded.get("time_to_first_chunk")
            response.latency = float(recorded.get("latency") or 0.0)
            self._annotate(response)
        return response

    def _live_call(
        self, chat: ChatRequest, on_chunk: Callable[[str], Any] | None
    ) -> dict[str, Any]:
        """Retries, breaker and rate limit around one model; failures are recorded too, so a
        replay fails the same way."""
        from engines.llm.client import call_model

        events: list[dict[str, Any]] = []
        try:
            provider, name = self.config.resolve(chat.model)
        except ApiError as exc:
            return {"events": events, "error": {"message": str(exc), "kind": "config"}}
        breaker = _resilience.breaker(provider.name)
        limiter = _resilience.limiter(provider.name, provider.rate_limit)
        policy = _resilience.policy
        attempts = policy.attempts
        last: LlmCallError | None = None
        for attempt in range(attempts + 1):
            if not breaker.allow():
                events.append(_event("circuit_open", provider=provider.name, model=chat.model))
                return {
                    "events": events,
                    "error": {
                        "message": f"circuit open for provider {provider.name}",
                        "kind": "circuit",
                    },
                }
            if limiter is not None:
                wait = limiter.wait_time()
                if wait > 0:
                    events.append(
                        _event("rate_limited", provider=provider.name, delay=round(wait, 3))
                    )
                    self._ctx.wait(wait)
            try:
                response = call_model(provider, name, chat, on_chunk)
            except LlmCallError as exc:
                last = exc
                if breaker.failure():
                    events.append(
                        _event("circuit_opened", provider=provider.name, failures=breaker.failures)
                    )
                if not exc.retryable or attempt == attempts:
                    break
                delay = policy.delay(attempt + 1, exc.retry_after)
                events.append(
                    _event(
                        "retry",
                        provider=provider.name,
                        model=chat.model,
                        attempt=attempt + 1,
                        delay=round(delay, 3),
                        reason=self.config.redact(str(exc)),
                        status=exc.status,
                    )
                )
                self._ctx.wait(delay)
                continue
            breaker.success()
            return {
                "events": events,
                "response": response.to_dict(),
                "time_to_first_chunk": response.time_to_first_chunk,
                "latency": response.latency,
            }
        assert last is not None
        return {
            "events": events,
            "error": {"message": self.config.redact(str(last)), "kind": last.kind},
        }

    def _annotate(self, response: ChatResponse) -> None:
        trace, metrics = self._trace, self._metrics
        for key, value in (
            ("gen_ai.response.model", response.model),
            ("gen_ai.usage.input_tokens", response.input_tokens),
            ("gen_ai.usage.output_tokens", response.output_tokens),
            ("gen_ai.usage.cost", response.cost),
            ("gen_ai.response.finish_reasons", [response.finish_reason or "stop"]),
            ("llmspell.response.text", _truncate(response.text)),
        ):
            trace.set_attribute(key, value)
        if response.tool_calls:
            trace.set_attribute(
                "llmspell.response.tool_calls", _truncate(json.dumps(response.tool_calls))
            )
        if response.time_to_first_chunk is not None:
            trace.set_attribute("llmspell.time_to_first_chunk", response.time_to_first_chunk)
        labels = {"model": response.model or "unknown"}
        metrics.counter("llm.tokens.input", response.input_tokens, labels)
        metrics.counter("llm.tokens.output", response.output_tokens, labels)
        metrics.counter("llm.cost", response.cost, labels)
        metrics.histogram("llm.latency", response.latency, labels)

    def _report(self, action: str, data: dict[str, Any]) -> None:
        self._ctx.emit("resilience", {"action": action, **data})


def _event(action: str, **data: Any) -> dict[str, Any]:
    return {"action": action, "data": {**data, "at": time.time()}}


def _message_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict) and not value:
        return []
    if not isinstance(value, list) or not all(isinstance(m, dict) and "role" in m for m in value):
        raise ApiError("messages must be a list of {role, content} tables")
    return value


def _apply(chat: ChatRequest, payload: dict[str, Any]) -> ChatRequest:
    fields = {k: v for k, v in payload.items() if k in ChatRequest.__dataclass_fields__}
    return ChatRequest(**{**chat.__dict__, **fields})


def _parse_and_validate(text: str, validator: Any) -> tuple[Any, str]:
    candidate = text.strip()
    if candidate.startswith("```"):
        candidate = candidate.strip("`")
        candidate = candidate.split("\n", 1)[1] if "\n" in candidate else candidate
    start = min((i for i in (candidate.find("{"), candidate.find("[")) if i >= 0), default=-1)
    if start > 0:
        candidate = candidate[start:]
    try:
        value = json.loads(candidate)
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
    if errors:
        return None, "; ".join(
            f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:5]
        )
    return value, ""


def _local_info() -> dict[str, Any]:
    from engines.llm.local import CONTEXT

    return {
        "name": LOCAL_MODEL,
        "provider": "local",
        "context_window": CONTEXT,
        "input_price": 0.0,
        "output_price": 0.0,
    }
