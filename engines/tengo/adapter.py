"""Tengo as a spell engine: the spell API as importable Tengo modules, limits, errors.

`state := import("state")`, `llm := import("llm")`, ... expose the declared API in snake_case.
Tengo has no exceptions: an API call that fails returns an error value (check it with
`is_error(x)`; `x.value` is the message). `fmt.print*` write the run's output records. The
spell may import `NAME.tengo` files from its own folder and the standard library (os is
limited by the manifest's permissions).

Tengo code is compiled to Python, so it is interrupted at the time limit, on cancel or on
terminate by raising an exception asynchronously in the engine thread.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engines.api.services import Services
from engines.errors import ApiError, LimitExceeded, SpellError
from engines.host.debug_support import DebugStops
from engines.tengo import (
    Limits,
    TengoCompileError,
    TengoError,
    TengoParseError,
    compile_script,
    from_python,
    to_python,
    user_function,
)
from engines.tengo.scanner import KEYWORDS
from engines.tengo.stdlib.fmt_mod import _format
from engines.tengo.values import TError, to_plain_str

if TYPE_CHECKING:
    from engines.host.debugger import Debugger
    from engines.tengo.debug import TengoDebugSupport

# Standard modules a spell may import; os is governed by the permissions policy below.
STDLIB = ("fmt", "text", "times", "math", "rand", "json", "base64", "hex", "enum", "os")


class _Interrupted(BaseException):
    """Raised asynchronously in the engine thread to stop compiled Tengo code."""


class TengoCallable:
    """A Tengo function handed to the API (a handler, a hook, a workflow step): called with
    Python values. Tengo has no exceptions, so a function that returns an error value fails
    (a workflow step that returns `error("busy")` is retried, a tool reports the error)."""

    def __init__(self, engine: TengoEngine, fn: Any) -> None:
        self._engine = engine
        self._fn = fn

    def __call__(self, *args: Any) -> Any:
        script = self._engine.script
        assert script is not None
        result = script.call(self._fn, *(from_python(a) for a in args))
        if type(result) is TError:
            raise ApiError(to_plain_str(result.value))
        return self._engine.to_api(result)


class _Permissions:
    """The os module's policy: what the manifest allows, nothing else."""

    def __init__(self, engine: TengoEngine) -> None:
        self._permissions = engine.ctx.permissions

    def _under(self, path: Any, roots: tuple[Any, ...]) -> bool:
        target = os.path.realpath(str(path))
        return any(target == str(r) or target.startswith(str(r) + os.sep) for r in roots)

    def allow_read(self, path: Any) -> bool:
        return self._under(path, self._permissions.read_roots + self._permissions.write_roots)

    def allow_write(self, path: Any) -> bool:
        return self._under(path, self._permissions.write_roots)

    def allow_env(self, name: Any) -> bool:
        return str(name) in self._permissions.env

    def allow_exec(self, *args: Any) -> bool:
        return bool(self._permissions.exec)


class TengoEngine:
    name = "tengo"
    extensions = (".tengo",)

    def __init__(self, services: Services, debugger: Debugger | None = None) -> None:
        self.services = services
        self.ctx = services.ctx
        self.spell_dir = self.ctx.spell.dir
        self.limit_error: LimitExceeded | None = None
        self.script: Any = None
        self._thread_id: int | None = None
        self._done = threading.Event()
        self._modules = self._api_modules()
        self.debugger = debugger
        self.debug: TengoDebugSupport | None = None
        if debugger is not None:
            from engines.tengo.debug import TengoDebugSupport

            self.debug = TengoDebugSupport(self, debugger)
            debugger.attach(self.debug)
            DebugStops(debugger, self.terminated).wire(self.ctx)
        if debugger is None:
            # Parallel workflow branches on threads (compiled Tengo is Python code); under a
            # debugger they run one after another, so that its stops stay on one thread.
            from engines.api.workflow_branches import ThreadBranches

            self.ctx.branches = ThreadBranches(self.ctx)

    # -- the API as Tengo modules -----------------------------------------------------------

    def _api_modules(self) -> dict[str, Any]:
        modules: dict[str, dict[str, Any]] = {}
        for module, decl, call in self.services.bindings():
            function = user_function(f"{module.name}.{decl.name}", self._bridge(call))
            members = modules.setdefault(module.name, {})
            members[decl.name] = function
            if decl.name in KEYWORDS:
                # `log.error` would not parse: Tengo spells write `log.err` (or `log["error"]`).
                members[decl.name[:3]] = function
        modules["fmt"] = {
            "print": user_function(
                "fmt.print", lambda *a: self._out("".join(map(to_plain_str, a)))
            ),
            "println": user_function(
                "fmt.println", lambda *a: self._out(" ".join(map(to_plain_str, a)) + "\n")
            ),
            "printf": user_function("fmt.printf", lambda *a: self._out(_format("printf", a))),
            "sprintf": user_function("fmt.sprintf", lambda *a: _format("sprintf", a)),
        }
        return modules

    def _bridge(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def tengo_call(*args: Any) -> Any:
            try:
                return from_python(self.to_api(call(*(self.from_tengo(a) for a in args))))
            except ApiError as exc:
                return TError(str(exc))
            except LimitExceeded as exc:
                self.limit_error = exc
                raise _Interrupted() from None

        return tengo_call

    def from_tengo(self, value: Any) -> Any:
        converted = to_python(value)
        return self._wrap_functions(converted)

    def _wrap_functions(self, value: Any) -> Any:
        if isinstance(value, types.FunctionType) and value.__code__.co_filename.startswith(
            "<tengo-"
        ):
            return TengoCallable(self, value)
        if isinstance(value, list):
            return [self._wrap_functions(v) for v in value]
        if isinstance(value, dict):
            return {k: self._wrap_functions(v) for k, v in value.items()}
        return value

    def to_api(self, value: Any) -> Any:
        return to_python(value) if not callable(value) else value

    def _out(self, text: str) -> None:
        self.ctx.emit("output", {"stream": "stdout", "text": text})

    # -- running ---------------------------------------------------------------------------

    def run(self, source: str, chunkname: str) -> None:
        if source.startswith("#!"):
            source = "//" + source  # a shebang line; the line count stays
        try:
            # Under a debugger every statement tests its line's flag and calls the hook when
            # it is set (see debug_poke); otherwise no check is compiled in.
            hook = self.debug.hook if self.debug is not None else None
            self.script = self._compile(source, chunkname, line_hook=hook)
        except (TengoParseError, TengoCompileError) as exc:
            raise self._spell_error(exc, "syntax") from None
        if self.debug is not None:
            self.debug.bind(self.script)
        self.call(self.script.run)

    def _compile(self, source: str, name: str, **options: Any) -> Any:
        return compile_script(
            source,
            name,
            modules=self._modules,
            stdlib=set(STDLIB),
            limits=Limits(),
            os_policy=_Permissions(self),
            import_dir=str(self.spell_dir),
            **options,
        )

    def compile_eval(self, source: str, names: dict[str, Any]) -> Any:
        """An expression or statements evaluated by the debugger, with `names` predeclared."""
        return self._compile(source, "(eval)", globals=names)

    def call(self, function: Any, *args: Any) -> Any:
        """Run Tengo code (the main program, run_stop hooks) under the run's limits."""
        self._thread_id = threading.get_ident()
        self._done.clear()
        watchdog = threading.Thread(target=self._watch, daemon=True, name="tengo-watchdog")
        watchdog.start()
        try:
            return function(*args)
        except _Interrupted:
            limit = self.limit_error or LimitExceeded("cancelled", "run cancelled")
            if self.debug is not None and limit.limit == "timeout":
                self.debug.stop_on_error("budget", limit.message)
            raise limit from None
        except TengoError as exc:
            if self.debug is not None:
                self.debug.stop_on_error("error", exc.message)
                if self.limit_error is not None:
                    raise self.limit_error from None  # terminated while stopped there
            raise self._spell_error(exc, "runtime") from None
        except RecursionError:
            raise LimitExceeded("recursion", "stack overflow: recursion too deep") from None
        finally:
            self._done.set()
            watchdog.join()
            if self.debug is not None:
                self.debug.poker.detach()

    def _watch(self) -> None:
        debugger, debug = self.debugger, self.debug
        while not self._done.wait(0.02):
            if debugger is not None and debug is not None:
                if debugger.is_stopped:
                    continue  # time stopped in the debugger does not count
                # The engine thread checks for a pause and for new breakpoints.
                debug.poker.poke()
            try:
                self.ctx.check_deadline()
            except LimitExceeded as exc:
                if debugger is not None and exc.limit == "timeout":
                    # Just resumed: the core moves the deadline right after it says so.
                    time.sleep(0.005)
                    try:
                        self.ctx.check_deadline()
                    except LimitExceeded as again:
                        exc = again
                    else:
                        continue
                self.limit_error = exc
                self._interrupt()
                return

    def terminated(self) -> BaseException:
        """The client ended the run while it was stopped: end it like a limit, uncatchably."""
        self.limit_error = LimitExceeded("terminated", "terminated by the client")
        self.ctx.cancel("terminated by the client", limit="terminated")
        return _Interrupted()

    def interrupt(self) -> None:
        self._interrupt()

    def _interrupt(self) -> None:
        if self._thread_id is not None and not self._done.is_set():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self._thread_id), ctypes.py_object(_Interrupted)
            )
            # Make sure the exception is seen even if the engine is in a long C call.
            time.sleep(0)

    def _spell_error(self, exc: TengoError, kind: str) -> SpellError:
        file = str(self.spell_dir / exc.file) if exc.file and not exc.file.startswith("(") else None
        traceback = "\n".join(f"\tat {frame}" for frame in exc.frames[1:])
        return SpellError(exc.message, file=file, line=exc.line, traceback=traceback, kind=kind)

    def close(self) -> None:
        self._done.set()
        self.script = None
