"""Which models a run may call and with what credentials.

Sources, later ones winning: the user config file (`llmspell config`; YAML at
`<config dir>/config.yaml`), a `.env` in the working directory, a `.env` beside the spell, and
the process environment. API keys come from the environment or `.env` first, then from the
OS keyring (or the private key file where no keyring exists; see engines.llm.keys).

Models are named `provider/model`: `openai/gpt-4o-mini`, `anthropic/claude-3-5-haiku-latest`,
`gemini/gemini-1.5-flash`, `ollama/llama3`, `local/smollm2` (the embedded model), or
`NAME/model` for an OpenAI-compatible server configured as provider NAME (config file
`providers: {NAME: {base_url: ..., api_key: ...}}` or environment
`LLMSPELL_PROVIDER_<NAME>_BASE_URL` / `..._API_KEY`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from engines.errors import ApiError

LOCAL_PROVIDER = "local"
LOCAL_MODEL = "local/smollm2"
# Providers litellm knows by name, with the environment variable of their key.
KNOWN_PROVIDERS: dict[str, str | None] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "ollama": None,
    LOCAL_PROVIDER: None,
}
_CUSTOM_ENV = re.compile(r"^LLMSPELL_PROVIDER_([A-Z0-9_]+)_BASE_URL$")


def config_dir() -> Path:
    home = os.environ.get("LLMSPELL_HOME")
    if home:
        return Path(home) / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir("llmspell", appauthor=False))


def config_file() -> Path:
    return config_dir() / "config.yaml"


def load_config_file(path: Path | None = None) -> dict[str, Any]:
    path = path or config_file()
    if not path.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ApiError(f"{where}: the LLM config is not valid YAML") from None
    if not isinstance(data, dict):
        raise ApiError(f"{path}: the LLM config must be a mapping")
    return data


def _dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


@dataclass(frozen=True)
class Provider:
    name: str
    kind: str  # a litellm provider name, "openai-compatible" or "local"
    base_url: str | None = None
    given_key: str | None = None  # from the environment, a .env or the config file
    rate_limit: float | None = None  # requests per minute
    stored_key: bool = False  # else look in the keyring or key file, on first use

    @cached_property
    def api_key(self) -> str | None:
        # The keyring finds its backends through entry points (about 150 ms): only a provider
        # actually used pays for it, never a run on the local model.
        if self.given_key or not self.stored_key:
            return self.given_key
        return _stored_key(self.name)

    @property
    def key_loaded(self) -> bool:
        return "api_key" in self.__dict__ or not self.stored_key

    @property
    def configured(self) -> bool:
        if self.kind in ("ollama", "local"):
            return True
        if self.kind == "openai-compatible":
            return bool(self.base_url)
        return bool(self.api_key)


@dataclass
class LlmConfig:
    providers: dict[str, Provider] = field(default_factory=dict)
    default_model: str | None = None
    retries: int = 3

    @property
    def secrets(self) -> tuple[str, ...]:
        """The keys loaded so far: a key never loaded was never sent, so it cannot leak."""
        keys = (p.api_key for p in self.providers.values() if p.key_loaded)
        return tuple(key for key in keys if key and len(key) >= 4)

    @classmethod
    def load(
        cls, spell_dir: Path | None = None, environ: dict[str, str] | None = None
    ) -> LlmConfig:
        file = load_config_file()
        values: dict[str, str] = {}
        values.update(_dotenv(Path.cwd() / ".env"))
        if spell_dir is not None:
            values.update(_dotenv(spell_dir / ".env"))
        values.update(environ if environ is not None else os.environ)
        providers: dict[str, Provider] = {}
        file_providers = file.get("providers") or {}
        rate_limits = file.get("rate_limits") or {}
        for name, key_env in KNOWN_PROVIDERS.items():
            settings = file_providers.get(name) or {}
            key = (values.get(key_env) if key_env else None) or settings.get("api_key")
            base = settings.get("base_url") or (
                values.get("OLLAMA_API_BASE") if name == "ollama" else None
            )
            rate = _rate(rate_limits.get(name))
            providers[name] = Provider(name, name, base, key, rate, stored_key=bool(key_env))
        for name, settings in file_providers.items():
            if name not in providers and isinstance(settings, dict):
                providers[name] = Provider(
                    name,
                    "openai-compatible",
                    settings.get("base_url"),
                    settings.get("api_key"),
                    _rate(rate_limits.get(name)),
                    stored_key=True,
                )
        for variable, value in values.items():
            match = _CUSTOM_ENV.match(variable)
            if match:
                name = match.group(1).lower()
                key = values.get(f"LLMSPELL_PROVIDER_{match.group(1)}_API_KEY")
                providers[name] = Provider(
                    name, "openai-compatible", value, key, _rate(rate_limits.get(name))
                )
        default = values.get("LLMSPELL_MODEL") or file.get("default_model")
        return cls(providers, default, int(file.get("retries", 3)))

    def resolve(self, model: str) -> tuple[Provider, str]:
        """`provider/model` → the provider and the model name it knows."""
        provider_name, sep, name = model.partition("/")
        if not sep or not name:
            raise ApiError(
                f"model {model!r} must be written provider/model, e.g. openai/gpt-4o-mini"
            )
        provider = self.providers.get(provider_name)
        if provider is None:
            known = ", ".join(sorted(self.providers))
            raise ApiError(
                f"unknown provider {provider_name!r} in {model!r}; known providers: {known}"
            )
        if not provider.configured:
            key_env = KNOWN_PROVIDERS.get(provider.name)
            hint = (
                f"set {key_env} or run `llmspell keys set {provider.name}`"
                if key_env
                else "configure its base_url"
            )
            raise ApiError(f"provider {provider.name!r} is not configured: {hint}")
        return provider, name

    def redact(self, text: str) -> str:
        """Text with every known API key blanked out: keys never reach records or errors."""
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


def _rate(value: Any) -> float | None:
    try:
        return float(value) if value else None
    except (TypeError, ValueError):
        return None


def _stored_key(provider: str) -> str | None:
    from engines.llm.keys import get_key

    return get_key(provider)
