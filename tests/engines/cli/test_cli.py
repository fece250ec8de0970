"""`llmspell` as a person runs it: a real subprocess, its output, its exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SPELLBOOK = REPO / "resources" / "spellbook"


def llmspell(*args: str, cwd: Path = REPO, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engines.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
    )


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    return env


def write_spell(folder: Path, source: str, manifest: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.lua").write_text(textwrap.dedent(source))
    if manifest is None:
        return folder / "main.lua"
    (folder / "spell.yaml").write_text(textwrap.dedent(manifest))
    return folder


@pytest.mark.parametrize(
    "name", sorted(p.name for p in SPELLBOOK.iterdir() if (p / "spell.yaml").exists())
)
def test_every_spellbook_spell_runs(name):
    """Each spell of the spellbook runs to its end with exit code 0 (from its recording, when
    it ships one: offline and instant)."""
    recording = SPELLBOOK / name / "recording.jsonl"
    extra = ["--replay", str(recording)] if recording.exists() else []
    result = llmspell("run", str(SPELLBOOK / name), *extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout


def test_hello_greets_with_parameters_and_counts_across_runs():
    """hello takes typed parameters and keeps a count in spell-scoped state between runs."""
    first = llmspell("run", str(SPELLBOOK / "hello"), "--param", "name=Ada", "--param", "times=2")
    second = llmspell("run", str(SPELLBOOK / "hello"), "--param", "style=loud")
    assert first.stdout.splitlines() == [
        "Hello, Ada!",
        "Hello, Ada!",
        "2 greeting(s) so far across runs",
    ]
    assert second.stdout.splitlines() == ["HELLO, WORLD!", "3 greeting(s) so far across runs"]
    assert "[info] greeted" in first.stderr


def test_params_file(tmp_path):
    """--params reads typed values from a JSON file; --param overrides it."""
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"name": "Lin", "times": 1}))
    result = llmspell(
        "run", str(SPELLBOOK / "hello"), "--params", str(params), "--param", "name=Kim", "-q"
    )
    assert result.stdout.splitlines()[0] == "Hello, Kim!"
    assert result.stderr == ""


def test_json_lines_output():
    """--json prints every record as a JSON line, from run.start to run.end."""
    result = llmspell("run", str(SPELLBOOK / "state-history"), "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["kind"] == "run.start"
    assert records[-1]["kind"] == "run.end" and records[-1]["status"] == "ok"
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert {"state", "output"} <= {r["kind"] for r in records}


def test_syntax_error_exit_code_and_location(tmp_path):
    """A syntax error exits 1 and names file and line."""
    spell = write_spell(tmp_path / "s", "print('a')\nlocal = 3\n")
    result = llmspell("run", str(spell))
    assert result.returncode == 1
    assert "main.lua:2:" in result.stderr
    assert result.stdout == ""


def test_runtime_error_exit_code_location_and_traceback(tmp_path):
    """A runtime error exits 1 with file:line and a stack traceback."""
    spell = write_spell(tmp_path / "s", "local function f() error('broken') end\nf()\n")
    result = llmspell("run", str(spell))
    assert result.returncode == 1
    assert "main.lua:1: broken" in result.stderr
    assert "stack traceback:" in result.stderr


def test_malformed_manifest_exit_code_and_line(tmp_path):
    """A malformed spell.yaml exits 2 and names the file, the line and the closest key."""
    spell = write_spell(
        tmp_path / "s", "print(1)", manifest="name: s\nentry: main.lua\nparamters: {}\n"
    )
    result = llmspell("run", str(spell))
    assert result.returncode == 2
    assert "spell.yaml:3" in result.stderr
    assert "parameters" in result.stderr


def test_wrong_parameter_type_exit_code(tmp_path):
    """A parameter of the wrong type exits 2 and names the parameter."""
    result = llmspell("run", str(SPELLBOOK / "hello"), "--param", "times=many")
    assert result.returncode == 2
    assert "times" in result.stderr


def test_unknown_parameter_exit_code():
    """An undeclared parameter exits 2 with a suggestion."""
    result = llmspell("run", str(SPELLBOOK / "hello"), "--param", "nme=x")
    assert result.returncode == 2
    assert "name" in result.stderr


def test_sandbox_escape_attempt_fails_cleanly(tmp_path):
    """Reaching for io.popen is a spell error at that line; nothing runs outside."""
    marker = tmp_path / "pwned"
    spell = write_spell(tmp_path / "s", f"io.popen('touch {marker}')\n")
    result = llmspell("run", str(spell))
    assert result.returncode == 1
    assert "main.lua:1:" in result.stderr
    assert not marker.exists()


def test_infinite_loop_exit_code(tmp_path):
    """An infinite loop ends at --timeout with exit 3 and a message naming the limit."""
    spell = write_spell(tmp_path / "s", "while true do end\n")
    result = llmspell("run", str(spell), "--timeout", "0.5")
    assert result.returncode == 3
    assert "time limit exceeded" in result.stderr


def test_memory_bomb_exit_code(tmp_path):
    """A memory bomb ends with exit 3 and names the memory limit."""
    spell = write_spell(
        tmp_path / "s",
        "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end\n",
        manifest="name: bomb\nentry: main.lua\nlimits: {memory: 20MB, timeout: 30s}\n",
    )
    result = llmspell("run", str(spell))
    assert result.returncode == 3
    assert "memory limit exceeded" in result.stderr


def test_runaway_recursion_exit_code(tmp_path):
    """Runaway recursion ends with exit 3, a stack overflow at the recursive line."""
    spell = write_spell(tmp_path / "s", "local function f() return 1 + f() end\nf()\n")
    result = llmspell("run", str(spell))
    assert result.returncode == 3
    assert "main.lua:1: stack overflow" in result.stderr


def test_stuck_c_function_is_ended_by_the_watchdog(tmp_path):
    """A spell stuck inside one long C call (no hook can fire) still ends after its limit."""
    spell = write_spell(
        tmp_path / "s", "local s = ('a'):rep(200000)\nprint(s:find('.-.-.-.-.-b'))\n"
    )
    result = llmspell("run", str(spell), "--timeout", "0.5")
    assert result.returncode == 3
    assert "time limit exceeded" in result.stderr


def test_new_validate_list_and_engines(tmp_path):
    """new makes a spell that validates, lists and runs; engines lists lua."""
    assert llmspell("new", "greeter", "--dir", str(tmp_path)).returncode == 0
    folder = tmp_path / "greeter"
    validated = llmspell("validate", str(folder))
    assert validated.returncode == 0 and "ok: greeter" in validated.stdout
    listed = llmspell("list", str(tmp_path))
    assert "greeter" in listed.stdout
    ran = llmspell("run", str(folder), "--param", "name=Ada", "-q")
    assert ran.stdout == "Hello, Ada!\n"
    assert "lua" in llmspell("engines").stdout


def test_validate_reports_every_problem(tmp_path):
    """validate lists every problem of a broken manifest and exits 2."""
    spell = write_spell(
        tmp_path / "s",
        "print(1)",
        manifest="name: s\nentry: main.lua\nversion: [1]\nlimits: {timeout: soon}\n",
    )
    result = llmspell("validate", str(spell))
    assert result.returncode == 2
    assert "spell.yaml:3" in result.stderr and "spell.yaml:4" in result.stderr


def test_help_documents_exit_codes():
    """--help lists the exit codes."""
    result = llmspell("--help")
    assert "limit was exceeded" in result.stdout and "usage or validation error" in result.stdout


def test_no_command_is_a_usage_error():
    """Running llmspell with nothing to do exits 2."""
    assert llmspell().returncode == 2


def test_missing_spell_is_a_usage_error(tmp_path):
    """A path that does not exist exits 2 naming it."""
    result = llmspell("run", str(tmp_path / "nope.lua"))
    assert result.returncode == 2
    assert "nope.lua" in result.stderr


def test_chat_runs_live_on_the_embedded_local_model():
    """The chat spell streams a real answer from the local model, with no key configured."""
    result = llmspell(
        "run", str(SPELLBOOK / "chat"), "--param", "question=Say hi.", "-q", timeout=240
    )
    assert result.returncode == 0, result.stderr
    assert "tokens in" in result.stdout and "local/smollm2" in result.stdout
