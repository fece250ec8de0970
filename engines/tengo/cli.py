"""Command-line runner, like upstream's ``tengo FILE``.

Runs a Tengo script with the whole stdlib available and ``import("x")``
loading ``x.tengo`` from the script's directory; ``fmt`` output goes to
stdout.  On error the upstream-formatted error text goes to stderr and the
exit status is 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import TengoError, TengoExit
from .script import compile_script


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: tengo FILE\n")
        return 2
    path = Path(args[0])
    try:
        source = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as e:
        sys.stderr.write(f"{e}\n")
        return 1
    if source.startswith("#!"):
        source = "//" + source[2:]  # allow a shebang line, as upstream does
    try:
        compile_script(source, path.name, import_dir=str(path.parent)).run()
    except TengoExit as e:
        return e.code
    except TengoError as e:
        sys.stdout.flush()
        sys.stderr.write(str(e) + "\n")
        return 1
    finally:
        sys.stdout.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
