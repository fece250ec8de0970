"""The `system` group: allowed environment variables, facts about the machine (no secrets),
and running a program — only when the manifest sets `permissions.exec: true`."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engines.api.context import RunContext
from engines.api.tools.common import ToolError, check_inside, outside, remaining_time, shown_path
from engines.api.tools.registry import (
    Tool,
    array,
    builtin_declarer,
    number,
    obj,
    string,
)
from engines.errors import PermissionDenied
from engines.replay import digest

TOOLS: list[Tool] = []
tool = builtin_declarer("system", TOOLS)

MAX_OUTPUT = 1024 * 1024
# The child's environment: these basics, plus the variables the manifest allows.
_BASE_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT", "USER")


@tool(
    "env_get",
    "Read an environment variable the manifest allows (permissions.env).",
    obj({"name": string("The variable's name.")}, ["name"]),
)
def env_get(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    name = args["name"]
    if name not in ctx.permissions.env:
        allowed = ", ".join(sorted(ctx.permissions.env)) or "none"
        raise PermissionDenied(
            f"environment variable {name!r} is not allowed (allowed: {allowed}); "
            "list it under permissions.env in spell.yaml"
        )
    value = ctx.nondeterministic("env", lambda: os.environ.get(name), name)
    return {"name": name, "value": value, "set": value is not None}


@tool(
    "system_info",
    "The platform, OS release, machine, Python version and CPU count (no secrets).",
    obj({}),
)
def system_info(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    def produce() -> dict[str, Any]:
        return {
            "platform": sys.platform,
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "python_version": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            "cpu_count": os.cpu_count(),
        }

    result: dict[str, Any] = ctx.nondeterministic("system", produce)
    return result


def _read_capped(handle: Any) -> tuple[str, bool]:
    handle.seek(0)
    data = handle.read(MAX_OUTPUT + 1)
    return data[:MAX_OUTPUT].decode("utf-8", errors="replace"), len(data) > MAX_OUTPUT


@tool(
    "execute",
    "Run a program (argv list, no shell) with a timeout; needs permissions.exec: true.",
    obj(
        {
            "argv": array("The program and its arguments.", {"type": "string"}, minItems=1),
            "cwd": string(
                "Working folder, under an allowed read or write root; default the spell's folder."
            ),
            "stdin": string("Text given on standard input."),
            "timeout": number("Seconds before the program is killed; default 30.", minimum=0),
            "env": {
                "type": "object",
                "description": "Extra environment variables for the program.",
                "additionalProperties": {"type": "string"},
            },
        },
        ["argv"],
    ),
)
def execute(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    if not ctx.permissions.exec:
        raise PermissionDenied(
            "running programs is not allowed; set permissions.exec: true in spell.yaml"
        )
    argv = [str(a) for a in args["argv"]]
    cwd = Path(ctx.spell.dir).resolve()
    if args.get("cwd"):
        raw = Path(args["cwd"]).expanduser()
        cwd = (raw if raw.is_absolute() else Path(ctx.spell.dir) / raw).resolve()
        try:
            check_inside(ctx, cwd, "read", shown=args["cwd"])
        except PermissionDenied:
            check_inside(ctx, cwd, "write", shown=args["cwd"])
    env = {k: os.environ[k] for k in _BASE_ENV if k in os.environ}
    env.update({k: os.environ[k] for k in ctx.permissions.env if k in os.environ})
    env.update(args.get("env") or {})
    timeout = remaining_time(ctx, float(args.get("timeout", 30)))

    def produce() -> dict[str, Any]:
        started = time.monotonic()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                process = subprocess.Popen(
                    argv,
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.PIPE if args.get("stdin") is not None else subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                )
            except OSError as exc:
                raise ToolError(f"cannot run {argv[0]!r}: {exc.strerror or exc}") from None
            if args.get("stdin") is not None:
                assert process.stdin is not None
                try:
                    process.stdin.write(args["stdin"].encode("utf-8"))
                    process.stdin.close()
                except OSError:
                    pass
            timed_out = False
            while True:
                try:
                    process.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    if time.monotonic() - started > timeout or ctx.cancelled.is_set():
                        timed_out = True
                        _kill(process)
                        break
            stdout, out_cut = _read_capped(out)
            stderr, err_cut = _read_capped(err)
        return {
            "argv": argv,
            "cwd": shown_path(ctx, cwd),
            "exit_code": process.returncode,
            "stdout": stdout,
            "stderr": stderr,
            "timed_out": timed_out,
            "truncated": out_cut or err_cut,
            "duration": round(time.monotonic() - started, 3),
        }

    result: dict[str, Any] = outside(ctx, "exec", produce, digest([argv, args.get("stdin")]))
    return result


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        process.kill()
    process.wait()
