"""`llmspell`: run, validate, list and create spells from the command line.

Exit codes: 0 ok, 1 spell error, 2 usage or validation error, 3 limit exceeded.
"""

from __future__ import annotations

import argparse
import os
import sys
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
    run.add_argument("path", nargs="?", help="a spell file, a spell folder, or its spell.yaml")
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
    run.add_argument(
        "--replay",
        metavar="RUN_ID|FILE",
        help="re-run offline with the LLM answers, tool results and times recorded in a run",
    )
    run.add_argument(
        "--resume",
        metavar="RUN_ID",
        help="go on with a failed or stopped run from its last workflow checkpoint",
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

    commands.add_parser(
        "dap", help="speak the Debug Adapter Protocol on stdin/stdout (for VS Code)"
    )

    debug = commands.add_parser("debug", help="debug a spell in the terminal")
    debug.add_argument("path")
    debug.add_argument(
        "--break",
        dest="breaks",
        action="append",
        default=[],
        metavar="FILE:LINE|NAME",
        help="a line, or a function breakpoint: step, step:NAME, llm, tool, hook:POINT",
    )
    debug.add_argument("--param", action="append", default=[], metavar="K=V")
    debug.add_argument("--params", metavar="FILE")

    from engines.cli.config_cmds import add_config_parsers
    from engines.cli.runs import add_runs_parser

    add_runs_parser(commands)
    add_config_parsers(commands)

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
        "dap": cmd_dap,
        "debug": cmd_debug,
        "runs": cmd_runs,
        "keys": cmd_keys,
        "config": cmd_config,
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
    """Runs the spell in an engine host subprocess, as a DAP client of it."""
    from engines.cli.render import HumanSink, JsonLinesSink
    from engines.cli.session import HostRun
    from engines.spell.errors import SpellLoadError
    from engines.spell.params import load_params_file

    if args.timeout is not None and args.timeout <= 0:
        return _fail("--timeout must be positive")
    if args.path is None and not args.resume:
        return _fail("run needs a spell PATH (or --resume RUN_ID)")
    try:
        from_file = load_params_file(args.params) if args.params else {}
    except SpellLoadError as exc:
        return _fail(str(exc))
    sink: Any = JsonLinesSink() if args.json else HumanSink(quiet=args.quiet)
    launch = {
        "program": os.path.abspath(args.path) if args.path else None,
        "noDebug": True,
        "params": from_file,
        "paramArgs": args.param,
        "limits": {"timeout": args.timeout} if args.timeout else {},
        "client": "cli",
    }
    if args.state_db:
        launch["stateDb"] = args.state_db
    if args.replay:
        launch["replay"] = args.replay
    if args.resume:
        launch["resume"] = args.resume
    with HostRun(sink) as run:
        problem = run.launch(launch)
        if problem is not None:
            return _fail(problem)
        code = run.wait()
    if run.error is not None and not args.json:
        print_error(run.error)
    if run.host_problem:
        print(f"llmspell: {run.host_problem}", file=sys.stderr)
    return code


def print_error(error: dict[str, Any]) -> None:
    from engines.cli.render import display_path

    where = display_path(error.get("file"))
    if where and error.get("line"):
        where = f"{where}:{error['line']}"
    label = (
        "limit exceeded"
        if error.get("kind") == "limit" and error.get("limit") != "replay"
        else "error"
    )
    print(f"{label}: {where + ': ' if where else ''}{error.get('message')}", file=sys.stderr)
    if error.get("traceback"):
        print("stack traceback:\n" + error["traceback"], file=sys.stderr)


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


def cmd_dap(args: argparse.Namespace) -> int:
    from engines.host.__main__ import main as host_main

    code = host_main()
    sys.stdout.flush()
    os._exit(code)


def cmd_debug(args: argparse.Namespace) -> int:
    from engines.cli.debug import debug_spell

    return debug_spell(args)


def cmd_runs(args: argparse.Namespace) -> int:
    from engines.cli.runs import handle_runs

    return handle_runs(args)


def cmd_keys(args: argparse.Namespace) -> int:
    from engines.cli.config_cmds import handle_keys

    return handle_keys(args)


def cmd_config(args: argparse.Namespace) -> int:
    from engines.cli.config_cmds import handle_config

    return handle_config(args)


def cmd_tengo(args: argparse.Namespace) -> int:
    from engines.tengo.cli import main as tengo_main

    return tengo_main([args.file])


if __name__ == "__main__":
    sys.exit(main())
