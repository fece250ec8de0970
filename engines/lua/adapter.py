"""The Lua engine: runs a spell in lupa's Lua 5.4 inside the sandbox the prelude builds.

Not LuaJIT: its compiled code skips debug hooks, and hooks are how limits, pause and
breakpoints work. The spell API is bound from its declarations (engines.api.binding); every
call crosses Python once and returns `(ok, value)` so errors are raised on the Lua side,
at the spell's own line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from lupa import lua54

if TYPE_CHECKING:
    from engines.lua.debug import LuaDebugSupport

from engines.api.services import Services
from engines.api.workflow_branches import DEFERRABLE
from engines.errors import ApiError, LimitExceeded, SpellError, memory_limit_exceeded
from engines.host.debug_support import DebugStops
from engines.host.debugger import Debugger, Terminated
from engines.lua.convert import Converter
from engines.lua.linehook import ENTRY_POINT, native_library

# How many VM instructions run between two interrupt checks: ~0.1 ms of Lua code.
CHECK_INTERVAL = 10_000
# The same while line events are hooked, but a prime (see install_hook in prelude.lua).
LINE_CHECK_INTERVAL = 10_007
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_LOCATION = re.compile(r"^([^\s:][^:]*):(\d+): ")
# Values that cross between Lua and Python as they are, with no conversion.
# The message of Lua's preallocated memory error object.
_MEMORY_ERROR = "not enough memory"
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
_PRELUDE = resources.files("engines.lua").joinpath("prelude.lua").read_text(encoding="utf-8")


def _deny_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    raise AttributeError("Python objects are not accessible from a spell")


class LuaEngine:
    name = "lua"
    extensions = (".lua",)

    def __init__(self, services: Services, debugger: Debugger | None = None) -> None:
        self.services = services
        self.debugger = debugger
        self.ctx = services.ctx
        self.spell_dir = self.ctx.spell.dir
        self.limit_error: LimitExceeded | None = None
        self.instructions = 0
        self.runtime = lua54.LuaRuntime(
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=_deny_attributes,
            max_memory=self.ctx.limits.memory,
        )
        self.converter: Converter
        self._engine = self._build()
        self.lua_engine = self._engine
        from engines.lua.branches import LuaBranches

        self.branches = LuaBranches(self)
        self.converter.branches = self.branches
        self.ctx.branches = self.branches
        self.debug_support: LuaDebugSupport | None = None
        self.stops: DebugStops | None = None
        if debugger is not None:
            from engines.lua.debug import LuaDebugSupport

            if not self.native_hook:
                # Still correct, only slower: say so, once per debugged run.
                message = f"Lua debugger: pure-Lua line hook in use ({self.native_problem})"
                self.ctx.emit("log", {"level": "warn", "message": message, "fields": {}})
            self.debug_support = LuaDebugSupport(self, debugger)
            debugger.attach(self.debug_support)
            self.stops = DebugStops(debugger, self.terminate, hop=self._to_engine_thread)
            self.stops.wire(self.ctx)

    def _build(self) -> Any:
        runtime = self.runtime
        self.converter = Converter(runtime, lambda fn: self._wrap_python(self._protect(fn)))
        prelude = runtime.execute(
            "local source = ...; return assert(load(source, '=[prelude]', 't'))", _PRELUDE
        )
        api: dict[str, dict[str, Any]] = {}
        for module, decl, call in self.services.bindings():
            api.setdefault(module.name, {})[decl.name] = self._protect(call)
        library, self.native_problem = native_library()
        native_hook = None
        if library is not None:
            native_hook = runtime.execute(
                "local f = package.loadlib(...) return f", library, ENTRY_POINT
            )
            if native_hook is None:
                self.native_problem = f"package.loadlib could not load {library}"
        host = runtime.table_from(
            {
                "interval": CHECK_INTERVAL,
                "line_interval": LINE_CHECK_INTERVAL,
                "native_hook": native_hook,
                "check": self._check_interrupt,
                "output": self._output,
                "find_module": self._find_module,
                "api": runtime.table_from({k: runtime.table_from(v) for k, v in api.items()}),
                "deferrable": runtime.table_from(
                    {
                        module: runtime.table_from(dict.fromkeys(names, True))
                        for module, names in DEFERRABLE.items()
                    }
                ),
            }
        )
        engine = prelude(host)
        # Fetched now: lupa misreads fields of Lua tables while a coroutine runs.
        self._wrap_python = engine.wrap_python
        self._load = engine.load
        self._call_reporting_errors = engine.call_reporting_errors
        self._start = engine.start
        # True when the hook is the native one (engines/lua/linehook.py).
        self.native_hook = bool(engine.native_hook)
        if library is not None and native_hook is not None and not self.native_hook:
            self.native_problem = "the native line hook does not match lupa's Lua"
        # Called straight from Python, a C function runs no VM instruction, so no hook can
        # fire while the hook is being removed (after a limit, it fires on every instruction).
        self._clear_hook = runtime.globals().debug.sethook
        # The real globals keep the prelude's libraries; drop the bridge lupa adds.
        runtime.globals().python = None
        return engine

    # -- the bridge ------------------------------------------------------------------------

    def _protect(self, call: Callable[..., Any]) -> Callable[..., Any]:
        """Wraps an API caller in the (ok, value, level) convention the prelude expects."""
        to_python = self.converter.to_python
        to_lua = self.converter.to_lua
        plain = _PLAIN_TYPES
        failed = self._failed

        def protected(*args: Any) -> tuple[Any, ...]:
            try:
                result = call(*[a if type(a) in plain else to_python(a) for a in args])
                return True, result if type(result) in plain else to_lua(result)
            except Exception as exc:
                return failed(exc, call)

        # A parallel branch runs the call itself on its own thread (engines/lua/branches.py).
        protected.raw = call  # type: ignore[attr-defined]
        return protected

    def _failed(self, exc: Exception, call: Any) -> tuple[Any, ...]:
        if isinstance(exc, ApiError):
            return False, str(exc), 2
        if isinstance(exc, LimitExceeded):
            self.limit_error = exc
            return False, exc.message, -1  # the prelude ends the run: see `bind`
        if isinstance(exc, lua54.LuaMemoryError):
            raise exc
        if isinstance(exc, lua54.LuaError):
            # An error from a Lua callback passes through unchanged.
            return False, _message_of(exc), 0
        if isinstance(exc, RecursionError):
            return False, "stack overflow: recursion too deep (through API calls)", 2
        return False, f"{getattr(call, '__name__', 'call')}: {type(exc).__name__}: {exc}", 2

    def lua_outcome(self, outcome: tuple[bool, Any], call: Any) -> tuple[Any, ...]:
        """An API call's outcome, made on another thread, as `protected` would return it."""
        ok, value = outcome
        if not ok:
            return self._failed(value, call)
        try:
            return True, value if type(value) in _PLAIN_TYPES else self.converter.to_lua(value)
        except Exception as exc:
            return self._failed(exc, call)

    def _check_interrupt(self) -> str | None:
        if self.limit_error is not None:
            # Raised inside an API call (a replay divergence, say) and caught by the spell.
            return self.limit_error.message
        self.instructions += CHECK_INTERVAL
        budget = self.ctx.limits.instructions
        try:
            if budget is not None and self.instructions > budget:
                raise LimitExceeded(
                    "instructions", f"instruction limit exceeded: more than {budget} instructions"
                )
            self.ctx.check_deadline()
            if self.debugger is not None:
                self.debugger.check_pause()
        except LimitExceeded as exc:
            self.limit_error = exc
            if self.debugger is not None and exc.limit in ("timeout", "instructions"):
                self._stop_on_exception("budget", exc.message)
            return exc.message
        except Terminated:
            return self.terminate()
        return None

    def terminate(self) -> str:
        """The client ended the run while it was stopped: end it like a limit, uncatchably."""
        self.limit_error = LimitExceeded("terminated", "terminated by the client")
        self.ctx.cancel("terminated by the client", limit="terminated")
        return self.limit_error.message

    def _stop_on_exception(self, filter_name: str, message: str) -> None:
        if self.stops is not None:
            self.stops.exception(filter_name, message)

    def _to_engine_thread(self, stop: Callable[..., None], *args: Any) -> bool:
        """A debugger stop inspects the runtime: from a parallel branch's thread it happens
        on the engine thread (True: it was run there)."""
        if not self.branches.off_engine():
            return False
        self.branches.call_python(stop, *args)
        return True

    def _output(self, text: str) -> None:
        self.ctx.emit("output", {"stream": "stdout", "text": text})

    def _find_module(self, name: Any) -> tuple[Any, ...]:
        if not isinstance(name, str) or not _MODULE_NAME.match(name):
            return False, f"require: bad module name {name!r}"
        relative = Path(*name.split("."))
        root = self.spell_dir.resolve()
        for candidate in (relative.with_suffix(".lua"), relative / "init.lua"):
            path = (root / candidate).resolve()
            if path.is_relative_to(root) and path.is_file():
                return True, path.read_text(encoding="utf-8"), path.relative_to(root).as_posix()
        return False, f"require: module '{name}' not found in the spell's folder"

    # -- running ---------------------------------------------------------------------------

    def run(self, source: str, chunkname: str) -> None:
        """Run a spell's main chunk; raises SpellError or LimitExceeded when it fails."""
        if source.startswith("#"):
            # A shebang line, as the standalone interpreter allows; the line count stays.
            source = "--" + source
        loaded = self._load(source, chunkname)
        chunk, message = (loaded, None) if not isinstance(loaded, tuple) else loaded
        if chunk is None:
            raise self._spell_error(str(message), "", kind="syntax")
        self._start()
        if self.debugger is None:
            self.call(chunk)
            return
        outcome = self.call(self._call_reporting_errors, chunk, self._on_uncaught_error)
        ok, message = outcome if isinstance(outcome, tuple) else (outcome, None)
        if not ok:
            if message == _MEMORY_ERROR:
                # Lua runs no message handler for a memory error, so its text comes back bare
                # (any other error carries the handler's traceback).
                raise self._memory_limit()
            self._raise_lua_error(str(message))

    def _on_uncaught_error(self, message: str) -> None:
        if self.limit_error is None:
            self._stop_on_exception("error", _strip_location(message))

    def call(self, function: Any, *args: Any) -> Any:
        """Call Lua code with the engine's error mapping (the main chunk, run_stop hooks)."""
        try:
            result = function(*args)
        except lua54.LuaMemoryError:
            raise self._memory_limit() from None
        except lua54.LuaError as exc:
            self._raise_lua_error(str(exc))
        if self.limit_error is not None:
            # The limit was hit inside a coroutine or pcall whose failure the spell ignored.
            raise self.limit_error
        return result

    def memory_limit(self) -> LimitExceeded:
        return self._memory_limit()

    def _memory_limit(self) -> LimitExceeded:
        return memory_limit_exceeded(self.ctx.limits.memory)

    def _raise_lua_error(self, text: str) -> NoReturn:
        message, _, traceback = text.partition("\nstack traceback:\n")
        message = message or "(error object is not a string)"
        traceback = _clean_traceback(traceback)
        if self.limit_error is not None:
            limit = self.limit_error
            if limit.file is None:
                limit.file, limit.line = self._locate("", traceback)
                limit.traceback = traceback
            raise limit from None
        if "stack overflow" in message:
            raise self._limit_from("recursion", message, traceback) from None
        raise self._spell_error(message, traceback) from None

    def _spell_error(self, message: str, traceback: str, kind: str = "runtime") -> SpellError:
        file, line = self._locate(message, traceback)
        return SpellError(
            _strip_location(message), file=file, line=line, traceback=traceback, kind=kind
        )

    def _limit_from(self, limit: str, message: str, traceback: str) -> LimitExceeded:
        file, line = self._locate(message, traceback)
        return LimitExceeded(
            limit,
            "stack overflow: recursion too deep",
            file=file,
            line=line,
            traceback=traceback,
        )

    def _locate(self, message: str, traceback: str) -> tuple[str | None, int | None]:
        """The spell file and line an error happened at, from its message or traceback."""
        for text in [message, *traceback.splitlines()]:
            match = _LOCATION.match(text.strip() + " ")
            if match and not match.group(1).startswith("["):
                return str(self.spell_dir / match.group(1)), int(match.group(2))
        return None, None

    def close(self) -> None:
        if self._engine is not None:
            self._clear_hook()
        self._engine = None
        self.runtime = None


def _message_of(exc: BaseException) -> str:
    return str(exc).partition("\nstack traceback:\n")[0]


def _clean_traceback(traceback: str) -> str:
    """Drop the prelude's own frames: they are ours, not the spell's."""
    return "\n".join(line for line in traceback.splitlines() if "[prelude]" not in line)


def _strip_location(message: str) -> str:
    return _LOCATION.sub("", message, count=1)
