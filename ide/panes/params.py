"""The parameters form, generated from a spell's declared parameters (spell.yaml): a widget
per type (enum as a choice, boolean as a check box, array/object as JSON), defaults,
validation; the window remembers the values per spell.
"""

from __future__ import annotations

import json
import math
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from engines.spell import ParameterSpec


def parse_value(spec: ParameterSpec, text: str) -> Any:
    """A typed value from the text of a field; raises ValueError with a readable message."""
    if spec.type == "integer":
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError(f"{spec.name}: expected an integer, got {text!r}") from None
    if spec.type == "number":
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError(f"{spec.name}: expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"{spec.name}: expected a finite number")
        return int(value) if value.is_integer() and "." not in text else value
    if spec.type in ("array", "object"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{spec.name}: not valid JSON ({exc.msg})") from None
        if spec.type == "array" and not isinstance(value, list):
            raise ValueError(f"{spec.name}: expected a JSON array")
        if spec.type == "object" and not isinstance(value, dict):
            raise ValueError(f"{spec.name}: expected a JSON object")
        return value
    return text


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


class ParamsForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.specs: dict[str, ParameterSpec] = {}
        self.fields: dict[str, QWidget] = {}
        self.title = QLabel("No spell", self)
        self.title.setWordWrap(True)
        self.problems = QLabel("", self)
        self.problems.setStyleSheet("color: #c62828")
        self.problems.setWordWrap(True)
        self._form_host = QWidget(self)
        self._form = QFormLayout(self._form_host)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self._form_host)
        layout.addWidget(self.problems)
        layout.addStretch(1)

    def set_spell(
        self,
        name: str,
        specs: dict[str, ParameterSpec],
        remembered: dict[str, Any] | None = None,
        problem: str | None = None,
    ) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self.specs, self.fields = dict(specs), {}
        self.title.setText(f"<b>{name}</b>" + ("" if specs else " — no parameters"))
        self.problems.setText(problem or "")
        remembered = remembered or {}
        for spec in specs.values():
            value = remembered.get(spec.name, spec.default)
            field: QWidget
            if spec.enum:
                combo = QComboBox(self)
                for choice in spec.enum:
                    combo.addItem(display(choice), choice)
                index = combo.findData(value)
                combo.setCurrentIndex(max(index, 0))
                field = combo
            elif spec.type == "boolean":
                box = QCheckBox(self)
                box.setChecked(bool(value))
                field = box
            else:
                line = QLineEdit(display(value), self)
                line.setPlaceholderText(
                    spec.type + (" (required)" if spec.required or spec.default is None else "")
                )
                field = line
            field.setToolTip(spec.description)
            label = f"{spec.name}{' *' if spec.required else ''}"
            self._form.addRow(label, field)
            self.fields[spec.name] = field

    def values(self) -> tuple[dict[str, Any], list[str]]:
        """The typed values and the problems (empty when every field is valid)."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name, spec in self.specs.items():
            field = self.fields[name]
            if isinstance(field, QComboBox):
                values[name] = field.currentData()
            elif isinstance(field, QCheckBox):
                values[name] = field.isChecked()
            elif isinstance(field, QLineEdit):
                text = field.text()
                if text == "" and spec.type != "string":
                    if spec.required or spec.default is None:
                        problems.append(f"{name}: a value is required")
                    continue
                if text == "" and spec.required:
                    problems.append(f"{name}: a value is required")
                    continue
                try:
                    values[name] = parse_value(spec, text)
                except ValueError as exc:
                    problems.append(str(exc))
        self.problems.setText("\n".join(problems))
        return values, problems

    def set_value(self, name: str, text: str) -> None:
        field = self.fields[name]
        if isinstance(field, QLineEdit):
            field.setText(text)
        elif isinstance(field, QComboBox):
            field.setCurrentIndex(field.findText(text))
        elif isinstance(field, QCheckBox):
            field.setChecked(text.lower() in ("1", "true", "yes"))
