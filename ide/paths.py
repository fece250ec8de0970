"""Where the studio keeps its settings and finds the spellbook.

Settings live in an INI file under the user config dir (`LLMSPELL_HOME/config` when that
variable is set, as tests do), never in the user's real files during tests.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

REPO_ROOT = Path(__file__).resolve().parents[1]
SPELLBOOK = REPO_ROOT / "resources" / "spellbook"


def config_dir() -> Path:
    home = os.environ.get("LLMSPELL_HOME")
    if home:
        return Path(home) / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir("llmspell", appauthor=False))


def settings() -> QSettings:
    """The studio's settings (window layout, recent files, parameters per spell, theme)."""
    path = config_dir() / "studio.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


def find_spell_root(path: str | Path) -> Path | None:
    """The spell folder a file belongs to (the nearest folder holding spell.yaml), if any."""
    p = Path(path).resolve()
    folder = p if p.is_dir() else p.parent
    for candidate in (folder, *folder.parents[:2]):
        if (candidate / "spell.yaml").is_file():
            return candidate
    return None
