"""`python -m ide.screenshots [OUTDIR]`: drive the studio through a run and a debug session of
a spellbook spell and save PNGs of the main window and of every pane (`make screenshots` runs
this under Xvfb). Exits non-zero when a step does not happen in time.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication, QWidget

from ide import paths
from ide.settings import SettingsDialog

BROKEN = """-- A spell that fails: the studio annotates the failing line.
local order = {id = 7, items = {}}
log.info("checking order", {id = order.id})
if #order.items == 0 then
  error("order " .. order.id .. " has no items")
end
"""


def wait(app: QApplication, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the studio did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def save(widget: QWidget, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(f"saved {path}")


def save_panes(app: QApplication, window: Any, out: Path, names: list[str]) -> None:
    for name in names:
        dock = window.docks[name]
        dock.show()
        dock.raise_()
        settle(app, 0.3)
        save(dock, out, f"pane-{name.lower().replace(' ', '-')}")


def workflow_screenshots(app: QApplication, studio: Any, out: Path) -> None:
    """The Workflow pane after a run of research-pipeline, then paused before a step (run to
    it from the graph), in the light and the dark theme."""
    window = studio.window
    studio.open_path(str(paths.SPELLBOOK / "research-pipeline"))
    studio.start(debug=False)
    wait(app, lambda: studio.controller.state == "ended")
    pane, dock = studio.inspectors.panes["Workflow"], window.docks["Workflow"]
    dock.show()
    dock.raise_()
    window.resizeDocks([dock], [560], Qt.Orientation.Vertical)
    settle(app, 0.5)
    pane.fit()
    pane.select("research/analyse/length")
    settle(app, 0.3)
    save(dock, out, "pane-workflow")
    pane.stepper.run_to("research/score")
    wait(app, lambda: studio.controller.state == "paused" and pane.model.paused is not None)
    dock.raise_()
    pane.select("research/score")
    settle(app, 0.6)
    save(window, out, "07-workflow-paused-before-a-step")
    studio.set_theme("dark")
    settle(app, 0.6)
    save(dock, out, "pane-workflow-dark")
    studio.set_theme("light")
    studio.controller.resume()
    wait(app, lambda: studio.controller.state == "ended")
    window.resizeDocks([window.docks["Console"]], [260], Qt.Orientation.Vertical)
    window.docks["Console"].raise_()
    settle(app, 0.3)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from ide.app import create_studio

    spell = paths.SPELLBOOK / "state-history"
    studio = create_studio(str(spell))
    window = studio.window
    window.resize(1600, 1000)
    window.show()
    studio.load_inspectors()
    settle(app, 1.0)
    save(window, out, "01-main-window")

    # A run: the console, the status bar and the inspectors fill up.
    studio.start(debug=False)
    wait(app, lambda: studio.controller.state == "ended")
    settle(app, 0.6)
    save(window, out, "02-after-run")
    llm_panes = ("Traces", "Metrics", "Runs")
    panes_after_run = ["Console", "Explorer", "Parameters", *studio.inspectors.panes]
    save_panes(app, window, out, [name for name in panes_after_run if name not in llm_panes])

    # An LLM spell replayed from its recording: spans with tokens and cost, and their metrics.
    studio.open_path(str(paths.SPELLBOOK / "tool-agent"))
    studio.replay_dialog()
    wait(app, lambda: studio.controller.state == "ended")
    settle(app, 0.6)
    save_panes(app, window, out, [name for name in llm_panes if name in window.docks])
    window.docks["Console"].raise_()
    studio.open_path(str(spell))

    # A debug session: a breakpoint, a pause, the stack, variables, a watch and an evaluation.
    main_lua = str(spell / "main.lua")
    studio.open_file(main_lua)
    studio.breakpoints.toggle(main_lua, 13)
    window.watch.add("state.get('inventory.apples')")
    studio.start(debug=True)
    wait(app, lambda: studio.controller.state == "paused" and window.stack.count() > 0)
    wait(app, lambda: window.variables.topLevelItemCount() > 0)
    settle(app, 0.5)
    for i in range(window.variables.topLevelItemCount()):
        item = window.variables.topLevelItem(i)
        if item is not None and item.text(0) == "Globals":
            item.setExpanded(True)
    window.evaluate.evaluate("state.get('owner').name")
    settle(app, 0.8)
    window.docks["Evaluate"].raise_()
    settle(app, 0.3)
    save(window, out, "03-paused-at-breakpoint")
    for name in ("Call Stack", "Variables", "Watch", "Breakpoints", "Evaluate"):
        dock = window.docks[name]
        dock.raise_()
        settle(app, 0.3)
        save(dock, out, f"pane-{name.lower().replace(' ', '-')}")
    studio.controller.step_over()
    wait(app, lambda: studio.controller.state == "paused")
    settle(app, 0.4)
    studio.controller.resume()
    wait(app, lambda: studio.controller.state == "ended")
    settle(app, 0.5)

    workflow_screenshots(app, studio, out)

    # A failed run: the error annotated at its line; in the dark theme.
    broken = Path(tempfile.mkdtemp()) / "broken"
    broken.mkdir()
    (broken / "main.lua").write_text(BROKEN, encoding="utf-8")
    studio.open_path(str(broken))
    studio.start(debug=False)
    wait(app, lambda: studio.controller.state == "ended")
    studio.set_theme("dark")
    settle(app, 0.6)
    save(window, out, "04-failed-run-dark-theme")
    studio.set_theme("light")

    # JavaScript and Tengo highlighting (from lexilla's cpp lexer and pygments).
    for name, file in (("js", "hello-js/main.js"), ("tengo", "hello-tengo/main.tengo")):
        if (paths.SPELLBOOK / file).is_file():
            studio.open_file(str(paths.SPELLBOOK / file))
            settle(app, 0.4)
            save(window.tabs, out, f"05-editor-{name}")

    dialog = SettingsDialog(studio.prefs, window)
    dialog.show()
    settle(app, 0.4)
    save(dialog, out, "06-settings-dialog")
    dialog.close()
    window.tabs.ask_unsaved = lambda name: "discard"
    studio.can_close()
    window.close()
    settle(app, 0.2)
    return 0


if __name__ == "__main__":
    if os.environ.get("QT_QPA_PLATFORM") is None and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.exit(main(sys.argv[1:]))
