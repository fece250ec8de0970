"""Keeps the protocol channel clean: stray writes to fd 1 or 2 become DAP `output` events.

The host speaks DAP on its original stdin/stdout. Before anything else runs, those are moved
to private file descriptors; fd 0 then reads /dev/null, and fds 1 and 2 become pipes whose
contents (from Python, from C libraries, from anything) are forwarded as output events.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO


def isolate_stdio() -> tuple[BinaryIO, BinaryIO, list[tuple[int, str]]]:
    """Returns the protocol's input and output streams and the pipes to pump."""
    protocol_in = os.fdopen(os.dup(0), "rb", buffering=0)
    protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    pipes: list[tuple[int, str]] = []
    for fd, category in ((1, "stdout"), (2, "stderr")):
        read_end, write_end = os.pipe()
        os.dup2(write_end, fd)
        os.close(write_end)
        pipes.append((read_end, category))
    sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")  # noqa: SIM115
    return protocol_in, protocol_out, pipes


def pump(pipes: list[tuple[int, str]], send: Callable[[str, str], None]) -> None:
    """Forward what arrives on each pipe, as it arrives, on daemon threads."""

    def forward(fd: int, category: str) -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            send(category, chunk.decode("utf-8", "replace"))

    for fd, category in pipes:
        threading.Thread(
            target=forward, args=(fd, category), daemon=True, name=f"pump-{category}"
        ).start()
