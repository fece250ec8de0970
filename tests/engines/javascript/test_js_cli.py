"""`llmspell run` on JavaScript spells: a real subprocess through the engine host."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SPELLBOOK = REPO / "resources" / "spellbook"


def llmspell(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "engines.cli.main", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def write_spell(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.js").write_text(textwrap.dedent(source))
    return folder / "main.js"


def test_hello_js_prints_what_the_lua_hello_prints():
    """hello-js and hello give the same lines for the same parameters."""
    args = ("--param", "name=Ada", "--param", "times=2", "--state-db", ":memory:")
    lua = llmspell("run", str(SPELLBOOK / "hello"), *args)
    js = llmspell("run", str(SPELLBOOK / "hello-js"), *args)
    assert js.returncode == 0, js.stderr
    assert js.stdout == lua.stdout
    assert js.stdout.splitlines() == [
        "Hello, Ada!",
        "Hello, Ada!",
        "2 greeting(s) so far across runs",
    ]
    assert "[info] greeted" in js.stderr


def test_hello_js_counts_across_runs():
    """Spell-scoped state persists between runs of the JavaScript spell too."""
    llmspell("run", str(SPELLBOOK / "hello-js"), "--param", "name=Ada")
    second = llmspell("run", str(SPELLBOOK / "hello-js"), "--param", "style=loud")
    assert second.stdout.splitlines() == ["HELLO, WORLD!", "2 greeting(s) so far across runs"]


def test_events_and_hooks_js_matches_the_lua_spell():
    """The JavaScript events-and-hooks spell prints what its Lua twin prints."""
    lua = llmspell("run", str(SPELLBOOK / "events-and-hooks"), "-q")
    js = llmspell("run", str(SPELLBOOK / "events-and-hooks-js"), "-q")
    assert js.returncode == 0, js.stderr
    assert js.stdout == lua.stdout == "shipped: book, pen\nevents seen: 2 shipped\n"


def test_new_javascript_spell_runs(tmp_path):
    """`llmspell new --engine javascript` makes a spell that runs."""
    made = llmspell("new", "greeter", "--engine", "javascript", "--dir", str(tmp_path))
    assert made.returncode == 0, made.stderr
    ran = llmspell("run", str(tmp_path / "greeter"), "--param", "name=Ada", "-q")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "Hello, Ada!\n"


def test_runtime_error_exit_code_and_location(tmp_path):
    """A runtime error exits 1 with file:line."""
    spell = write_spell(tmp_path / "s", "function f() { throw new Error('broken'); }\nf();\n")
    result = llmspell("run", str(spell))
    assert result.returncode == 1
    assert "main.js:1: broken" in result.stderr


def test_syntax_error_exit_code(tmp_path):
    """A syntax error exits 1 and names the line."""
    spell = write_spell(tmp_path / "s", "print('a');\nlet x = = 3;\n")
    result = llmspell("run", str(spell))
    assert result.returncode == 1
    assert "main.js:2:" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("source", "timeout", "words"),
    [
        ("while (true) {}", "0.5", "time limit exceeded"),
        ("await null; while (true) {}", "0.5", "time limit exceeded"),
        ("function f() { return f() + 1; }\nf();", "30", "main.js:1: stack overflow"),
    ],
    ids=["loop", "loop-after-await", "recursion"],
)
def test_limits_exit_code(tmp_path, source, timeout, words):
    """Runaway loops and recursion exit 3 with a message naming the limit."""
    spell = write_spell(tmp_path / "s", source)
    result = llmspell("run", str(spell), "--timeout", timeout)
    assert result.returncode == 3, result.stderr
    assert words in result.stderr


def test_memory_bomb_exit_code(tmp_path):
    """A memory bomb ends with exit 3 and names the memory limit."""
    folder = tmp_path / "bomb"
    write_spell(folder, 'const a = []; for (;;) a.push("x".repeat(100) + a.length);\n')
    (folder / "spell.yaml").write_text(
        "name: bomb\nengine: javascript\nentry: main.js\nlimits: {memory: 20MB, timeout: 30s}\n"
    )
    result = llmspell("run", str(folder))
    assert result.returncode == 3
    assert "memory limit exceeded" in result.stderr


def test_engines_lists_javascript():
    """`llmspell engines` lists the JavaScript engine."""
    assert "javascript" in llmspell("engines").stdout
