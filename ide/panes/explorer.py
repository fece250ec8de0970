"""The spell explorer: the opened folder and the spellbook, as file trees."""

from __future__ import annotations

import os

from PySide6.QtCore import QDir, QModelIndex, Signal
from PySide6.QtWidgets import QFileSystemModel, QLabel, QSplitter, QTreeView, QVBoxLayout, QWidget

NAME_FILTERS = ["*.lua", "*.js", "*.mjs", "*.tengo", "*.yaml", "*.yml", "*.json", "*.md", "*.txt"]


class _Tree(QTreeView):
    def __init__(self, root: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fs = QFileSystemModel(self)
        self.fs.setNameFilters(NAME_FILTERS)
        self.fs.setNameFilterDisables(False)
        self.fs.setFilter(QDir.Filter.AllDirs | QDir.Filter.Files | QDir.Filter.NoDotAndDotDot)
        self.setModel(self.fs)
        for column in (1, 2, 3):
            self.hideColumn(column)
        self.setHeaderHidden(True)
        self.set_root(root)

    def set_root(self, root: str) -> None:
        self.fs.setRootPath(root)
        self.setRootIndex(self.fs.index(root))


class ExplorerPane(QWidget):
    sig_open_file = Signal(str)
    """A file was activated in the explorer."""

    def __init__(self, folder: str, spellbook: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder_label = QLabel(self)
        self.folder = _Tree(folder, self)
        self.spellbook = _Tree(spellbook, self)
        self.set_folder(folder)
        split = QSplitter(self)
        split.setOrientation(split.orientation().Vertical)
        for label, tree in (
            (self.folder_label, self.folder),
            (QLabel("<b>Spellbook</b>", self), self.spellbook),
        ):
            box = QWidget(split)
            layout = QVBoxLayout(box)
            layout.setContentsMargins(2, 2, 2, 2)
            layout.addWidget(label)
            layout.addWidget(tree)
            tree.activated.connect(lambda index, t=tree: self._activated(t, index))
            tree.doubleClicked.connect(lambda index, t=tree: self._activated(t, index))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.spellbook.expandToDepth(0)

    def set_folder(self, folder: str) -> None:
        self.folder.set_root(folder)
        self.folder_label.setText(f"<b>{os.path.basename(folder) or folder}</b>")
        self.folder_label.setToolTip(folder)

    def _activated(self, tree: _Tree, index: QModelIndex) -> None:
        path = tree.fs.filePath(index)
        if os.path.isfile(path):
            self.sig_open_file.emit(path)
