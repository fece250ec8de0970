"""API keys kept out of sight: the OS keyring, or a file only the user can read.

On a headless Linux there is often no keyring backend; then keys go to
`<data dir>/keys.json` with mode 0600, and `llmspell keys set` says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SERVICE = "llmspell"


def _key_file() -> Path:
    from engines.paths import data_dir

    return data_dir() / "keys.json"


def _keyring() -> object | None:
    """The keyring module when a real backend is there (not the 'fail' or 'null' ones)."""
    if os.environ.get("LLMSPELL_NO_KEYRING"):
        return None
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or "null" in type(backend).__module__.lower():
        return None
    return keyring


def _read_file() -> dict[str, str]:
    path = _key_file()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def set_key(provider: str, key: str) -> str:
    """Stores the key; returns where it went, for the user to be told."""
    keyring = _keyring()
    if keyring is not None:
        keyring.set_password(SERVICE, provider, key)  # type: ignore[attr-defined]
        return "the system keyring"
    path = _key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = _read_file()
    keys[provider] = key
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(keys, handle)
    os.chmod(path, 0o600)
    return f"{path} (readable only by you; no system keyring was found)"


def get_key(provider: str) -> str | None:
    keyring = _keyring()
    if keyring is not None:
        try:
            value = keyring.get_password(SERVICE, provider)  # type: ignore[attr-defined]
        except Exception:
            value = None
        if value:
            return str(value)
    return _read_file().get(provider)


def delete_key(provider: str) -> bool:
    keyring = _keyring()
    removed = False
    if keyring is not None:
        try:
            keyring.delete_password(SERVICE, provider)  # type: ignore[attr-defined]
            removed = True
        except Exception:
            pass
    keys = _read_file()
    if provider in keys:
        del keys[provider]
        fd = os.open(_key_file(), os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(keys, handle)
        removed = True
    return removed
