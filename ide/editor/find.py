"""The find/replace bar under the editors (regular expressions, case, whole word)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from ide.editor.widget import SpellEditor


class FindBar(QWidget):
    def __init__(
        self, current_editor: Callable[[], SpellEditor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._editor = current_editor
        self.needle = QLineEdit(self)
        self.needle.setPlaceholderText("Find")
        self.replacement = QLineEdit(self)
        self.replacement.setPlaceholderText("Replace with")
        self.regex = QCheckBox(".*", self)
        self.regex.setToolTip("Regular expression")
        self.case = QCheckBox("Aa", self)
        self.case.setToolTip("Match case")
        self.whole = QCheckBox("Word", self)
        self.status = QLabel("", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.needle, 2)
        layout.addWidget(self.replacement, 2)
        for box in (self.regex, self.case, self.whole):
            layout.addWidget(box)
        for label, slot in (
            ("◀", lambda: self.find_next(False)),
            ("▶", lambda: self.find_next(True)),
            ("Replace", self.replace),
            ("All", self.replace_all),
            ("✕", self.hide),
        ):
            button = QPushButton(label, self)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            layout.addWidget(button)
        layout.addWidget(self.status, 1)
        self.needle.returnPressed.connect(lambda: self.find_next(True))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.hide)

    def open(self, replace: bool = False) -> None:
        self.show()
        editor = self._editor()
        if editor is not None and editor.selectionStart() != editor.selectionEnd():
            self.needle.setText(
                bytes(editor.getSelText().data()).rstrip(b"\0").decode("utf-8", "replace")
            )
        (self.replacement if replace and self.needle.text() else self.needle).setFocus()
        self.needle.selectAll()

    def find_next(self, forward: bool = True) -> bool:
        editor = self._editor()
        if editor is None:
            return False
        found = editor.find_match(
            self.needle.text(),
            self.regex.isChecked(),
            self.case.isChecked(),
            self.whole.isChecked(),
            forward,
        )
        self.status.setText("" if found else "not found")
        return found

    def replace(self) -> None:
        editor = self._editor()
        if editor is not None:
            editor.replace_selection_match(
                self.needle.text(),
                self.replacement.text(),
                self.regex.isChecked(),
                self.case.isChecked(),
            )

    def replace_all(self) -> None:
        editor = self._editor()
        if editor is not None:
            count = editor.replace_all(
                self.needle.text(),
                self.replacement.text(),
                self.regex.isChecked(),
                self.case.isChecked(),
            )
            self.status.setText(f"{count} replaced")
