"""The engines the shared debugger scenarios run on (tests/engines/host/scenarios.py)."""

from __future__ import annotations

from tests.engines.host.lang_javascript import JAVASCRIPT
from tests.engines.host.lang_lua import LUA
from tests.engines.host.lang_tengo import TENGO

LANGUAGES = [LUA, TENGO, JAVASCRIPT]

__all__ = ["JAVASCRIPT", "LANGUAGES", "LUA", "TENGO"]
