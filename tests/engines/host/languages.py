"""The engines the shared debugger scenarios run on (tests/engines/host/scenarios.py)."""

from __future__ import annotations

import pytest

from tests.engines.host.lang_javascript import JAVASCRIPT
from tests.engines.host.lang_lua import LUA
from tests.engines.host.lang_tengo import TENGO

LANGUAGES = [LUA, TENGO, JAVASCRIPT]

# A test taking `lang` runs once per language.
each_language = pytest.mark.parametrize("lang", LANGUAGES, ids=str)

__all__ = ["JAVASCRIPT", "LANGUAGES", "LUA", "TENGO", "each_language"]
