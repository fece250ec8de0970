"""`llmspell debug`: a terminal debugger for spells, a DAP client of an engine host.

Commands at the `(llmspell)` prompt: break FILE:LINE | break LINE | break NAME (a function
breakpoint such as hook:custom.x, step or step:NAME), clear FILE:LINE, step (s), next (n),
finish, continue (c), locals, print EXPR (p), bt, quit (q), help. An empty line repeats the
last step command. At a workflow step stop: state (the state the step receives), set KEY JSON
(change it), skip (go on without the step), next (stop after the step), rerun (after a step:
run it again).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from engines.cli.render import HumanSink, display_path
from engines.host.client import HostClient, HostError
from engines.telemetry import Record

HELP = __doc__.split("\n\n", 1)[1].strip()
PROMPT = "(llmspell) "
_STEPS = {"s": "stepIn", "step": "stepIn", "n": "next", "next": "next", "finish": "stepOut"}


class TerminalDebugger:
    def __init__(self, spell_path: str, out: Any = None) -> None:
        self.out = out or sys.stdout
        self.spell_dir = Path(spell_path).resolve()
        if self.spell_dir.is_file():
            self.spell_dir = self.spell_dir.parent
        self.sink = HumanSink(out=self.out, err=sys.stderr, quiet=True)
        self.breakpoints: dict[str, set[int]] = defaultdict(set)
        self.function_breakpoints: set[str] = set()
        self.exit_code: int | None = None
        self.error: dict[str, Any] | None = None
        self.client = HostClient(self._on_event, keep_events=False)
        self._sources: dict[str, list[str]] = {}
        self._last_step: str | None = None
        self.ended = False

    def _on_event(self, name: str, body: dict[str, Any]) -> None:
        if name == "llmspell/telemetry":
            for raw in body.get("records", []):
                record = Record.from_dict(raw)
                if record.kind == "run.end":
                    self.error = record.data.get("error")
                self.sink.emit(record)
        elif name == "output" and not (body.get("data") or {}).get("llmspell"):
            self.say(str(body.get("output", "")).rstrip("\n"))

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # -- set-up ----------------------------------------------------------------------------

    def resolve(self, location: str) -> tuple[str, int] | None:
        file, _, line = location.rpartition(":")
        if not line.isdigit():
            return None
        if not file:
            file = self.current_file or str(self.spell_dir / "main.lua")
        path = Path(file)
        if not path.is_absolute() and not path.exists():
            path = self.spell_dir / file
        return os.path.realpath(path), int(line)

    current_file: str | None = None

    def add_break(self, spec: str) -> str:
        location = self.resolve(spec)
        if location is None:
            self.function_breakpoints.add(spec)
            self.client.request(
                "setFunctionBreakpoints",
                {"breakpoints": [{"name": n} for n in sorted(self.function_breakpoints)]},
            )
            return f"function breakpoint {spec}"
        path, line = location
        self.breakpoints[path].add(line)
        self._send_breakpoints(path)
        return f"breakpoint at {display_path(path)}:{line}"

    def clear_break(self, spec: str) -> str:
        location = self.resolve(spec)
        if location is None:
            self.function_breakpoints.discard(spec)
            return f"cleared {spec}"
        path, line = location
        self.breakpoints[path].discard(line)
        self._send_breakpoints(path)
        return f"cleared {display_path(path)}:{line}"

    def _send_breakpoints(self, path: str) -> None:
        self.client.request(
            "setBreakpoints",
            {
                "source": {"path": path},
                "breakpoints": [{"line": n} for n in sorted(self.breakpoints[path])],
            },
        )

    def start(self, args: argparse.Namespace) -> str | None:
        from engines.spell.errors import SpellLoadError
        from engines.spell.params import load_params_file

        try:
            from_file = load_params_file(args.params) if args.params else {}
        except SpellLoadError as exc:
            return str(exc)
        self.client.request("initialize", {"clientID": "llmspell-debug", "adapterID": "llmspell"})
        response = self.client.request(
            "launch",
            {
                "program": os.path.abspath(args.path),
                "stopOnEntry": not args.breaks,
                "params": from_file,
                "paramArgs": args.param,
                "client": "debug",
            },
            timeout=30,
        )
        if not response.get("success"):
            return str(response.get("message"))
        for spec in args.breaks:
            self.say(self.add_break(spec))
        self.client.request("setExceptionBreakpoints", {"filters": ["error"]})
        self.client.request("configurationDone")
        return None

    # -- the loop --------------------------------------------------------------------------

    def wait_for_stop(self) -> dict[str, Any] | None:
        """The next stopped event's body, or None when the run has ended."""
        while not self.ended:
            try:
                name, body = self.client.events.get(timeout=0.2)
            except queue.Empty:
                if self.client.closed.is_set():
                    return None
                continue
            if name == "stopped":
                return body
            if name == "exited":
                self.exit_code = int(body.get("exitCode", 1))
            if name in ("terminated", "llmspell/hostExited"):
                return None
        return None

    def quit(self) -> None:
        # terminate() consumes the `terminated` event itself: remember that the run is over.
        self.client.terminate()
        self.ended = True

    def show_stop(self, body: dict[str, Any]) -> None:
        semantic = body.get("llmspell") or {}
        if semantic.get("kind") in ("step", "step_done"):
            self._show_step(semantic)
            return
        frames = (
            self.client.request("stackTrace", {"threadId": 1})
            .get("body", {})
            .get("stackFrames", [])
        )
        reason = body.get("description") or body.get("reason")
        if not frames:
            self.say(f"stopped ({reason})")
            return
        top = frames[0]
        path, line = top["source"]["path"], top["line"]
        self.current_file = path
        self.say(f"stopped at {display_path(path)}:{line} in {top['name']} ({reason})")
        if body.get("text") and body.get("reason") == "exception":
            self.say(f"  error: {body['text']}")
        source = self._source(path)
        if 0 < line <= len(source):
            self.say(f"{line:>5} | {source[line - 1]}")

    def _show_step(self, semantic: dict[str, Any]) -> None:
        payload = semantic.get("payload") or {}
        where = "before" if semantic["kind"] == "step" else "after"
        self.say(f"stopped {where} step {payload.get('step')} ({payload.get('kind')})")
        self.say(f"  state: {json.dumps(payload.get('state'), ensure_ascii=False, default=str)}")
        if "output" in payload:
            self.say(
                f"  output: {json.dumps(payload.get('output'), ensure_ascii=False, default=str)}"
            )

    def _step_scope(self) -> int | None:
        scopes = self.client.request("scopes", {"frameId": 1}).get("body", {}).get("scopes", [])
        for scope in scopes:
            if scope["name"] == "Step state":
                return int(scope["variablesReference"])
        self.say("not stopped at a workflow step")
        return None

    def _set_state(self, rest: str) -> None:
        key, _, value = rest.partition(" ")
        reference = self._step_scope()
        if reference is None or not value.strip():
            if reference is not None:
                self.say("usage: set KEY JSON")
            return
        response = self.client.request(
            "setVariable", {"variablesReference": reference, "name": key, "value": value.strip()}
        )
        if response.get("success"):
            self.say(f"  {key} = {response['body']['value']}")
        else:
            self.say(f"error: {response.get('message')}")

    def _source(self, path: str) -> list[str]:
        if path not in self._sources:
            try:
                self._sources[path] = Path(path).read_text(encoding="utf-8").splitlines()
            except OSError:
                self._sources[path] = []
        return self._sources[path]

    def command(self, text: str) -> bool:
        """Run one command; True when the spell should go on (a step or continue was sent)."""
        text = text.strip() or (self._last_step or "")
        word, _, rest = text.partition(" ")
        rest = rest.strip()
        if word in _STEPS:
            self._last_step = word
            return self._go(_STEPS[word])
        if word in ("c", "continue"):
            return self._go("continue")
        if word == "skip":
            return self._go("skipStep")
        if word == "rerun":
            return self._go("rerunStep")
        if word == "state":
            reference = self._step_scope()
            if reference is not None:
                self._print_variables(reference)
            return False
        if word == "set" and rest:
            self._set_state(rest)
            return False
        if word in ("b", "break") and rest:
            self.say(self.add_break(rest))
        elif word == "clear" and rest:
            self.say(self.clear_break(rest))
        elif word == "locals":
            self._print_scope("Locals")
        elif word in ("p", "print") and rest:
            self._print(rest)
        elif word in ("bt", "backtrace", "where"):
            self._backtrace()
        elif word in ("q", "quit", "exit"):
            self.quit()
            return True
        elif word in ("h", "help", "?"):
            self.say(HELP)
        elif word:
            self.say(f"unknown command {word!r}; type help")
        return False

    def _go(self, command: str) -> bool:
        response = self.client.request(command, {"threadId": 1})
        if not response.get("success"):
            self.say(f"cannot {command}: {response.get('message')}")
            return False
        return True

    def _print_scope(self, name: str) -> None:
        scopes = self.client.request("scopes", {"frameId": 1}).get("body", {}).get("scopes", [])
        for scope in scopes:
            if scope["name"] == name:
                self._print_variables(scope["variablesReference"])

    def _print_variables(self, reference: int) -> None:
        variables = self.client.request("variables", {"variablesReference": reference})
        for variable in variables.get("body", {}).get("variables", []):
            self.say(f"  {variable['name']} = {variable['value']}")

    def _print(self, expression: str) -> None:
        response = self.client.request(
            "evaluate", {"expression": expression, "frameId": 1, "context": "repl"}
        )
        if response.get("success"):
            self.say(str(response["body"]["result"]))
        else:
            self.say(f"error: {response.get('message')}")

    def _backtrace(self) -> None:
        frames = (
            self.client.request("stackTrace", {"threadId": 1})
            .get("body", {})
            .get("stackFrames", [])
        )
        for index, frame in enumerate(frames):
            self.say(
                f"  #{index} {frame['name']} at {display_path(frame['source']['path'])}:{frame['line']}"
            )


def debug_spell(args: argparse.Namespace) -> int:
    debugger = TerminalDebugger(args.path)
    try:
        problem = debugger.start(args)
        if problem is not None:
            print(f"llmspell: {problem}", file=sys.stderr)
            return 2
        while True:
            stop = debugger.wait_for_stop()
            if stop is None:
                break
            debugger.show_stop(stop)
            while True:
                try:
                    line = input(PROMPT)
                except EOFError:
                    debugger.quit()
                    line = None
                if line is None or debugger.command(line):
                    break
    except HostError as exc:
        print(f"llmspell: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        debugger.quit()
        return 130
    finally:
        debugger.client.close()
    if debugger.error:
        from engines.cli.main import print_error

        print_error(debugger.error)
    return debugger.exit_code if debugger.exit_code is not None else 1
