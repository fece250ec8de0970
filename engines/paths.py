"""Where LLMSpell keeps its files: user data (state, runs) and cache, per platformdirs.

On Linux these follow `XDG_DATA_HOME` and `XDG_CACHE_HOME`; `LLMSPELL_HOME` overrides both
(one folder with `data/` and `cache/`), which tests use to stay out of the user's files.
"""

from __future__ import annotations

import os
from pathlib import Path


def _home_override() -> Path | None:
    home = os.environ.get("LLMSPELL_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    override = _home_override()
    if override:
        return override / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("llmspell", appauthor=False))


def cache_dir() -> Path:
    override = _home_override()
    if override:
        return override / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("llmspell", appauthor=False))
