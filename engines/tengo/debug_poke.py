"""Makes the Tengo engine thread call back into the debugger soon, whatever it is running.

Compiled Tengo is plain Python: `for {}` becomes `while True: pass`, which calls no hook, so
a pause request needs a way in that costs nothing until it is used. CPython lets a thread
that holds the GIL install a C-level trace function on another thread's state
(`_PyEval_SetTrace`, which Python 3.12's `threading.settrace_all_threads` is built on): the
target thread then reports its very next instruction to that function. `Poker.poke()` does
this from the watchdog thread; the callback runs on the engine thread, removes itself at
once and calls `on_poke(frame)`. Between pokes the engine runs untraced, at full speed.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

_TRACE_FUNC = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.py_object, ctypes.py_object, ctypes.c_int, ctypes.c_void_p
)
_api = ctypes.pythonapi
_set_trace = _api._PyEval_SetTrace
_set_trace.argtypes = [ctypes.c_void_p, _TRACE_FUNC, ctypes.py_object]
_set_trace.restype = ctypes.c_int
_api.PyThreadState_Get.restype = ctypes.c_void_p
_NO_TRACE = _TRACE_FUNC()  # a NULL function pointer


class Poker:
    """One per engine; `attach()` on the engine thread, `poke()` from any other thread."""

    def __init__(self, on_poke: Callable[[FrameType], None]) -> None:
        self._on_poke = on_poke
        self._tstate: int | None = None
        # Kept alive here: C holds only a raw pointer to it.
        self._callback = _TRACE_FUNC(self._trace)

    def attach(self) -> None:
        """Called on the engine thread before it runs Tengo code."""
        self._tstate = _api.PyThreadState_Get()

    def detach(self) -> None:
        """Called on the engine thread when it stops running Tengo code (before any later
        poke could find a thread state that no longer exists)."""
        if self._tstate is not None:
            _set_trace(self._tstate, _NO_TRACE, None)
        self._tstate = None

    def poke(self) -> None:
        tstate = self._tstate
        if tstate is not None:
            _set_trace(tstate, self._callback, None)

    def _trace(self, _obj: Any, frame: FrameType, _what: int, _arg: Any) -> int:
        if self._tstate is not None:
            _set_trace(self._tstate, _NO_TRACE, None)
        try:
            self._on_poke(frame)
        except Exception:  # noqa: BLE001 - nothing may escape into C code
            pass
        except BaseException as exc:
            # An interrupt (time limit, terminate) raised asynchronously while the callback
            # ran: raise it again where the spell's code goes on.
            _api.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(threading.get_ident()), ctypes.py_object(type(exc))
            )
        return 0
