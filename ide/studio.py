"""`Studio`: the one place that wires the main window to the run controller (Mu style).

It handles files (new from templates, open, save, recent files), the current spell (title,
parameters form remembered per spell), runs and debug sessions (console, status bar,
inspectors, paused line, error annotations), breakpoints and preferences.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog

from ide import gc_tuning, paths
from ide.editor.widget import SpellEditor
from ide.inspector_bridge import InspectorBridge
from ide.run.breakpoints import BreakpointStore, LineBreakpoint
from ide.run.controller import ENDED, IDLE, PAUSED, RUNNING, RunController
from ide.settings import Preferences, SettingsDialog
from ide.spell_info import PROGRAM_SUFFIXES, SpellInfo, describe_spell, new_spell_dialog
from ide.theme import apply_palette
from ide.window import TITLE, MainWindow

MAX_RECENT = 10


class Studio:
    def __init__(self, folder: str | None = None, settings: QSettings | None = None) -> None:
        self.settings = settings or paths.settings()
        self.prefs = Preferences.load(self.settings)
        self.breakpoints = BreakpointStore()
        self.controller = RunController(self.breakpoints)
        self.folder = os.path.abspath(folder or os.getcwd())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_palette(app, self.prefs.theme)
        self.window = MainWindow(
            self.folder, str(paths.SPELLBOOK), self.breakpoints, self.controller.request
        )
        self.controller.setParent(self.window)  # no signal outlives the window
        self.inspectors = InspectorBridge(self.window)
        self.spell: SpellInfo | None = None
        self.frame_id: int | None = None
        self._elapsed = QTimer(self.window)
        self._elapsed.setInterval(200)
        self._elapsed.timeout.connect(self._update_status)
        self._wire()
        self.apply_preferences()
        self._restore_layout()
        # The inspectors import pyqtgraph (~1 s): load them once the window is on the screen.
        QTimer.singleShot(100, self.window, self.load_inspectors)  # not after it is gone
        self._rebuild_recent()
        self._update_actions()
        self._gc_timer = QTimer(self.window)  # a full collection once a run has ended
        self._gc_timer.setSingleShot(True)
        self._gc_timer.setInterval(1000)
        self._gc_timer.timeout.connect(self._collect_garbage)
        gc_tuning.settle()

    def load_inspectors(self) -> None:
        if not self.inspectors.loaded:
            self.inspectors.load()
            self._restore_layout()  # their docks' places, now that they exist
            runs = self.inspectors.panes.get("Runs")
            if runs is not None and hasattr(runs, "sig_replay_run"):
                runs.sig_replay_run.connect(self.replay_run)
            workflow = self.inspectors.panes.get("Workflow")
            if workflow is not None and hasattr(workflow, "attach"):
                workflow.attach(self.controller, lambda: self.start(debug=True), self._report)
            if not self.controller.active:
                gc_tuning.settle()  # pyqtgraph's modules and the panes: never walked again

    def _report(self, level: str, text: str) -> None:
        """A pane's message, in the console and for a while in the status bar."""
        self.window.console.message(level, text)
        self.window.statusBar().showMessage(text, 10_000)

    def _collect_garbage(self) -> None:
        if not self.controller.active:
            gc_tuning.settle()

    # -- wiring ----------------------------------------------------------------------------

    def _wire(self) -> None:
        w, c, a = self.window, self.controller, self.window.actions_by_name
        slots = {
            "new": self.new_spell,
            "new_file": lambda: w.tabs.new_buffer(),
            "open": self.open_dialog,
            "open_folder": self.open_folder_dialog,
            "save": lambda: w.tabs.save(),
            "save_as": lambda: w.tabs.save_as(),
            "close_tab": lambda: w.tabs.close_tab(w.tabs.currentIndex()),
            "quit": w.close,
            "find": lambda: w.find_bar.open(False),
            "replace": lambda: w.find_bar.open(True),
            "goto_line": self.goto_line_dialog,
            "indentation": self.indentation_dialog,
            "settings": self.settings_dialog,
            "run": lambda: self.start(debug=False),
            "debug": lambda: self.start(debug=True),
            "stop": c.stop,
            "pause": c.pause,
            "continue": c.resume,
            "step_over": c.step_over,
            "step_into": c.step_into,
            "step_out": c.step_out,
            "run_to_cursor": self.run_to_cursor,
            "replay": self.replay_dialog,
            "toggle_breakpoint": self.toggle_breakpoint_here,
            "clear_breakpoints": self.breakpoints.clear,
            "bp_tool_named": lambda: self._ask_function_breakpoint("tool", "Tool name"),
            "bp_hook": lambda: self._ask_function_breakpoint(
                "hook", "Hook point (e.g. custom.review)"
            ),
            "theme": lambda: self.set_theme("dark" if a["theme"].isChecked() else "light"),
        }
        for name, slot in slots.items():
            a[name].triggered.connect(slot)
        for name, action in w.semantic_actions.items():
            if name.startswith("exception:"):
                action.toggled.connect(
                    lambda on, n=name[10:]: self.breakpoints.set_exception_filter(n, on)
                )
            else:
                action.toggled.connect(lambda on, n=name: self.breakpoints.set_function(n, on))
        w.close_guard = self.can_close
        w.explorer.sig_open_file.connect(self.open_file)
        w.console.sig_location_clicked.connect(self.open_file)
        w.breakpoints.sig_open_location.connect(self.open_file)
        w.stack.sig_frame_selected.connect(self._on_frame_selected)
        w.tabs.sig_current_changed.connect(self._on_current_file)
        w.tabs.sig_breakpoint_clicked.connect(self.breakpoints.toggle)
        w.tabs.sig_breakpoint_edit.connect(self.edit_breakpoint)
        w.tabs.sig_run_to_line.connect(self.run_to_line)
        w.tabs.sig_hover.connect(self.show_hover_value)
        w.tabs.sig_saved.connect(lambda path: self._on_current_file(w.tabs.current_path() or ""))
        self.breakpoints.subscribe(self._show_breakpoints)
        c.sig_state_changed.connect(self._on_state)
        c.sig_records.connect(self._on_records)
        c.sig_message.connect(lambda level, text: w.console.message(level, text))
        c.sig_paused.connect(self._on_paused)
        c.sig_resumed.connect(self._on_resumed)
        c.sig_run_finished.connect(self._on_finished)

    # -- files -----------------------------------------------------------------------------

    def open_file(self, path: str, line: int = 0) -> None:
        if not os.path.isfile(path):
            self.window.console.message("warn", f"no such file: {path}")
            return
        editor = self.window.tabs.open_file(path, line or None)
        editor.show_breakpoints(self.breakpoints.lines(path))
        self._add_recent(os.path.abspath(path))

    def open_path(self, path: str) -> None:
        """A file, a spell folder (its entry and spell.yaml) or any folder (the explorer)."""
        path = os.path.abspath(path)
        if os.path.isdir(path):
            self.set_folder(path)
            info = describe_spell(path)
            if info is not None and info.manifest:
                self.open_file(info.manifest)
            if info is not None and info.entry and os.path.isfile(info.entry):
                self.open_file(info.entry)
            elif info is None:  # a folder with a lone program: its main file
                for suffix in PROGRAM_SUFFIXES:
                    if os.path.isfile(os.path.join(path, f"main{suffix}")):
                        self.open_file(os.path.join(path, f"main{suffix}"))
                        break
        elif os.path.isfile(path):
            self.set_folder(os.path.dirname(path))
            self.open_file(path)

    def set_folder(self, folder: str) -> None:
        self.folder = folder
        self.window.explorer.set_folder(folder)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window,
            "Open",
            self.folder,
            "Spells (*.lua *.js *.tengo *.yaml *.yml);;All files (*)",
        )
        if path:
            self.open_file(path)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open Folder", self.folder)
        if folder:
            self.open_path(folder)

    def new_spell(self) -> None:
        created = new_spell_dialog(self.window, self.folder)
        if created:
            self.open_path(created)

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent", json.dumps([path, *recent][:MAX_RECENT]))
        self._rebuild_recent()

    def recent_files(self) -> list[str]:
        try:
            return [
                p
                for p in json.loads(str(self.settings.value("recent", "[]")))
                if isinstance(p, str)
            ]
        except json.JSONDecodeError:
            return []

    def _rebuild_recent(self) -> None:
        menu = self.window.recent_menu
        menu.clear()
        for path in self.recent_files():
            menu.addAction(path, lambda p=path: self.open_file(p))  # type: ignore[misc]
        menu.setEnabled(bool(self.recent_files()))

    def goto_line_dialog(self) -> None:
        editor = self.window.tabs.current_editor()
        if editor is None:
            return
        line, ok = QInputDialog.getInt(
            self.window, "Go to Line", "Line:", editor.current_line(), 1, editor.lineCount()
        )
        if ok:
            editor.goto_line(line)

    def indentation_dialog(self) -> None:
        width, ok = QInputDialog.getInt(
            self.window,
            "Indentation",
            "Indent width (0: per language):",
            self.prefs.indent_width,
            0,
            16,
        )
        if not ok:
            return
        tabs, ok = QInputDialog.getItem(
            self.window,
            "Indentation",
            "Indent with:",
            ["spaces", "tabs"],
            1 if self.prefs.use_tabs else 0,
            False,
        )
        if ok:
            self.prefs.indent_width, self.prefs.use_tabs = width, tabs == "tabs"
            self.prefs.save(self.settings)
            self.apply_preferences()

    # -- the current spell -----------------------------------------------------------------

    def _on_current_file(self, path: str) -> None:
        info = describe_spell(path) if path else None
        self.spell = info
        w = self.window
        w.setWindowTitle(f"{TITLE} — {info.name}" if info else TITLE)
        w.console.view.base_dir = info.folder if info else None
        if info is None:
            w.params.set_spell("No spell", {})
        else:
            w.params.set_spell(
                info.name, info.parameters, self._remembered_params(info), info.problem
            )
        editor = w.tabs.current_editor()
        if editor is not None:
            w.cursor_label.setText(editor.language.name)
        self._update_actions()

    def _params_key(self, info: SpellInfo) -> str:
        return "params/" + info.program.replace("/", "|")

    def _remembered_params(self, info: SpellInfo) -> dict[str, Any]:
        try:
            value = json.loads(str(self.settings.value(self._params_key(info), "{}")))
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}

    # -- running ---------------------------------------------------------------------------

    def start(
        self, debug: bool, run_to: tuple[str, int] | None = None, replay: str | None = None
    ) -> bool:
        info, w = self.spell, self.window
        if info is None or self.controller.active:
            return False
        for editor in w.tabs.unsaved():
            if editor.path:
                w.tabs.save(editor)
        info = describe_spell(info.program) or info  # the manifest may just have been saved
        self.spell = info
        values, problems = w.params.values()
        if problems or info.problem:
            w.console.message("error", "cannot run: " + "; ".join(problems or [info.problem or ""]))
            w.docks["Parameters"].raise_()
            return False
        self.settings.setValue(self._params_key(info), json.dumps(values))
        for editor in w.tabs.editors():
            editor.clear_errors()
            if editor.paused_line():
                editor.set_paused_line(None)
        self.load_inspectors()
        self.inspectors.reset()
        if replay:
            w.console.message("info", f"replaying {replay}: nothing reaches a model or the network")
        return self.controller.start(
            info.program,
            values,
            debug=debug,
            limits=self.prefs.limits(),
            run_to=run_to,
            replay=replay,
        )

    def replay_dialog(self) -> bool:
        """Run the spell offline from its recording.jsonl, or from a recording the user picks."""
        if self.spell is None:
            return False
        recording = Path(self.spell.folder) / "recording.jsonl"
        if not recording.is_file():
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Replay a Recording", self.spell.folder, "Recordings (*.jsonl)"
            )
            if not path:
                return False
            recording = Path(path)
        return self.start(debug=False, replay=str(recording))

    def replay_run(self, run_id: str) -> bool:
        """Run a past run's spell again offline, with the answers recorded in that run."""
        hub = self.inspectors.hub
        run = next((r for r in hub.runs.runs if r.id == run_id), None) if hub else None
        folder = run.spell_path if run is not None else None
        current = os.path.realpath(self.spell.folder) if self.spell else None
        if folder and os.path.exists(folder) and os.path.realpath(folder) != current:
            self.open_path(folder)
        return self.start(debug=False, replay=run_id)

    def run_to_cursor(self) -> None:
        editor = self.window.tabs.current_editor()
        if editor is not None and editor.path:
            self.run_to_line(editor.path, editor.current_line())

    def run_to_line(self, path: str, line: int) -> None:
        if self.controller.active:
            self.controller.run_to(path, line)
        else:
            self.start(debug=True, run_to=(path, line))

    def _on_records(self, records: list) -> None:
        self.window.console.add_records(records)
        self.inspectors.feed(records)

    def _on_state(self, state: str) -> None:
        # A message from a pane ("paused before step X") would hide the run's new state.
        self.window.statusBar().clearMessage()
        self.window.state_label.setText(state)
        if state == "starting":
            self.window.docks["Console"].raise_()
        if state in (RUNNING, "starting") and not self._elapsed.isActive():
            self._elapsed.start()
        self._update_actions()
        self._update_status()

    def _update_status(self) -> None:
        c, w = self.controller, self.window
        if c.state == IDLE:
            return
        w.elapsed_label.setText(f"{c.elapsed():.1f} s")
        s = c.stats
        w.usage_label.setText(
            f"{s.tokens} tokens ({s.input_tokens} in, {s.output_tokens} out) · ${s.cost:.4f} · {s.records} records"
        )
        if c.state == ENDED:
            self._elapsed.stop()

    def _on_paused(self, body: dict[str, Any], frames: list[dict[str, Any]]) -> None:
        w = self.window
        reason = body.get("description") or body.get("reason")
        w.state_label.setText(f"paused ({reason})")
        if body.get("reason") == "exception" and body.get("text"):
            w.console.message("error", f"stopped on an error: {body['text']}")
        w.stack.set_frames(frames)  # selects the top frame: shows its line and variables
        if not frames:
            self._on_frame_selected({})
        w.docks["Variables"].raise_()

    def _on_frame_selected(self, frame: dict[str, Any]) -> None:
        w = self.window
        for editor in w.tabs.editors():
            if editor.paused_line():
                editor.set_paused_line(None)
        path = (frame.get("source") or {}).get("path")
        if path and os.path.isfile(path):
            self.open_file(path)
            paused = w.tabs.editor_for(path)
            if paused is not None:
                paused.set_paused_line(int(frame.get("line") or 1))
        self.frame_id = frame.get("id")
        w.variables.set_frame(self.frame_id)
        w.watch.set_frame(self.frame_id)
        w.evaluate.set_frame(self.frame_id)

    def show_hover_value(self, editor: SpellEditor, expression: str, position: int) -> None:
        """While paused, the value of the expression under the mouse, as a call tip."""
        if self.controller.state != PAUSED or self.frame_id is None:
            return

        def show(response: dict[str, Any]) -> None:
            if response.get("success") and self.controller.state == PAUSED:
                result = (response.get("body") or {}).get("result")
                editor.show_value_tip(position, f"{expression} = {result}")

        arguments = {"expression": expression, "frameId": self.frame_id, "context": "hover"}
        self.controller.request("evaluate", arguments, show)

    def _on_resumed(self) -> None:
        w = self.window
        for editor in w.tabs.editors():
            if editor.paused_line():
                editor.set_paused_line(None)
        w.stack.set_frames([])
        self.frame_id = None
        w.variables.set_frame(None)
        w.watch.set_frame(None)
        w.evaluate.set_frame(None)

    def _on_finished(self, summary: dict[str, Any]) -> None:
        self._on_resumed()
        w = self.window
        if summary.get("problem"):
            w.console.message("error", summary["problem"])
        error = summary.get("error") or {}
        if error.get("file") and error.get("line") and os.path.isfile(error["file"]):
            self.open_file(error["file"], int(error["line"]))
            editor = w.tabs.editor_for(error["file"])
            if editor is not None:
                editor.show_error(
                    int(error["line"]), f"{error.get('kind', 'error')}: {error.get('message')}"
                )
        status = summary.get("status") or "ended"
        w.state_label.setText(f"{status} (exit code {summary.get('exit_code')})")
        self._update_status()
        self._update_actions()
        self._gc_timer.start()

    def _update_actions(self) -> None:
        a, state = self.window.actions_by_name, self.controller.state
        active = self.controller.active
        debug = self.controller.debug
        a["run"].setEnabled(not active and self.spell is not None)
        a["debug"].setEnabled(not active and self.spell is not None)
        a["stop"].setEnabled(active)
        a["pause"].setEnabled(active and debug and state == RUNNING)
        for name in ("continue", "step_over", "step_into", "step_out"):
            a[name].setEnabled(state == PAUSED)
        a["run_to_cursor"].setEnabled(self.spell is not None and (not active or state == PAUSED))
        a["replay"].setEnabled(not active and self.spell is not None)

    # -- breakpoints -----------------------------------------------------------------------

    def _show_breakpoints(self) -> None:
        for editor in self.window.tabs.editors():
            if editor.path:
                editor.show_breakpoints(self.breakpoints.lines(editor.path))

    def toggle_breakpoint_here(self) -> None:
        editor = self.window.tabs.current_editor()
        if editor is not None and editor.path:
            self.breakpoints.toggle(editor.path, editor.current_line())

    def edit_breakpoint(self, path: str, line: int, field: str) -> None:
        bp = self.breakpoints.get(path, line) or LineBreakpoint(path, line)
        if field == "remove":
            self.breakpoints.remove(path, line)
            return
        if field == "enable":
            self.breakpoints.set(replace(bp, enabled=not bp.enabled))
            return
        labels = {
            "condition": ("Condition", "Stop only when this expression is true:", "condition"),
            "hit": ("Hit Count", "Stop on hits (N, >=N, %N):", "hit_condition"),
            "log": ("Log Message", "Log instead of stopping ({expr} interpolates):", "log_message"),
        }
        title, prompt, attribute = labels[field]
        text, ok = QInputDialog.getText(self.window, title, prompt, text=getattr(bp, attribute))
        if ok:
            changes: dict[str, Any] = {attribute: text.strip()}
            self.breakpoints.set(replace(bp, **changes))

    def _ask_function_breakpoint(self, kind: str, prompt: str) -> None:
        name, ok = QInputDialog.getText(self.window, "Semantic Breakpoint", prompt)
        if ok and name.strip():
            self.breakpoints.set_function(f"{kind}:{name.strip()}", True)

    # -- preferences, layout, closing -------------------------------------------------------

    def apply_preferences(self) -> None:
        p, w = self.prefs, self.window
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_palette(app, p.theme)
        w.actions_by_name["theme"].setChecked(p.theme == "dark")
        w.tabs.indent_width, w.tabs.use_tabs = p.indent_width or None, p.use_tabs
        w.tabs.restyle(p.theme, p.font_family, p.font_size)
        for editor in w.tabs.editors():
            if p.indent_width:
                editor.set_indentation(p.indent_width, p.use_tabs)
        w.console.view.set_theme(p.theme)

    def set_theme(self, theme: str) -> None:
        self.prefs.theme = theme
        self.prefs.save(self.settings)
        self.apply_preferences()

    def settings_dialog(self) -> None:
        dialog = SettingsDialog(self.prefs, self.window)
        if dialog.exec():
            self.prefs = dialog.chosen()
            self.prefs.save(self.settings)
            self.apply_preferences()

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.window.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.window.restoreState(state)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.window.saveGeometry())
        self.settings.setValue("window/state", self.window.saveState())
        self.settings.sync()

    def can_close(self) -> bool:
        tabs = self.window.tabs
        for editor in tabs.unsaved():
            answer = tabs.ask_unsaved(editor.path or "untitled")
            if answer == "cancel" or (answer == "save" and not tabs.save(editor)):
                return False
        self.save_layout()
        if self.controller.active:
            self.controller.stop()
        return True

    def open_initial(self, path: str | None) -> None:
        if path:
            self.open_path(path)
        else:
            last = [p for p in self.recent_files() if os.path.isfile(p)]
            if last:
                self.open_file(last[0])
            else:
                hello = Path(paths.SPELLBOOK) / "hello" / "main.lua"
                if hello.is_file():
                    self.open_file(str(hello))
