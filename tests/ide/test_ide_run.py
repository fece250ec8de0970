"""Running a spell from the studio through a real engine host fills the console and status."""

from __future__ import annotations

from pathlib import Path

SPELLBOOK = Path(__file__).resolve().parents[2] / "resources" / "spellbook"


def test_open_a_spellbook_spell_and_run_it(studio, wait_for) -> None:  # type: ignore[no-untyped-def]
    studio.open_path(str(SPELLBOOK / "hello"))
    assert studio.window.windowTitle() == "LLMSpell Studio — hello"
    assert studio.window.tabs.current_path().endswith("main.lua")
    studio.window.params.set_value("times", "3")
    studio.window.params.set_value("name", "Ada")
    assert studio.start(debug=False)
    wait_for(lambda: studio.controller.state == "ended")
    text = studio.window.console.text()
    assert text.count("Hello, Ada!") == 3
    assert "[info] greeted" in text
    assert studio.controller.stats.exit_code == 0
    assert "records" in studio.window.usage_label.text()
    # The values are remembered for the spell.
    studio.window.params.set_value("times", "1")
    studio._on_current_file(studio.window.tabs.current_path())
    assert studio.window.params.values()[0]["times"] == 3


def test_invalid_parameter_refuses_to_run(studio) -> None:  # type: ignore[no-untyped-def]
    studio.open_path(str(SPELLBOOK / "hello"))
    studio.window.params.set_value("times", "many")
    assert not studio.start(debug=False)
    assert "expected an integer" in studio.window.console.text()


def test_a_failed_run_annotates_the_failing_line(studio, wait_for, spell_dir) -> None:  # type: ignore[no-untyped-def]
    folder = spell_dir('local x = 1\nprint("before")\nerror("boom")\n')
    studio.open_path(str(folder))
    studio.start(debug=False)
    wait_for(lambda: studio.controller.state == "ended")
    editor = studio.window.tabs.editor_for(str(folder / "main.lua"))
    assert "boom" in editor.annotation(3)
    assert "main.lua:3" in studio.window.console.text()


def test_a_launch_failure_is_reported_and_the_studio_stays_usable(
    qtbot, wait_for, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from ide.run.controller import RunController

    controller = RunController()
    finished = []
    controller.sig_run_finished.connect(finished.append)
    assert controller.start(str(tmp_path / "missing.lua"))
    wait_for(lambda: controller.state == "ended", timeout=15)
    assert finished[0]["problem"].startswith("the run could not start")
    (tmp_path / "ok.lua").write_text('print("fine")\n', encoding="utf-8")
    assert controller.start(str(tmp_path / "ok.lua"))
    wait_for(lambda: controller.state == "ended", timeout=15)
    assert finished[1]["exit_code"] == 0


def test_replay_a_spell_from_its_recording_then_from_the_run_store(studio, wait_for) -> None:  # type: ignore[no-untyped-def]
    """An LLM spell runs offline from its recording.jsonl; the run it makes can be replayed
    from the Runs pane; both fill the traces with the recorded model calls."""
    studio.open_path(str(SPELLBOOK / "tool-agent"))
    assert studio.window.actions_by_name["replay"].isEnabled()
    assert studio.replay_dialog()
    wait_for(lambda: studio.controller.state == "ended", timeout=60)
    assert studio.controller.stats.exit_code == 0, studio.window.console.text()
    assert "replaying" in studio.window.console.text()
    spans = [node.name for node in studio.inspectors.hub.traces.nodes]
    assert any(name.startswith("chat ") for name in spans), spans
    runs = studio.inspectors.panes["Runs"]
    runs.model.refresh()
    runs.refresh()
    newest = runs.model.runs[0]
    assert newest.spell == "tool-agent" and newest.status == "ok"
    runs.select_ids([newest.id])
    assert runs.replay_button.isEnabled()
    assert runs.replay_selected() == newest.id
    wait_for(lambda: studio.controller.state == "ended", timeout=60)
    assert studio.controller.stats.exit_code == 0, studio.window.console.text()
    assert f"replaying {newest.id}" in studio.window.console.text()
