"""The `tools` part of the spell API: the service, its registry and the builtin groups.

Python callers (the agents) use `ToolsService.invoke(name, arguments)` and
`ToolsService.specs(names)`; spells use `tools.register/call/list/describe`.
"""

from engines.api.tools.registry import Tool, ToolRegistry
from engines.api.tools.service import ToolsService, builtin_tools

__all__ = ["Tool", "ToolRegistry", "ToolsService", "builtin_tools"]
