"""The Workflow pane in the studio, through real engine hosts: a run of research-pipeline shows
every step done with its duration; "Run to this step" stops before it (highlighted); "Skip this
step" skips it (the node shows skipped); a host's refusal reaches the console."""

from __future__ import annotations

import re
from typing import Any

DURATION = re.compile(r"\d+(\.\d+)?(µs|ms|s)\b")
RESEARCH = "research-pipeline"


def _pane(studio) -> Any:  # type: ignore[no-untyped-def]
    studio.load_inspectors()
    return studio.inspectors.panes["Workflow"]


def _trigger(pane, node: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """Choose an entry of the node's context menu, as a right click would offer it."""
    menu = pane.node_menu(node)
    (action,) = [a for a in menu.actions() if a.objectName() == name]
    assert action.isEnabled()
    action.trigger()


def _run(studio, wait_for, spellbook) -> Any:  # type: ignore[no-untyped-def]
    studio.open_path(str(spellbook / RESEARCH))
    pane = _pane(studio)
    assert studio.start(debug=False)
    wait_for(lambda: studio.controller.state == "ended")
    wait_for(lambda: "research/report/long_report" in pane.model.nodes)
    pane.refresher.flush()
    return pane


def test_a_run_shows_every_step_done_with_its_duration(studio, wait_for, spellbook) -> None:  # type: ignore[no-untyped-def]
    pane = _run(studio, wait_for, spellbook)
    model = pane.model
    assert set(pane.items) == set(model.nodes)
    for node_id, item in pane.items.items():
        look = item.look
        if node_id == "research/report/short_report":  # the conditional's branch not chosen
            assert look.status == "skipped" and "not chosen" in look.detail
            continue
        assert look.status == "done", node_id
        assert DURATION.search(look.detail), (node_id, look.detail)
    assert "7 done, 1 skipped" in pane.summary.text()
    # A click on a step shows its input, output and diff.
    pane.select("research/score")
    assert pane.details.output_view.value["score"] == 9
    assert "score" not in pane.details.input_view.value
    assert pane.details.diff_view.value == [{"path": "score", "op": "added", "old": None, "new": 9}]


def test_run_to_a_step_then_skip_it(studio, wait_for, spellbook) -> None:  # type: ignore[no-untyped-def]
    pane = _run(studio, wait_for, spellbook)
    studio.breakpoints.set_function("llm", True)  # the user's own: it must stay
    # Run to a step: a debug session starts and stops before it; the node is highlighted.
    _trigger(pane, "research/score", "run_to")
    wait_for(lambda: studio.controller.state == "paused" and pane.model.paused == "research/score")
    pane.refresher.flush()
    assert pane.items["research/score"].look.paused
    assert "paused before score" in pane.summary.text()
    assert studio.breakpoints.functions == ["llm"]  # the one-shot step:score is gone again
    # Run on to another step from there, then skip it while stopped before it.
    _trigger(pane, "research/report/long_report", "run_to")
    wait_for(lambda: pane.model.paused == "research/report/long_report")
    assert studio.controller.state == "paused"
    _trigger(pane, "research/report/long_report", "skip")
    wait_for(lambda: pane.model.status("research/report/long_report") == "skipped")
    wait_for(lambda: studio.controller.state == "ended")
    pane.refresher.flush()
    assert pane.items["research/report/long_report"].look.status == "skipped"
    assert pane.model.status("research/score") == "done"
    assert studio.controller.stats.exit_code == 0
    assert studio.breakpoints.functions == ["llm"]


def test_skip_a_step_before_the_spell_gets_there(studio, wait_for, spellbook) -> None:  # type: ignore[no-untyped-def]
    """Skip from an idle studio: a debug session with a one-shot `step:NAME` breakpoint, and
    the step skipped on arrival."""
    pane = _run(studio, wait_for, spellbook)
    _trigger(pane, "research/report/long_report", "skip")
    wait_for(lambda: studio.controller.state == "ended")
    wait_for(lambda: pane.model.status("research/report/long_report") == "skipped")
    assert studio.breakpoints.functions == []
    assert "skipped step long_report" in studio.window.console.text()


def test_a_refused_skip_is_reported(studio, wait_for, spell_dir) -> None:  # type: ignore[no-untyped-def]
    """Paused elsewhere than before a step, skipStep is refused by the host (or not known
    to it): the pane says so, in the console and the status bar, not silently."""
    folder = spell_dir('local x = 1\nprint("after", x)\n')
    studio.open_path(str(folder))
    pane = _pane(studio)
    studio.breakpoints.toggle(str(folder / "main.lua"), 2)
    assert studio.start(debug=True)
    wait_for(lambda: studio.controller.state == "paused")
    pane.model.set_paused("probe/step")  # as if the graph showed the spell there
    pane.stepper.skip("probe/step")
    wait_for(lambda: "skip step" in studio.window.console.text())
    assert "failed" in studio.window.console.text()
    assert "skipStep" in studio.window.statusBar().currentMessage()
    assert "failed" in pane.message.text()
    studio.controller.resume()
    wait_for(lambda: studio.controller.state == "ended")
    # The run's new state is not hidden behind the pane's old message.
    assert studio.window.statusBar().currentMessage() == ""
