"""Debugging from the studio: breakpoints, stepping, variables, watch, evaluate, continue."""

from __future__ import annotations

SOURCE = """local x = 1
local t = {a = 1, b = {2, 3}}
x = x + 1
print("x is", x)
x = x * 10
print("done", x)
"""


def _value(studio, *names: str) -> str | None:  # type: ignore[no-untyped-def]
    item = studio.window.variables.find_item(*names)
    return None if item is None else item.text(1)


def test_breakpoint_step_read_a_variable_continue(studio, wait_for, spell_dir) -> None:  # type: ignore[no-untyped-def]
    folder = spell_dir(SOURCE)
    main = str(folder / "main.lua")
    studio.open_path(str(folder))
    editor = studio.window.tabs.editor_for(main)
    editor.sig_breakpoint_clicked.emit(3)  # a click in the gutter
    assert editor.breakpoint_lines() == [3]
    studio.window.watch.add("x * 2")
    assert studio.start(debug=True)
    wait_for(lambda: studio.controller.state == "paused" and editor.paused_line() == 3)
    assert studio.window.stack.count() == 1
    # Locals expand lazily: x is there, t expands on demand.
    wait_for(lambda: _value(studio, "Locals", "x") == "1")
    t_item = studio.window.variables.find_item("Locals", "t")
    t_item.setExpanded(True)
    wait_for(lambda: studio.window.variables.find_item("Locals", "t", "b") is not None)
    wait_for(lambda: studio.window.watch.value("x * 2") == "2")
    studio.controller.step_over()
    wait_for(lambda: studio.controller.state == "paused" and editor.paused_line() == 4)
    wait_for(lambda: _value(studio, "Locals", "x") == "2")
    studio.window.evaluate.evaluate("x + 40")
    wait_for(lambda: "42" in studio.window.evaluate.output.toPlainText())
    studio.controller.resume()
    wait_for(lambda: studio.controller.state == "ended")
    assert editor.paused_line() is None
    assert "done\t20" in studio.window.console.text()


def test_conditional_breakpoint_and_run_to_cursor(studio, wait_for, spell_dir) -> None:  # type: ignore[no-untyped-def]
    folder = spell_dir("local total = 0\nfor i = 1, 5 do\n  total = total + i\nend\nprint(total)\n")
    main = str(folder / "main.lua")
    studio.open_path(str(folder))
    from ide.run.breakpoints import LineBreakpoint

    studio.breakpoints.set(LineBreakpoint(main, 3, condition="i == 4"))
    studio.start(debug=True)
    wait_for(lambda: studio.controller.state == "paused" and studio.window.stack.count() > 0)
    studio.window.evaluate.evaluate("i")
    wait_for(lambda: "  4" in studio.window.evaluate.output.toPlainText())
    studio.breakpoints.remove(main, 3)
    studio.run_to_line(main, 5)
    wait_for(
        lambda: (
            studio.controller.state == "paused"
            and studio.window.tabs.editor_for(main).paused_line() == 5
        )
    )
    studio.controller.resume()
    wait_for(lambda: studio.controller.state == "ended")
    assert "15" in studio.window.console.text()


def test_stop_a_runaway_spell(studio, wait_for, spell_dir) -> None:  # type: ignore[no-untyped-def]
    studio.open_path(str(spell_dir("while true do end\n")))
    studio.start(debug=False)
    wait_for(lambda: studio.controller.state == "running")
    studio.window.actions_by_name["stop"].trigger()
    wait_for(lambda: studio.controller.state == "ended", timeout=10)
    assert studio.controller.session.client.process.poll() is not None


def test_pause_a_busy_loop_in_a_debug_session(studio, wait_for, spell_dir) -> None:  # type: ignore[no-untyped-def]
    studio.open_path(str(spell_dir("local n = 0\nwhile true do\n  n = n + 1\nend\n")))
    studio.start(debug=True)
    wait_for(lambda: studio.controller.state == "running")
    studio.controller.pause()
    wait_for(lambda: studio.controller.state == "paused")
    studio.controller.stop()
    wait_for(lambda: studio.controller.state == "ended", timeout=10)


def test_survive_a_host_crash(studio, wait_for, spell_dir) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal

    studio.open_path(str(spell_dir("while true do end\n")))
    studio.start(debug=False)
    wait_for(lambda: studio.controller.state == "running")
    os.kill(studio.controller.session.pid, signal.SIGKILL)
    wait_for(lambda: studio.controller.state == "ended", timeout=10)
    assert "the engine host died" in studio.window.console.text()
    assert "SIGKILL" in studio.window.console.text()
    # Still usable: the next run works.
    studio.open_path(str(spell_dir('print("again")\n', name="second")))
    studio.start(debug=False)
    wait_for(lambda: studio.controller.state == "ended")
    assert "again" in studio.window.console.text()


def test_semantic_breakpoint_from_the_menu_stops_before_a_hook(studio, wait_for) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    spell = Path(__file__).resolve().parents[2] / "resources" / "spellbook" / "events-and-hooks"
    studio.open_path(str(spell))
    studio.window.semantic_actions["llm"].setChecked(True)
    studio.window.semantic_actions["exception:budget"].setChecked(True)
    assert "llm" in studio.breakpoints.functions
    assert "budget" in studio.breakpoints.exception_filters
    studio.breakpoints.set_function("hook:custom.review_order", True)
    studio.start(debug=True)
    wait_for(lambda: studio.controller.state == "paused" and studio.window.stack.count() > 0)
    assert "hook" in studio.window.state_label.text().lower() or studio.controller.frames
    studio.breakpoints.set_function("hook:custom.review_order", False)
    studio.controller.resume()
    wait_for(lambda: studio.controller.state == "ended")
    assert studio.controller.stats.exit_code == 0


def test_hovering_a_name_while_paused_shows_its_value(studio, wait_for, spell_dir) -> None:  # type: ignore[no-untyped-def]
    folder = spell_dir("local order = {id = 7}\nprint(order.id)\n")
    main = str(folder / "main.lua")
    studio.open_path(str(folder))
    studio.breakpoints.toggle(main, 2)
    studio.start(debug=True)
    wait_for(lambda: studio.controller.state == "paused" and studio.frame_id is not None)
    editor = studio.window.tabs.editor_for(main)
    position = editor.positionFromLine(1) + len("print(order.i")
    assert editor.expression_at(position) == "order.id"
    shown = []
    editor.show_value_tip = lambda pos, text: shown.append(text)
    editor.sig_hover.emit("order.id", position)
    wait_for(lambda: shown == ["order.id = 7"])
    studio.controller.resume()
    wait_for(lambda: studio.controller.state == "ended")


def test_debug_javascript_and_tengo_spells_from_the_studio(studio, wait_for, spellbook) -> None:  # type: ignore[no-untyped-def]
    """The same gutter breakpoint, step and variables work for the other two engines."""
    for folder, file, line, variable, next_line in (
        ("hello-js", "main.js", 7, "greeting", 10),
        ("hello-tengo", "main.tengo", 12, "greeting", 15),
    ):
        main = str(spellbook / folder / file)
        studio.open_path(str(spellbook / folder))
        editor = studio.window.tabs.editor_for(main)
        editor.sig_breakpoint_clicked.emit(line)
        studio.window.params.set_value("style", "loud")
        assert studio.start(debug=True)
        wait_for(
            lambda e=editor, n=line: studio.controller.state == "paused" and e.paused_line() == n
        )
        wait_for(lambda v=variable: (_value(studio, "Locals", v) or "").startswith('"Hello'))
        studio.controller.step_over()
        wait_for(
            lambda e=editor, n=next_line: (
                studio.controller.state == "paused" and e.paused_line() == n
            )
        )
        wait_for(lambda v=variable: "HELLO" in (_value(studio, "Locals", v) or ""))
        studio.breakpoints.remove(main, line)
        studio.controller.resume()
        wait_for(lambda: studio.controller.state == "ended")
        assert studio.controller.stats.exit_code == 0, studio.window.console.text()
