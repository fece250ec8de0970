"""The editor: highlighting per language, API completion and call tips, find/replace, go to
line, the breakpoint gutter, paused-line marker and error annotations."""

from __future__ import annotations

from pathlib import Path

import pytest

from ide.editor.completion import ApiIndex, call_tip_at, completion_at
from ide.editor.languages import language_for
from ide.editor.widget import SpellEditor


@pytest.fixture
def editor(qtbot):  # type: ignore[no-untyped-def]
    def make(name: str, text: str) -> SpellEditor:
        e = SpellEditor(language_for(name))
        qtbot.addWidget(e)
        e.resize(500, 300)
        e.show()
        e.set_text(text)
        e.colourise(0, -1)
        qtbot.wait(10)
        return e

    return make


@pytest.mark.parametrize(
    "name,text,position,style",
    [
        ("main.lua", "local x = 'é'\n", 0, 5),  # keyword
        ("main.lua", "local x = 'é'\n", 10, 7),  # string ('…' is a character style in lua)
        ("main.js", "const s = `t`;\n", 0, 5),  # keyword
        ("main.js", "const s = `t`;\n", 10, 20),  # template string (raw string style)
        ("main.tengo", 'x := "hi" // c\n', 5, 6),  # string, from pygments' Go lexer
        ("main.tengo", 'x := "hi" // c\n', 11, 1),  # comment
        ("spell.yaml", "name: x\n# c\n", 0, 2),  # key
    ],
)
def test_highlighting(editor, name: str, text: str, position: int, style: int) -> None:  # type: ignore[no-untyped-def]
    e = editor(name, text)
    assert e.styleAt(position) == style


def test_positions_are_bytes_and_text_round_trips(editor) -> None:  # type: ignore[no-untyped-def]
    e = editor("main.lua", "local s = 'héllo'\nprint(s)\n")
    assert e.text() == "local s = 'héllo'\nprint(s)\n"
    assert e.positionFromLine(1) == len("local s = 'héllo'\n".encode())


def test_completion_and_call_tips_from_the_declarations() -> None:
    lua, js = ApiIndex("lua"), ApiIndex("javascript")
    assert "state" in completion_at(lua, "local v = sta")[1]
    prefix, names = completion_at(lua, "state.sn")
    assert (prefix, names) == ("sn", ["snapshot"])
    assert "runId" in js.members("spell") and "run_id" in lua.members("spell")
    tip = call_tip_at(lua, "state.set(")
    assert tip.startswith("state.set(path: string, value: any")
    assert completion_at(lua, "nothing.") is None


def test_typing_a_dot_opens_the_completion_list(editor) -> None:  # type: ignore[no-untyped-def]
    e = editor("main.lua", "state.")
    e.gotoPos(e.length())
    e._on_char_added(ord("."))
    assert e.autoCActive()
    e.autoCCancel()
    e.setText("state.set(")
    e.gotoPos(e.length())
    e._on_char_added(ord("("))
    assert e.callTipActive()


def test_find_replace_with_regex_and_go_to_line(editor) -> None:  # type: ignore[no-untyped-def]
    e = editor("main.lua", "local a1 = 1\nlocal b22 = 2\nprint(a1, b22)\n")
    assert e.find_match(r"b\d+", regex=True)
    assert e.current_line() == 2
    assert e.replace_all(r"([ab])(\d+)", r"\2\1", regex=True) == 4
    assert e.text() == "local 1a = 1\nlocal 22b = 2\nprint(1a, 22b)\n"
    assert not e.find_match("zzz")
    e.goto_line(3)
    assert e.current_line() == 3


def test_gutter_markers_paused_line_and_annotation(editor) -> None:  # type: ignore[no-untyped-def]
    from ide.run.breakpoints import LineBreakpoint

    e = editor("main.lua", "a = 1\nb = 2\nc = 3\n")
    clicked = []
    e.sig_breakpoint_clicked.connect(clicked.append)
    e._on_margin_clicked(e.positionFromLine(1), 0, 1)
    assert clicked == [2]
    e.show_breakpoints([LineBreakpoint("/x", 2), LineBreakpoint("/x", 3, log_message="hi")])
    assert e.breakpoint_lines() == [2, 3]
    e.set_paused_line(3)
    assert e.paused_line() == 3
    e.set_paused_line(None)
    assert e.paused_line() is None
    e.show_error(2, "runtime: boom")
    assert e.annotation(2) == "runtime: boom"
    e.clear_errors()
    assert e.annotation(2) == ""


def test_tengo_folds_blocks(editor) -> None:  # type: ignore[no-untyped-def]
    e = editor("main.tengo", "f := func() {\n  return 1\n}\n")
    e.colourise(0, -1)
    assert e.foldLevel(0) & 0x2000  # a fold header


def test_theme_and_font_apply(editor) -> None:  # type: ignore[no-untyped-def]
    e = editor("main.lua", "local x = 1\n")
    e.apply_style("dark", "DejaVu Sans Mono", 13)
    assert e.styleSize(32) == 13
    assert Path(__file__).exists()
