"""`python -m engines.host`: an engine host speaking DAP on stdin/stdout (`llmspell dap`)."""

from __future__ import annotations


def main() -> int:
    # First of all, before any library can write to fd 1: keep the channel to ourselves.
    from engines.host.stdio import isolate_stdio, pump

    protocol_in, protocol_out, pipes = isolate_stdio()
    from engines.host.protocol import MessageWriter
    from engines.host.server import HostServer, start_warm_up

    # The client needs a moment to send initialize and its configuration: import for the
    # launch meanwhile.
    start_warm_up()

    writer = MessageWriter(protocol_out)
    pump(
        pipes, lambda category, text: writer.event("output", {"category": category, "output": text})
    )
    HostServer(protocol_in, writer).serve()
    return 0


if __name__ == "__main__":
    import os

    code = main()
    # Engine threads may still be alive (a run abandoned by its client): do not wait for them.
    os._exit(code)
