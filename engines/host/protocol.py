"""The Debug Adapter Protocol wire format: Content-Length framed JSON messages.

Shared by the host (server side) and every client (CLI, IDE, tests); plain Python, no Qt.
Spec: microsoft.github.io/debug-adapter-protocol. Custom events are named `llmspell/...`.
"""

from __future__ import annotations

import json
import threading
from typing import Any, BinaryIO

TELEMETRY_EVENT = "llmspell/telemetry"
# The longest message we accept; a bigger Content-Length is a garbled stream, not a message.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class ProtocolError(Exception):
    """The byte stream is not valid DAP framing or JSON."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=repr).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream: BinaryIO) -> dict[str, Any] | None:
    """The next message, or None at end of stream. Raises ProtocolError on garbage."""
    length: int | None = None
    while True:
        line = stream.readline(4096)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            if length is None:
                raise ProtocolError("message header without Content-Length")
            break
        name, sep, value = line.decode("ascii", "replace").partition(":")
        if not sep:
            raise ProtocolError(f"bad header line {line[:80]!r}")
        if name.strip().lower() == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise ProtocolError(f"bad Content-Length {value.strip()[:40]!r}") from None
            if not 0 <= length <= MAX_MESSAGE_BYTES:
                raise ProtocolError(f"Content-Length {length} out of range")
    body = stream.read(length)
    if len(body) < length:
        return None
    try:
        message = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"message body is not JSON: {exc}") from None
    if not isinstance(message, dict) or "type" not in message:
        raise ProtocolError("message is not a DAP object with a 'type'")
    return message


class MessageWriter:
    """Writes numbered messages to a stream from any thread, one whole message at a time."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._seq = 0
        self.closed = False

    def _send(self, message: dict[str, Any]) -> int:
        with self._lock:
            if self.closed:
                return 0
            self._seq += 1
            message["seq"] = self._seq
            try:
                self._stream.write(encode(message))
                self._stream.flush()
            except (BrokenPipeError, OSError, ValueError):
                self.closed = True
            return self._seq

    def event(self, event: str, body: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"type": "event", "event": event}
        if body is not None:
            message["body"] = body
        self._send(message)

    def response(
        self,
        request: dict[str, Any],
        body: dict[str, Any] | None = None,
        *,
        success: bool = True,
        message: str | None = None,
    ) -> None:
        response: dict[str, Any] = {
            "type": "response",
            "request_seq": request.get("seq", 0),
            "command": request.get("command", ""),
            "success": success,
        }
        if message is not None:
            response["message"] = message
        if body is not None:
            response["body"] = body
        self._send(response)

    def request(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        message: dict[str, Any] = {"type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        return self._send(message)
