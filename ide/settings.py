"""Studio preferences (plain data over QSettings) and the settings dialog.

API keys never pass through the studio's settings: the dialog hands them to
`llmspell keys set PROVIDER` on stdin (the OS keyring stores them); the default model goes
through `llmspell config set default_model MODEL`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QProcess, QSettings
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFontComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

PROVIDERS = ("openai", "anthropic", "gemini", "ollama")


@dataclass
class Preferences:
    theme: str = "light"
    font_family: str = "DejaVu Sans Mono"
    font_size: int = 10
    indent_width: int = 0  # 0: per language
    use_tabs: bool = False
    timeout: float = 0.0  # seconds; 0: the spell's own limit
    memory_mb: int = 0
    instructions: int = 0

    @classmethod
    def load(cls, settings: QSettings) -> Preferences:
        prefs = cls()
        for name, default in vars(cls()).items():
            value = settings.value(f"prefs/{name}", default)
            try:
                if isinstance(default, bool):
                    value = value in (True, "true", "1", 1)
                else:
                    value = type(default)(value)
            except (TypeError, ValueError):
                value = default
            setattr(prefs, name, value)
        return prefs

    def save(self, settings: QSettings) -> None:
        for name, value in vars(self).items():
            settings.setValue(f"prefs/{name}", value)

    def limits(self) -> dict[str, Any]:
        limits: dict[str, Any] = {}
        if self.timeout > 0:
            limits["timeout"] = self.timeout
        if self.memory_mb > 0:
            limits["memory"] = self.memory_mb * 1_000_000
        if self.instructions > 0:
            limits["instructions"] = self.instructions
        return limits


def llmspell_command() -> list[str]:
    """The `llmspell` CLI next to this Python (or the module, in a bare checkout)."""
    script = Path(sys.executable).with_name("llmspell")
    return [str(script)] if script.exists() else [sys.executable, "-m", "engines.cli.main"]


class SettingsDialog(QDialog):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(620)
        self.prefs = prefs
        self._process: QProcess | None = None

        providers = QGroupBox("Providers and models", self)
        form = QFormLayout(providers)
        self.provider = QComboBox(self)
        self.provider.addItems(PROVIDERS)
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste an API key; stored in the OS keyring")
        store = QPushButton("Store Key", self)
        store.clicked.connect(self.store_key)
        row = QHBoxLayout()
        row.addWidget(self.provider)
        row.addWidget(self.key, 1)
        row.addWidget(store)
        form.addRow("API key", row)
        self.model = QLineEdit(self)
        self.model.setPlaceholderText("e.g. openai/gpt-4o-mini (empty: the embedded local model)")
        set_model = QPushButton("Set Default", self)
        set_model.clicked.connect(self.set_default_model)
        row2 = QHBoxLayout()
        row2.addWidget(self.model, 1)
        row2.addWidget(set_model)
        form.addRow("Default model", row2)
        self.outcome = QLabel("", self)
        self.outcome.setWordWrap(True)
        form.addRow("", self.outcome)

        limits = QGroupBox("Engine limits for runs from the studio (0: the spell's own)", self)
        lform = QFormLayout(limits)
        self.timeout = QDoubleSpinBox(self)
        self.timeout.setRange(0, 86400)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(prefs.timeout)
        self.memory = QSpinBox(self)
        self.memory.setRange(0, 64000)
        self.memory.setSuffix(" MB")
        self.memory.setValue(prefs.memory_mb)
        self.instructions = QSpinBox(self)
        self.instructions.setRange(0, 2_000_000_000)
        self.instructions.setValue(prefs.instructions)
        lform.addRow("Time limit", self.timeout)
        lform.addRow("Memory limit", self.memory)
        lform.addRow("Instruction budget", self.instructions)

        look = QGroupBox("Appearance", self)
        aform = QFormLayout(look)
        self.theme = QComboBox(self)
        self.theme.addItems(["light", "dark"])
        self.theme.setCurrentText(prefs.theme)
        self.font_box = QFontComboBox(self)
        self.font_box.setFontFilters(QFontComboBox.FontFilter.MonospacedFonts)
        self.font_box.setCurrentFont(QFont(prefs.font_family))
        self.font_size = QSpinBox(self)
        self.font_size.setRange(6, 40)
        self.font_size.setValue(prefs.font_size)
        aform.addRow("Theme", self.theme)
        aform.addRow("Editor font", self.font_box)
        aform.addRow("Font size", self.font_size)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (providers, limits, look, buttons):
            layout.addWidget(widget)

    def chosen(self) -> Preferences:
        p = self.prefs
        return Preferences(
            theme=self.theme.currentText(),
            font_family=self.font_box.currentFont().family(),
            font_size=self.font_size.value(),
            indent_width=p.indent_width,
            use_tabs=p.use_tabs,
            timeout=self.timeout.value(),
            memory_mb=self.memory.value(),
            instructions=self.instructions.value(),
        )

    def _run_cli(self, arguments: list[str], stdin: str | None = None) -> None:
        command = llmspell_command()
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.finished.connect(lambda *_: self._show_outcome(process))
        self.outcome.setText("…")
        process.start(command[0], command[1:] + arguments)
        if stdin is not None:
            process.write((stdin + "\n").encode())
        process.closeWriteChannel()
        self._process = process

    def _show_outcome(self, process: QProcess) -> None:
        try:
            self.outcome.setText(bytes(process.readAll().data()).decode(errors="replace").strip())
        except RuntimeError:  # the dialog was closed meanwhile
            pass

    def store_key(self) -> None:
        key = self.key.text().strip()
        if not key:
            self.outcome.setText("no key given")
            return
        self._run_cli(["keys", "set", self.provider.currentText()], stdin=key)
        self.key.clear()  # never kept, never shown

    def set_default_model(self) -> None:
        if self.model.text().strip():
            self._run_cli(["config", "set", "default_model", self.model.text().strip()])
