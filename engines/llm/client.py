"""One call to a model through litellm, normalised: request in, `ChatResponse` out.

litellm is imported here, lazily, only in the engine host (it takes seconds and ~200 MB).
`LITELLM_LOCAL_MODEL_COST_MAP` keeps it from reaching for the network for prices.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engines.llm.config import Provider
from engines.llm.resilience import LlmCallError

_litellm: Any = None
# litellm's import is long and not safe to run twice at once (pydantic models half built).
_import_lock = threading.Lock()


def litellm_module() -> Any:
    global _litellm
    if _litellm is not None:
        return _litellm
    with _import_lock:
        return _import_litellm()


def _import_litellm() -> Any:
    global _litellm
    if _litellm is None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        os.environ.setdefault("LITELLM_LOG", "ERROR")
        import litellm

        litellm.telemetry = False
        litellm.suppress_debug_info = True
        litellm.drop_params = True
        from engines.llm.local import register_local_provider

        register_local_provider(litellm)
        _litellm = litellm
    return _litellm


@dataclass
class ChatRequest:
    model: str  # provider/model
    messages: list[dict[str, Any]]
    temperature: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    seed: int | None = None
    timeout: float | None = None
    tools: list[dict[str, Any]] | None = None
    response_format: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class ChatResponse:
    text: str
    model: str
    provider: str
    finish_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    time_to_first_chunk: float | None = None
    latency: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "model": self.model,
            "provider": self.provider,
            "finish_reason": self.finish_reason,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens},
            "cost": self.cost,
            "tool_calls": self.tool_calls,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatResponse:
        usage = data.get("usage") or {}
        return cls(
            text=data.get("text") or "",
            model=data.get("model") or "",
            provider=data.get("provider") or "",
            finish_reason=data.get("finish_reason"),
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            cost=float(data.get("cost") or 0.0),
            tool_calls=list(data.get("tool_calls") or []),
        )


def litellm_model(provider: Provider, model: str) -> tuple[str, dict[str, Any]]:
    """The model string and keyword arguments litellm wants for this provider."""
    if provider.kind == "openai-compatible":
        return f"openai/{model}", {
            "api_base": provider.base_url,
            "api_key": provider.api_key or "none",
        }
    extra: dict[str, Any] = {}
    if provider.base_url:
        extra["api_base"] = provider.base_url
    if provider.api_key:
        extra["api_key"] = provider.api_key
    return f"{provider.kind}/{model}", extra


def call_model(
    provider: Provider,
    model: str,
    request: ChatRequest,
    on_chunk: Callable[[str], None] | None = None,
) -> ChatResponse:
    """One attempt, no retries (the caller's resilience layer decides those)."""
    if provider.kind == "local":
        return _call_local(model, request, on_chunk)
    litellm = litellm_module()
    name, extra = litellm_model(provider, model)
    kwargs: dict[str, Any] = {
        "model": name,
        "messages": request.messages,
        "num_retries": 0,
        **extra,
    }
    for key in ("temperature", "max_tokens", "stop", "seed", "tools"):
        value = getattr(request, key)
        if value is not None:
            kwargs[key] = value
    if request.response_format is not None:
        # The schema rides along for the local model's grammar; remote APIs get plain JSON mode.
        kwargs["response_format"] = {"type": request.response_format.get("type", "json_object")}
    kwargs["timeout"] = request.timeout or 600
    started = time.monotonic()
    try:
        if on_chunk is None:
            raw = litellm.completion(**kwargs)
            response = _from_completion(raw, provider.name, model)
        else:
            kwargs["stream"] = True
            kwargs["stream_options"] = {"include_usage": True}
            response = _from_stream(
                litellm.completion(**kwargs), provider.name, model, on_chunk, started
            )
    except LlmCallError:
        raise
    except Exception as exc:
        raise classify(exc) from None
    response.latency = time.monotonic() - started
    response.cost = price(litellm, name, response.input_tokens, response.output_tokens)
    return response


def _call_local(
    model: str, request: ChatRequest, on_chunk: Callable[[str], None] | None
) -> ChatResponse:
    from engines.llm import local

    options = {
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "stop": request.stop,
        "seed": request.seed,
        "response_format": request.response_format,
    }
    started = time.monotonic()
    try:
        text, finish, input_tokens, output_tokens, first = local.chat(
            request.messages, options, on_chunk
        )
    except RuntimeError as exc:
        raise LlmCallError(str(exc), kind="config", retryable=False) from None
    return ChatResponse(
        text=text,
        model=f"local/{local.MODEL_NAME}",
        provider="local",
        finish_reason=finish,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        time_to_first_chunk=first,
        latency=time.monotonic() - started,
    )


def _from_completion(raw: Any, provider: str, model: str) -> ChatResponse:
    try:
        choice = raw.choices[0]
        message = choice.message
        usage = getattr(raw, "usage", None)
        calls = [
            {"id": c.id, "name": c.function.name, "arguments": _arguments(c.function.arguments)}
            for c in (getattr(message, "tool_calls", None) or [])
        ]
        return ChatResponse(
            text=message.content or "",
            model=getattr(raw, "model", None) or model,
            provider=provider,
            finish_reason=choice.finish_reason,
            input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            tool_calls=calls,
        )
    except (AttributeError, IndexError, TypeError) as exc:
        raise LlmCallError(
            f"malformed answer from {provider}: {exc}", kind="malformed", retryable=True
        ) from None


def _from_stream(
    chunks: Any, provider: str, model: str, on_chunk: Callable[[str], None], started: float
) -> ChatResponse:
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    first: float | None = None
    finish = None
    usage = None
    answered_model = model
    for chunk in chunks:
        usage = getattr(chunk, "usage", None) or usage
        answered_model = getattr(chunk, "model", None) or answered_model
        for choice in getattr(chunk, "choices", None) or []:
            delta = choice.delta
            finish = choice.finish_reason or finish
            content = getattr(delta, "content", None)
            if content:
                if first is None:
                    first = time.monotonic() - started
                text.append(content)
                on_chunk(content)
            for piece in getattr(delta, "tool_calls", None) or []:
                if first is None:
                    first = time.monotonic() - started
                call = calls.setdefault(piece.index or 0, {"id": None, "name": "", "arguments": ""})
                call["id"] = piece.id or call["id"]
                if piece.function is not None:
                    call["name"] += piece.function.name or ""
                    call["arguments"] += piece.function.arguments or ""
    tool_calls = [
        {"id": c["id"] or f"call_{i}", "name": c["name"], "arguments": _arguments(c["arguments"])}
        for i, c in sorted(calls.items())
    ]
    return ChatResponse(
        text="".join(text),
        model=answered_model,
        provider=provider,
        finish_reason=finish,
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        tool_calls=tool_calls,
        time_to_first_chunk=first,
    )


def _arguments(raw: Any) -> Any:
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {"_unparsed": raw}


def price(litellm: Any, name: str, input_tokens: int, output_tokens: int) -> float:
    info = model_info(litellm, name)
    if not info:
        return 0.0
    return (
        float(info.get("input_cost_per_token") or 0) * input_tokens
        + float(info.get("output_cost_per_token") or 0) * output_tokens
    )


def model_info(litellm: Any, name: str) -> dict[str, Any]:
    table = getattr(litellm, "model_cost", {}) or {}
    bare = name.split("/", 1)[1] if "/" in name else name
    return dict(table.get(name) or table.get(bare) or {})


def classify(exc: BaseException) -> LlmCallError:
    """A litellm (or transport) exception as a retryable or final LlmCallError."""
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    kind_name = type(exc).__name__
    retry_after = _retry_after(exc)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else kind_name
    if status == 429 or "RateLimit" in kind_name:
        return LlmCallError(
            message, kind="rate_limit", retryable=True, status=429, retry_after=retry_after
        )
    if "Timeout" in kind_name:
        return LlmCallError(message, kind="timeout", retryable=True, status=status)
    if status is not None and status >= 500:
        return LlmCallError(
            message, kind="server", retryable=True, status=status, retry_after=retry_after
        )
    if (
        "APIConnectionError" in kind_name
        or "ServiceUnavailable" in kind_name
        or "InternalServer" in kind_name
    ):
        return LlmCallError(message, kind="connection", retryable=True, status=status)
    if isinstance(exc, json.JSONDecodeError) or "JSONDecode" in message or "Expecting" in message:
        return LlmCallError(message, kind="malformed", retryable=True, status=status)
    if status in (401, 403) or "Authentication" in kind_name or "PermissionDenied" in kind_name:
        return LlmCallError(message, kind="auth", retryable=False, status=status)
    return LlmCallError(message, kind="request", retryable=False, status=status)


def _retry_after(exc: BaseException) -> float | None:
    for source in (getattr(exc, "response", None), exc):
        headers = getattr(source, "headers", None) or getattr(exc, "litellm_response_headers", None)
        if headers is None:
            continue
        try:
            value = headers.get("retry-after") or headers.get("Retry-After")
        except AttributeError:
            continue
        if value is not None:
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None
