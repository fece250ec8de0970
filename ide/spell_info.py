"""What the studio knows about the spell of a file: its name, program, entry, manifest and
declared parameters (from `engines.spell`, plain data); and the New Spell dialog."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from engines.spell import ParameterSpec, SpellLoadError, create_spell, load_spell
from ide.paths import find_spell_root

PROGRAM_SUFFIXES = (".lua", ".js", ".mjs", ".tengo")


@dataclass
class SpellInfo:
    name: str
    program: str  # what a run launches: the spell folder, or a lone program file
    folder: str
    entry: str | None = None
    manifest: str | None = None
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)
    problem: str | None = None


def describe_spell(path: str) -> SpellInfo | None:
    """The spell a file or folder belongs to, or None when it is not part of one."""
    root = find_spell_root(path)
    if root is not None:
        try:
            spell = load_spell(root)
        except SpellLoadError as exc:
            return SpellInfo(
                root.name, str(root), str(root), manifest=str(root / "spell.yaml"), problem=str(exc)
            )
        return SpellInfo(
            spell.name,
            str(spell.dir),
            str(spell.dir),
            str(spell.entry),
            str(spell.manifest_path) if spell.manifest_path else None,
            dict(spell.parameters),
        )
    p = Path(path)
    if p.is_file() and p.suffix in PROGRAM_SUFFIXES:
        return SpellInfo(p.stem, str(p.resolve()), str(p.resolve().parent), str(p.resolve()))
    return None


def new_spell_dialog(parent: QWidget, folder: str) -> str | None:
    """Ask for a name, an engine and a parent folder; create the spell; its folder or None."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("New Spell")
    name = QLineEdit("my-spell", dialog)
    engine = QComboBox(dialog)
    engine.addItems(["lua", "javascript", "tengo"])
    where = QLineEdit(folder, dialog)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form = QFormLayout(dialog)
    form.addRow("Name", name)
    form.addRow("Engine", engine)
    form.addRow("In folder", where)
    form.addRow(buttons)
    if not dialog.exec():
        return None
    try:
        return str(create_spell(Path(where.text()), name.text().strip(), engine.currentText()))
    except (ValueError, FileExistsError, OSError) as exc:
        QMessageBox.warning(parent, "New Spell", str(exc))
        return None


def spell_name(path: str) -> str:
    info = describe_spell(path)
    return info.name if info else os.path.basename(path)
