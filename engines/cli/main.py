"""`llmspell`: run, validate, list and create spells from the command line.

Exit codes: 0 ok, 1 spell error, 2 usage or validation error, 3 limit exceeded.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from engines.errors import ExitCode

EPILOG = """\
exit codes:
  0  the spell ran to its end
  1  the spell failed (syntax error, runtime error, uncaught API error)
  2  usage or validation error (bad arguments, malformed spell.yaml, bad parameters)
  3  a limit was exceeded (time, memory, instructions, recursion)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmspell",
        description="Run, check and create spells: Lua, JavaScript and Tengo programs that drive LLMs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a spell",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("path", help="a spell file, a spell folder, or its spell.yaml")
    run.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="a parameter (repeatable)"
    )
    run.add_argument("--params", metavar="FILE", help="parameters from a JSON file")
    run.add_argument("--json", action="store_true", help="print every record as a JSON line")
    run.add_argument("--timeout", type=float, metavar="S", help="wall-clock limit in seconds")
    run.add_argument(
        "-q", "--quiet", action="store_true", help="show only the spell's output and errors"
    )
    run.add_argument(
        "--state-db", metavar="FILE", help="SQLite file for state (':memory:' for none)"
    )

    new = commands.add_parser("new", help="create a spell folder from a template")
    new.add_argument("name")
    new.add_argument("--engine", default="lua", choices=["lua", "javascript", "js", "tengo"])
    new.add_argument("--dir", default=".", help="where to create it (default: here)")

    validate = commands.add_parser("validate", help="check a spell and its spell.yaml")
    validate.add_argument("path")

    listing = commands.add_parser("list", help="list the spells in a folder")
    listing.add_argument("dir", nargs="?", default=".")

    commands.add_parser("engines", help="list the engines")

    tengo = commands.add_parser("tengo", help="run a plain Tengo script like the `tengo` command")
    tengo.add_argument("file")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return ExitCode.USAGE
    handler = {
        "run": cmd_run,
        "new": cmd_new,
        "validate": cmd_validate,
        "list": cmd_list,
        "engines": cmd_engines,
        "tengo": cmd_tengo,
    }[args.command]
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _fail(message: str, code: ExitCode = ExitCode.USAGE) -> ExitCode:
    print(f"llmspell: {message}", file=sys.stderr)
    return code


def cmd_run(args: argparse.Namespace) -> int:
    from engines.spell.errors import SpellLoadError
    from engines.spell.loader import load_spell
    from engines.spell.params import load_params_file, parse_param_args, resolve_params

    try:
        spell = load_spell(args.path)
        from_file = load_params_file(args.params) if args.params else {}
        params = resolve_params(spell, from_file, parse_param_args(args.param))
    except SpellLoadError as exc:
        return _fail(str(exc))
    if args.timeout is not None and args.timeout <= 0:
        return _fail("--timeout must be positive")

    from engines.api.state_store import default_state_db
    from engines.cli.render import HumanSink, JsonLinesSink
    from engines.runner import context_for, run_spell

    sink: Any = JsonLinesSink() if args.json else HumanSink(quiet=args.quiet)
    ctx = context_for(
        spell,
        params,
        [sink],
        state_db=args.state_db or default_state_db(),
        timeout=args.timeout,
    )
    _start_watchdog(ctx.limits.timeout)
    result = run_spell(spell, ctx)
    if result.error is not None and not args.json:
        print_error(result.error)
    return int(result.exit_code)


def print_error(error: Any) -> None:
    from engines.cli.render import display_path
    from engines.errors import LimitExceeded

    where = display_path(error.file)
    if where and error.line:
        where = f"{where}:{error.line}"
    label = "limit exceeded" if isinstance(error, LimitExceeded) else "error"
    print(f"{label}: {where + ': ' if where else ''}{error.message}", file=sys.stderr)
    if error.traceback:
        print("stack traceback:\n" + error.traceback, file=sys.stderr)


def _start_watchdog(timeout: float) -> None:
    """Ends the process when a spell is stuck where no interrupt check can reach it
    (a long-running C function inside the engine), a little after its time limit."""

    def expire() -> None:
        time.sleep(timeout + 2.0)
        sys.stderr.write(
            f"limit exceeded: time limit exceeded: the run took longer than {timeout:g} s\n"
        )
        sys.stderr.flush()
        os._exit(ExitCode.LIMIT)

    threading.Thread(target=expire, daemon=True, name="llmspell-watchdog").start()


def cmd_new(args: argparse.Namespace) -> int:
    from engines.spell.errors import SpellLoadError
    from engines.spell.templates import create_spell

    engine = "javascript" if args.engine == "js" else args.engine
    try:
        folder = create_spell(Path(args.dir), args.name, engine)
    except (SpellLoadError, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(f"created {folder}")
    return ExitCode.OK


def cmd_validate(args: argparse.Namespace) -> int:
    from engines.cli.render import display_path
    from engines.spell.errors import SpellLoadError
    from engines.spell.loader import load_spell

    try:
        spell = load_spell(args.path)
    except SpellLoadError as exc:
        return _fail(str(exc))
    print(f"ok: {spell.name} {spell.version} ({spell.engine}, {display_path(spell.entry)})")
    return ExitCode.OK


def cmd_list(args: argparse.Namespace) -> int:
    from engines.cli.render import display_path
    from engines.spell.loader import discover_spells

    root = Path(args.dir)
    if not root.is_dir():
        return _fail(f"{args.dir}: not a folder")
    found = discover_spells(root)
    if not found:
        print(f"no spells in {args.dir}")
    for item in found:
        if isinstance(item, tuple):
            path, error = item
            print(f"{display_path(path)}  BROKEN: {str(error).splitlines()[0]}")
        else:
            where = display_path(item.manifest_path.parent if item.manifest_path else item.entry)
            print(f"{item.name:<24} {item.engine:<10} {item.description or '-'}  ({where})")
    return ExitCode.OK


def cmd_engines(args: argparse.Namespace) -> int:
    from engines import registry

    for name in registry.available():
        print(f"{name:<11} available")
    for name in registry.PLANNED:
        if name not in registry.available():
            print(f"{name:<11} not yet available")
    return ExitCode.OK


def cmd_tengo(args: argparse.Namespace) -> int:
    from engines.tengo.cli import main as tengo_main

    return tengo_main([args.file])


if __name__ == "__main__":
    sys.exit(main())
