"""`EditorTabs`: the open files, one `SpellEditor` per tab; save, save as, the unsaved-changes
prompt, and reload when a file changes on disk (QFileSystemWatcher).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import QFileDialog, QMessageBox, QTabWidget, QWidget

from ide.editor.languages import language_for
from ide.editor.widget import SpellEditor

# Asked when a tab with unsaved changes closes: "save", "discard" or "cancel".
UnsavedPrompt = Callable[[str], str]
# Asked when a file with unsaved changes changed on disk: True to reload it.
ReloadPrompt = Callable[[str], bool]


def tab_name(path: str) -> str:
    """`folder/file`: spells all have a main.lua or a spell.yaml, the folder tells them apart."""
    return f"{os.path.basename(os.path.dirname(path))}/{os.path.basename(path)}"


class EditorTabs(QTabWidget):
    sig_current_changed = Signal(str)
    """The current file changed (its path; empty for an untitled buffer or no tab)."""
    sig_breakpoint_clicked = Signal(str, int)
    """The gutter of a file was clicked at a line: toggle a breakpoint there."""
    sig_breakpoint_edit = Signal(str, int, str)
    """Edit a breakpoint's field (condition, hit, log, enable, remove) at a file's line."""
    sig_run_to_line = Signal(str, int)
    """Run to cursor at a file's line."""
    sig_saved = Signal(str)
    """A file was saved."""
    sig_hover = Signal(object, str, int)
    """The mouse rests on an expression in an editor: (editor, expression, byte position)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setDocumentMode(True)
        self.tabCloseRequested.connect(self.close_tab)
        self.currentChanged.connect(
            lambda _: self.sig_current_changed.emit(self.current_path() or "")
        )
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._on_file_changed)
        self.ask_unsaved: UnsavedPrompt = self._ask_unsaved
        self.ask_reload: ReloadPrompt = self._ask_reload
        self.theme, self.font_family, self.font_size = "light", "DejaVu Sans Mono", 10
        self.indent_width: int | None = None
        self.use_tabs = False
        self._untitled = 0

    # -- access ----------------------------------------------------------------------------

    def editors(self) -> list[SpellEditor]:
        return [w for i in range(self.count()) if isinstance(w := self.widget(i), SpellEditor)]

    def current_editor(self) -> SpellEditor | None:
        widget = self.currentWidget()
        return widget if isinstance(widget, SpellEditor) else None

    def current_path(self) -> str | None:
        editor = self.current_editor()
        return getattr(editor, "path", None) if editor else None

    def editor_for(self, path: str) -> SpellEditor | None:
        real = os.path.realpath(path)
        for editor in self.editors():
            if editor.path and os.path.realpath(editor.path) == real:
                return editor
        return None

    # -- opening ---------------------------------------------------------------------------

    def _make_editor(self, path: str | None, text: str) -> SpellEditor:
        editor = SpellEditor(language_for(path or ""), self)
        editor.path = path
        editor.apply_style(self.theme, self.font_family, self.font_size)
        if self.indent_width:
            editor.set_indentation(self.indent_width, self.use_tabs)
        editor.set_text(text)
        editor.savePointChanged.connect(lambda _dirty, e=editor: self._update_title(e))
        editor.sig_breakpoint_clicked.connect(
            lambda line, e=editor: self._emit_for(e, self.sig_breakpoint_clicked, line)
        )
        editor.sig_breakpoint_edit.connect(
            lambda line, field, e=editor: self._edit_for(e, line, field)
        )
        editor.sig_hover.connect(lambda expr, pos, e=editor: self.sig_hover.emit(e, expr, pos))
        editor.sig_run_to_line.connect(
            lambda line, e=editor: self._emit_for(e, self.sig_run_to_line, line)
        )
        return editor

    def _emit_for(self, editor: SpellEditor, signal: SignalInstance, line: int) -> None:
        if editor.path:
            signal.emit(editor.path, line)

    def _edit_for(self, editor: SpellEditor, line: int, field: str) -> None:
        if editor.path:
            self.sig_breakpoint_edit.emit(editor.path, line, field)

    def open_file(self, path: str, line: int | None = None) -> SpellEditor:
        path = os.path.abspath(path)
        editor = self.editor_for(path)
        if editor is None:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
            editor = self._make_editor(path, text)
            self.addTab(editor, tab_name(path))
            self.setTabToolTip(self.indexOf(editor), path)
            self.watcher.addPath(path)
        self.setCurrentWidget(editor)
        if line:
            editor.goto_line(line)
        return editor

    def new_buffer(self, text: str = "", suffix: str = ".lua") -> SpellEditor:
        self._untitled += 1
        editor = self._make_editor(None, text)
        editor.language_hint = suffix  # type: ignore[attr-defined]
        self.addTab(editor, f"untitled-{self._untitled}{suffix}")
        self.setCurrentWidget(editor)
        return editor

    def _update_title(self, editor: SpellEditor) -> None:
        index = self.indexOf(editor)
        if index < 0:
            return
        name = tab_name(editor.path) if editor.path else self.tabText(index).lstrip("● ")
        self.setTabText(index, ("● " if editor.modify() else "") + name)

    # -- saving and closing ----------------------------------------------------------------

    def save(self, editor: SpellEditor | None = None) -> bool:
        editor = editor or self.current_editor()
        if editor is None:
            return False
        if not editor.path:
            return self.save_as(editor)
        self.watcher.removePath(editor.path)
        Path(editor.path).write_text(editor.text(), encoding="utf-8")
        self.watcher.addPath(editor.path)
        editor.setSavePoint()
        self._update_title(editor)
        self.sig_saved.emit(editor.path)
        return True

    def save_as(self, editor: SpellEditor | None = None, path: str | None = None) -> bool:
        editor = editor or self.current_editor()
        if editor is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Save As",
                editor.path or "",
                "Spells (*.lua *.js *.tengo *.yaml);;All files (*)",
            )
            if not path:
                return False
        if editor.path:
            self.watcher.removePath(editor.path)
        editor.path = os.path.abspath(path)
        self.setTabToolTip(self.indexOf(editor), editor.path)
        return self.save(editor)

    def close_tab(self, index: int) -> bool:
        editor = self.widget(index)
        if not isinstance(editor, SpellEditor):
            return False
        if editor.modify():
            answer = self.ask_unsaved(editor.path or self.tabText(index))
            if answer == "cancel" or (answer == "save" and not self.save(editor)):
                return False
        if editor.path:
            self.watcher.removePath(editor.path)
        self.removeTab(index)
        editor.deleteLater()
        return True

    def close_all(self) -> bool:
        """Close every tab, asking about unsaved changes; False when the user cancelled."""
        while self.count():
            if not self.close_tab(self.count() - 1):
                return False
        return True

    def unsaved(self) -> list[SpellEditor]:
        return [e for e in self.editors() if e.modify()]

    # -- outside changes -------------------------------------------------------------------

    def _on_file_changed(self, path: str) -> None:
        # Editors rename-and-replace files: the watch is lost; re-add it once the file is back.
        QTimer.singleShot(100, self, lambda: self._reload(path))

    def _reload(self, path: str) -> None:
        editor = self.editor_for(path)
        if editor is None or not os.path.exists(path):
            return
        if path not in self.watcher.files():
            self.watcher.addPath(path)
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        if text == editor.text():
            return
        if editor.modify() and not self.ask_reload(path):
            return
        line = editor.current_line()
        editor.set_text(text)
        editor.goto_line(min(line, editor.lineCount()))
        self._update_title(editor)

    # -- prompts ---------------------------------------------------------------------------

    def _ask_unsaved(self, name: str) -> str:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {os.path.basename(name)}?",
            buttons.Save | buttons.Discard | buttons.Cancel,
        )
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def _ask_reload(self, path: str) -> bool:
        answer = QMessageBox.question(
            self,
            "File changed",
            f"{os.path.basename(path)} changed on disk. Reload it and lose your changes?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def restyle(self, theme: str, family: str, size: int) -> None:
        self.theme, self.font_family, self.font_size = theme, family, size
        for editor in self.editors():
            editor.apply_style(theme, family, size)
