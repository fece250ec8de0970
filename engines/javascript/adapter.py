"""The JavaScript engine: runs a spell in V8 (mini-racer) inside the sandbox the prelude builds.

**The API is synchronous.** mini-racer only calls Python asynchronously (a JS call to a Python
function returns a Promise, ~1 ms each), and V8 runs a Promise's continuation after the task
that created it, where no time limit can interrupt it. So the spell API does not use
mini-racer's callbacks: the prelude and this adapter talk through a SharedArrayBuffer that
both sides read and write directly. A JavaScript API call writes its request there and calls
a doorbell function; we take that call on V8's thread and hold it until the host (the
thread running the spell, where the services live) has written the answer, which the call
returns, or throws as an `Error` the spell can catch. So a spell reads like its Lua
twin: `const v = state.get("a.b")`. `await state.get("a.b")` works too (awaiting a plain value
gives the value), and the spell's top level runs as an async function, so it may `await` its
own Promises.

Functions cross both ways. A JavaScript function given to the API (an event handler, a hook,
`trace.withSpan`'s body, `state.update`'s change) is kept in a registry by id; Python calls
it by answering the pending request with "call id with these arguments", and the JavaScript
side runs it and answers with its result, or its exception, which Python raises and, if it
comes back out of the API call, rethrows as the very same JavaScript value. Callbacks run
synchronously: an async function given as a callback is refused with a clear error (its
Promise could never be awaited inside the API call).

Errors: a syntax or runtime error becomes `SpellError` with the spell file and line (V8
stack traces give `file:line:column`); uncaught `RangeError: Maximum call stack size
exceeded` ends the run as the `recursion` limit. Limits: see `engines.javascript.sandbox`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import secrets
import threading
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any, NoReturn

from engines.api.services import Services
from engines.errors import ApiError, LimitExceeded, SpellError, memory_limit_exceeded
from engines.javascript import sandbox
from engines.javascript.convert import Converter

if TYPE_CHECKING:
    from engines.javascript.debug import JsDebugSupport

_PRELUDE_NAME = "[prelude]"
_PRELUDE = resources.files("engines.javascript").joinpath("prelude.js").read_text(encoding="utf-8")
# "    at f (main.js:3:5)", "    at main.js:3:5", "    at async f (main.js:3:5)"
_FRAME = re.compile(r"^\s*at (?:.*? \()?(?P<file>[^()\s]+):(?P<line>\d+):(?P<col>\d+)\)?$")
_PARSE_ERROR = re.compile(r"^(?P<file>.*?):(?P<line>\d+): (?P<message>.*)$")
# The spell's first line follows this on the same line, so line numbers stay exact.
_WRAPPER_HEAD = "__llmspell_enter(async function () {"
_FROM_SPELL = 1
_FROM_HOST = 2
_TO_CLAIM = 3  # written, not yet taken by either of the host's threads
# API calls that never call back into JavaScript: answered on V8's own thread, at once.
_LEAF_MODULES = frozenset({"log", "json", "params", "spell", "util", "metrics"})
_LEAF_FUNCTIONS = frozenset(
    {
        ("state", name)
        for name in ("get", "set", "delete", "keys", "snapshot", "restore", "history", "diff")
    }
    | {("trace", name) for name in ("start_span", "end_span", "set_attribute")}
    | {("events", "subscribe"), ("events", "unsubscribe")}
    | {("hooks", name) for name in ("register", "unregister", "points")}
)
_HEAD = re.compile(r'^\["(call|print|write)"(?:,"([a-z_]+)","([a-z_]+)")?')
_MORE = 1
_ACK = 2


class JSCallbackError(ApiError):
    """A JavaScript callback threw; `thrown` lets the prelude rethrow the original value."""

    def __init__(self, message: str, thrown: int, stack: str = "") -> None:
        super().__init__(message)
        self.thrown = thrown
        self.stack = stack


class _Deferred(Exception):
    """An answer too big to send from V8's thread: the host's thread sends it."""


class _Stop(Exception):
    """The JavaScript side will send nothing more for the current wait."""


class JavaScriptEngine:
    name = "javascript"
    extensions = (".js",)

    def __init__(self, services: Services, debugger: Any = None) -> None:
        # Imported here: V8 is loaded only when a JavaScript spell runs.
        from py_mini_racer import mini_racer

        self.services = services
        self.debugger = debugger
        self.debug: JsDebugSupport | None = None
        self.ctx = services.ctx
        self.spell_dir = self.ctx.spell.dir
        self.limit_error: LimitExceeded | None = None
        self._token = secrets.token_hex(16)
        self._bell = threading.Event()
        self._released: list[int] = []
        self._python_functions: dict[int, Callable[..., Any]] = {}
        self._tasks: list[concurrent.futures.Future[Any]] = []
        self._depth = 0  # > 0 while the spell waits for the answer to a request
        self._outcome: tuple[Any, ...] | None = None
        self._chunkname = "main.js"
        self._closed = False
        self.converter = Converter(self, self._register_python)
        self._api: dict[tuple[str, str], Callable[..., Any]] = {
            (module.name, decl.name): call for module, decl, call in services.bindings()
        }

        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(
            target=self._loop.run_forever, name="mini-racer loop", daemon=True
        )
        self._loop_thread.start()
        self._racer_cm = mini_racer(self._loop)
        self._racer = self._racer_cm.__enter__()
        self._racer.set_hard_memory_limit(self.ctx.limits.memory)
        self._notify_cm: Any = None
        self._poll_only = False
        self._answered = threading.Event()
        self._claim = False
        self._v8_thread: int | None = None
        self._pending_limit: LimitExceeded | None = None
        self._deferred: bytes | None = None
        self._abandoned = False
        self._handles: list[Any] = []
        self._header: Any = None
        notify = self._make_notify()
        setup = {
            "claim": self._claim,
            "token": self._token,
            "size": sandbox.BUFFER_SIZE,
            "remove": list(sandbox.REMOVED_GLOBALS),
            "api": _api_names(self._api),
            "debug": debugger is not None,
        }
        prelude: Any = self._racer.eval(f"{_PRELUDE}\n//# sourceURL={_PRELUDE_NAME}")
        buffer = prelude(notify, json.dumps(setup))
        memory = memoryview(buffer)
        self._header = memory[:16].cast("i")
        self._data = memory[16:]
        self._capacity = len(self._data) // 2
        if debugger is not None:
            # Imported here: a run without a debugger never loads the instrumenter.
            from engines.host.debug_support import DebugStops
            from engines.javascript.debug import JsDebugSupport

            self.debug = JsDebugSupport(self, debugger)
            debugger.attach(self.debug)
            DebugStops(debugger, self.debug.end_run).wire(self.ctx)

    def _make_notify(self) -> Any:
        """The JavaScript function the spell's side calls once it has written a message.

        mini-racer calls Python back on the V8 thread and hands the call to its event loop;
        we take the call on the V8 thread instead and hold it there until the host has
        answered, so JavaScript resumes the moment the answer is written, and neither side
        spins while the other works. Without those (private) hooks, in another mini-racer
        version, the function does nothing and both sides poll the buffer.
        """
        ctx = self._racer._ctx
        register = getattr(ctx, "_register_js_notification", None)
        original = getattr(ctx, "handle_callback_from_v8", None)
        callbacks = getattr(ctx, "_active_cancelable_mr_task_callbacks", None)
        if register is None or original is None or not isinstance(callbacks, dict):
            self._poll_only = True
            return self._racer.eval("() => {}")

        def on_loop(_handle: Any) -> None:  # reached only if the interception below fails
            self._bell.set()

        self._notify_cm = register(on_loop)
        notify = self._notify_cm.__enter__()
        ids = [key for key, fn in callbacks.items() if fn is on_loop]
        if len(ids) != 1:
            return notify
        doorbell = ids[0]

        def handle(callback_id: int, raw: Any) -> None:
            if callback_id != doorbell:
                original(callback_id, raw)
                return
            self._handles.append(ctx._wrap_raw_handle(raw))  # type: ignore[union-attr]
            if self._header[0] == _TO_CLAIM:
                if self._serve_here():
                    return
                if self._deferred is None:
                    self._header[0] = _FROM_SPELL  # for the host's thread
            self._hold_until_answered()

        object.__setattr__(ctx, "handle_callback_from_v8", handle)
        self._claim = True
        return notify

    def _serve_here(self) -> bool:
        """On V8's thread: answer a request that cannot call back into JavaScript (most of
        them: state, log, metrics, print...) without waking the host's thread. The services
        never run on both threads at once: each side waits while the other works."""
        header = self._header
        if header[2] != 0:
            return False  # chunked: the host's thread assembles it
        text = bytes(self._data[: 2 * header[1]]).decode("utf-16-le", "surrogatepass")
        head = _HEAD.match(text)
        if head is None:
            return False
        kind, module, name = head.groups()
        if kind == "call" and module not in _LEAF_MODULES and (module, name) not in _LEAF_FUNCTIONS:
            return False
        self._v8_thread = threading.get_ident()
        try:
            self._serve_one(self.converter.loads(text))
        except _Deferred:
            return False
        except LimitExceeded as exc:
            # Unanswered: the host's thread raises it and stops V8.
            self._pending_limit = exc
            self._bell.set()
        finally:
            self._v8_thread = None
        return True

    def _hold_until_answered(self) -> None:
        """On the V8 thread: wake the host, then wait until it has written its answer."""
        header = self._header
        self._answered.clear()
        self._bell.set()
        while header[0] != _FROM_HOST and not self._abandoned:
            self._answered.wait(sandbox.SLEEP_SECONDS)
            self._answered.clear()

    def _answer_written(self) -> None:
        self._answered.set()

    def _release_v8_thread(self) -> None:
        """Let a doorbell call return without an answer, so V8 can be terminated."""
        self._abandoned = True
        self._answered.set()

    # -- the channel ----------------------------------------------------------------------

    def _wait_for_spell(self, stop: concurrent.futures.Future[Any] | None) -> None:
        """Wait until the spell has written a message; raise _Stop when `stop` ended first."""
        header = self._header
        if self._handles:
            self._handles.clear()  # the doorbell's argument handles, freed here
        slice_ = 0.001 if self._poll_only else sandbox.SLEEP_SECONDS
        while True:
            self._bell.clear()
            if header[0] == _FROM_SPELL:
                return
            if self._deferred is not None:
                raw, self._deferred = self._deferred, None
                self._send_raw(raw)
                continue
            if stop is not None and stop.done():
                # A finished task leaves no request unanswered: nothing more will come.
                raise _Stop
            self._bell.wait(slice_)
            if header[0] == _FROM_SPELL:
                return
            if self._pending_limit is not None:
                raise self._pending_limit
            self._check_limits()

    def _check_limits(self) -> None:
        if self._racer.was_hard_memory_limit_reached():
            raise memory_limit_exceeded(self.ctx.limits.memory)
        if self.debug is not None and not self.debug.poll() and not self.ctx.cancelled.is_set():
            return  # answering the debugger while stopped: not the spell's time
        self.ctx.check_deadline()

    def _receive(self, stop: concurrent.futures.Future[Any] | None = None) -> str:
        parts: list[str] = []
        header = self._header
        while True:
            self._wait_for_spell(stop)
            length = header[1]
            parts.append(bytes(self._data[: 2 * length]).decode("utf-16-le", "surrogatepass"))
            if header[2] != _MORE:
                return "".join(parts)
            header[1], header[2] = 0, _ACK
            header[0] = _FROM_HOST
            self._answer_written()

    def _send(self, message: list[Any]) -> None:
        raw = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-16-le", "surrogatepass"
        )
        if len(raw) > 2 * self._capacity and self._v8_thread == threading.get_ident():
            # Chunks need the spell to acknowledge them, and it waits on this very thread:
            # the host's thread sends this answer instead.
            self._deferred = raw
            raise _Deferred
        self._send_raw(raw)

    def _send_raw(self, raw: bytes) -> None:
        header = self._header
        size = 2 * self._capacity
        offset = 0
        while True:
            chunk = raw[offset : offset + size]
            offset += len(chunk)
            more = offset < len(raw)
            self._data[: len(chunk)] = chunk
            header[1], header[2] = len(chunk) // 2, _MORE if more else 0
            header[0] = _FROM_HOST
            self._answer_written()
            if not more:
                return
            self._wait_for_spell(None)  # the spell acknowledges each chunk

    def _reply_ok(self, value: Any) -> None:
        wire = self.converter.wire(value)
        if self._released:
            released, self._released = self._released, []
            self._send(["ok", wire, released])
        else:
            self._send(["ok", wire])

    # -- serving the spell's requests -----------------------------------------------------

    def _serve_one(self, message: list[Any]) -> None:
        kind = message[0]
        self._depth += 1
        try:
            if kind == "call":
                fn = self._api.get((message[1], message[2]))
                if fn is None:
                    self._send(["err", f"{message[1]}.{message[2]} is not an API function"])
                    return
                self._answer(fn, message[3])
            elif kind in ("print", "write"):
                text = _printable(message[1])
                self.ctx.emit(
                    "output", {"stream": "stdout", "text": f"{text}\n" if kind == "print" else text}
                )
                self._reply_ok(None)
            elif kind == "py":
                target = self._python_functions.get(message[1])
                if target is None:
                    self._send(["err", "the Python function is no longer available"])
                    return
                self._answer(target, message[2])
            elif kind == "dbg" and self.debug is not None:
                self.debug.on_message(message)
                self._reply_ok(None)
            elif kind == "done":
                self._outcome = ("done",)
                self._reply_ok(None)
            elif kind == "fail":
                self._outcome = ("fail", *message[1:])
                self._reply_ok(None)
            else:
                self._send(["err", f"unexpected message {kind!r}"])
        finally:
            self._depth -= 1

    def _answer(self, fn: Callable[..., Any], args: list[Any]) -> None:
        try:
            result = fn(*args)
        except LimitExceeded:
            raise
        except JSCallbackError as exc:
            if exc.thrown:
                self._send(["rethrow", exc.thrown])
            else:
                self._send(["err", str(exc)])
            return
        except ApiError as exc:
            self._send(["err", str(exc)])
            return
        except RecursionError:
            self._send(["err", "stack overflow: recursion too deep (through API calls)"])
            return
        except Exception as exc:
            name = getattr(fn, "__name__", "call")
            self._send(["err", f"{name}: {type(exc).__name__}: {exc}"])
            return
        try:
            self._reply_ok(result)
        except ApiError as exc:
            self._send(["err", f"{getattr(fn, '__name__', 'call')}: {exc}"])

    def _run_task(self, code: str) -> Any:
        """Evaluate `code` as a V8 task, serving the spell's requests until it ends."""
        future = asyncio.run_coroutine_threadsafe(self._racer.eval_cancelable(code), self._loop)
        future.add_done_callback(lambda _f: self._bell.set())
        self._tasks.append(future)
        try:
            while True:
                try:
                    text = self._receive(stop=future)
                except _Stop:
                    break
                self._serve_one(self.converter.loads(text))
        finally:
            self._tasks.remove(future)
        return future.result()

    # -- functions across the boundary ----------------------------------------------------

    def call_function(self, function_id: int, args: list[Any]) -> Any:
        """Call a JavaScript function held by Python (see JSCallable)."""
        if self._closed:
            raise ApiError("the JavaScript engine has ended")
        if self._v8_thread == threading.get_ident():
            raise ApiError("this API call cannot call back into JavaScript")
        wire_args = self.converter.wire(args)
        if self._depth > 0:
            # The spell waits for the answer to a request: ask it to make the call first.
            self._send(["call", function_id, wire_args])
            while True:
                message = self.converter.loads(self._receive())
                if message[0] in ("ret", "throw"):
                    return self._result_of(message)
                self._serve_one(message)
        arguments = json.dumps(json.dumps(wire_args, ensure_ascii=False, separators=(",", ":")))
        text = self._run_js(
            f"__llmspell_invoke({json.dumps(self._token)}, {function_id}, {arguments})"
        )
        return self._result_of(self.converter.loads(text))

    def _result_of(self, message: list[Any]) -> Any:
        if message[0] == "ret":
            return message[1]
        raise JSCallbackError(message[1], message[2], message[3] if len(message) > 3 else "")

    def release_function(self, function_id: int) -> None:
        if not self._closed:
            self._released.append(function_id)

    def _register_python(self, fn: Callable[..., Any]) -> int:
        function_id = len(self._python_functions) + 1
        self._python_functions[function_id] = fn
        return function_id

    # -- running ---------------------------------------------------------------------------

    def run(self, source: str, chunkname: str) -> None:
        """Run a spell's main program; raises SpellError or LimitExceeded when it fails."""
        self._chunkname = chunkname
        if source.startswith("#!"):
            source = "//" + source[2:]  # a shebang line: the line count stays
        if self.debug is not None:
            source = self.debug.instrument(source, chunkname)
        wrapped = f"{_WRAPPER_HEAD}{source}\n}})\n//# sourceURL={chunkname}\n"
        self._outcome = None
        self._run_js(wrapped, until_outcome=True)
        outcome = self._outcome
        if outcome is not None and outcome[0] == "fail":
            _, name, message, stack = outcome
            self._raise_spell_error(name, message, stack)

    def _run_js(self, code: str, until_outcome: bool = False) -> Any:
        """Run code in V8 with the engine's error and limit mapping."""
        from py_mini_racer import JSEvalException, JSOOMException, JSParseException

        try:
            result = self._run_task(code)
            if until_outcome:
                self._await_outcome()
            return result
        except LimitExceeded as exc:
            self._stop(exc)
            raise
        except JSOOMException:
            limit = memory_limit_exceeded(self.ctx.limits.memory)
            self._stop(limit)
            raise limit from None
        except JSParseException as exc:
            self._raise_parse_error(str(exc))
        except JSEvalException as exc:
            if self.limit_error is not None:
                raise self.limit_error from None
            if self._racer.was_hard_memory_limit_reached():
                limit = memory_limit_exceeded(self.ctx.limits.memory)
                self._stop(limit)
                raise limit from None
            raise SpellError(f"JavaScript failed: {exc}") from None
        except concurrent.futures.CancelledError:
            if self.limit_error is not None:
                raise self.limit_error from None
            raise

    def _await_outcome(self) -> None:
        """After the main task: serve the continuations of the spell's awaits until it ends.

        A probe task that completes while no outcome has arrived means V8 is idle and the
        spell's Promise can never settle (a spell has no timers to wake it).
        """
        while self._outcome is None:
            probe = asyncio.run_coroutine_threadsafe(self._racer.eval_cancelable("0"), self._loop)
            probe.add_done_callback(lambda _f: self._bell.set())
            self._tasks.append(probe)
            try:
                while self._outcome is None:
                    try:
                        text = self._receive(stop=probe)
                    except _Stop:
                        break
                    self._serve_one(self.converter.loads(text))
            finally:
                self._tasks.remove(probe)
            if self._outcome is None and probe.done():
                raise SpellError(
                    "the spell's main program awaits a Promise that never settles",
                    file=str(self.spell_dir / self._chunkname),
                )

    def _stop(self, limit: LimitExceeded) -> None:
        """A limit was reached: stop whatever V8 runs, tearing the isolate down if need be."""
        self.limit_error = limit
        self._release_v8_thread()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            concurrent.futures.wait(self._tasks, timeout=sandbox.STOP_GRACE_SECONDS)
        self._teardown()

    def call(self, function: Any, *args: Any) -> Any:
        """Call Python code that may call back into the spell (run_stop hooks)."""
        if self.limit_error is not None:
            raise self.limit_error
        result = function(*args)
        if self.limit_error is not None:
            raise self.limit_error
        return result

    # -- errors ----------------------------------------------------------------------------

    def _raise_spell_error(self, name: str, message: str, stack: str) -> NoReturn:
        traceback = _clean_stack(stack, self._chunkname)
        file, line = self._locate(traceback)
        if name == "RangeError" and "Maximum call stack size exceeded" in message:
            raise LimitExceeded(
                "recursion",
                "stack overflow: recursion too deep (Maximum call stack size exceeded)",
                file=file,
                line=line,
                traceback=traceback,
            )
        text = message if name in ("", "Error") else f"{name}: {message}"
        raise SpellError(text, file=file, line=line, traceback=traceback)

    def _raise_parse_error(self, text: str) -> NoReturn:
        first = text.splitlines()[0] if text else "syntax error"
        match = _PARSE_ERROR.match(first)
        message = match.group("message") if match else first
        line = int(match.group("line")) if match else None
        raise SpellError(
            message, file=str(self.spell_dir / self._chunkname), line=line, kind="syntax"
        ) from None

    def _locate(self, traceback: str) -> tuple[str | None, int | None]:
        for text in traceback.splitlines():
            match = _FRAME.match(text)
            if match and match.group("file") == self._chunkname:
                return str(self.spell_dir / match.group("file")), int(match.group("line"))
        return None, None

    # -- closing ---------------------------------------------------------------------------

    def _teardown(self) -> None:
        """Free the V8 context: this terminates any JavaScript still running."""
        if self._closed:
            return
        self._closed = True
        self._release_v8_thread()
        # Freeing joins V8's thread; a builtin that ignores termination could hold it, so
        # never wait on it for long (the thread is a daemon and dies with the process).
        closer = threading.Thread(target=self._free, name="mini-racer close", daemon=True)
        closer.start()
        closer.join(timeout=5)

    def _free(self) -> None:
        try:
            # Cancel what still waits on V8 (each cancel terminates its V8 task) before the
            # context goes, so no task is left pending on a stopped loop.
            asyncio.run_coroutine_threadsafe(_cancel_tasks(), self._loop).result(timeout=2)
        except Exception:  # nothing to cancel, or the loop is gone
            pass
        try:
            if self._notify_cm is not None:
                self._notify_cm.__exit__(None, None, None)
            self._racer_cm.__exit__(None, None, None)
        except Exception:  # a context already gone: nothing left to free
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)

    def close(self) -> None:
        self._teardown()


async def _cancel_tasks() -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=1)


def _api_names(api: dict[tuple[str, str], Any]) -> list[list[Any]]:
    modules: dict[str, list[str]] = {}
    for module, name in api:
        modules.setdefault(module, []).append(name)
    return [[module, names] for module, names in modules.items()]


def _printable(text: str) -> str:
    """Text for an output record; lone surrogates (legal in JavaScript strings) escaped."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _clean_stack(stack: str, chunkname: str) -> str:
    """The frames of a V8 stack that are the spell's: not the message line, not the
    prelude's frames, not the wrapper's call; columns on line 1 as the author counts them."""
    frames = [
        line
        for line in stack.splitlines()
        if line.lstrip().startswith("at ") and _PRELUDE_NAME not in line
    ]
    if frames and frames[-1].strip() == f"at {chunkname}:1:1":
        frames.pop()

    def column(match: re.Match[str]) -> str:
        return f"{match.group(1)}:1:{max(1, int(match.group(2)) - len(_WRAPPER_HEAD))}"

    pattern = re.compile(rf"({re.escape(chunkname)}):1:(\d+)")
    return "\n".join(pattern.sub(column, line) for line in frames)
