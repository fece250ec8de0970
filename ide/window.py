"""`MainWindow`: the studio's widgets, docks, actions, menus, toolbar and status bar.

A thin view: it builds and lays out; `ide.studio.Studio` wires it to the controller.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ide.editor.find import FindBar
from ide.editor.tabs import EditorTabs
from ide.panes.console import ConsolePane
from ide.panes.debugger import (
    BreakpointsPane,
    EvaluatePane,
    Requester,
    StackPane,
    VariablesPane,
    WatchPane,
)
from ide.panes.explorer import ExplorerPane
from ide.panes.params import ParamsForm
from ide.run.breakpoints import EXCEPTION_FILTERS, BreakpointStore

TITLE = "LLMSpell Studio"
Area = Qt.DockWidgetArea

# (name, text, shortcut, tooltip)
ACTIONS = [
    ("new", "&New Spell…", "Ctrl+N", "Create a spell from a template"),
    ("new_file", "New &File", "Ctrl+Shift+N", "An empty editor"),
    ("open", "&Open…", "Ctrl+O", "Open a file"),
    ("open_folder", "Open &Folder…", "Ctrl+K", "Open a folder in the explorer"),
    ("save", "&Save", "Ctrl+S", "Save the current file"),
    ("save_as", "Save &As…", "Ctrl+Shift+S", "Save the current file under another name"),
    ("close_tab", "&Close Tab", "Ctrl+W", "Close the current tab"),
    ("quit", "&Quit", "Ctrl+Q", "Quit the studio"),
    ("find", "&Find…", "Ctrl+F", "Find in the current file"),
    ("replace", "&Replace…", "Ctrl+H", "Find and replace"),
    ("goto_line", "&Go to Line…", "Ctrl+G", "Go to a line"),
    ("indentation", "&Indentation…", "", "Indentation width and tabs"),
    ("settings", "Se&ttings…", "Ctrl+,", "Providers, models, limits, theme, font"),
    ("run", "&Run", "F5", "Run the spell"),
    ("debug", "&Debug", "F6", "Debug the spell (stops at breakpoints)"),
    ("stop", "S&top", "Shift+F5", "Stop the run"),
    ("pause", "&Pause", "F7", "Pause the spell"),
    ("continue", "&Continue", "F8", "Continue to the next breakpoint"),
    ("step_over", "Step &Over", "F10", "Run the current line"),
    ("step_into", "Step &Into", "F11", "Step into the call"),
    ("step_out", "Step O&ut", "Shift+F11", "Run until the current function returns"),
    ("run_to_cursor", "Run to C&ursor", "Ctrl+F10", "Run to the line of the cursor"),
    ("replay", "Re&play Recording…", "Ctrl+F5", "Run the spell offline from a recording"),
    ("toggle_breakpoint", "Toggle &Breakpoint", "F9", "Toggle a breakpoint on the current line"),
    ("clear_breakpoints", "Remove All Breakpoints", "", "Remove every breakpoint"),
    ("bp_tool_named", "Before the Tool Named…", "", "tool:NAME"),
    ("bp_hook", "At a Hook Point…", "", "hook:POINT"),
    ("theme", "&Dark Theme", "", "Switch between the light and the dark theme"),
]
SEMANTIC = [
    ("llm", "Before Every LLM Call"),
    ("tool", "Before Every Tool Call"),
    ("step", "Before Every Workflow Step"),
    ("agent", "Before Every Agent Run"),
]


class MainWindow(QMainWindow):
    def __init__(
        self, folder: str, spellbook: str, breakpoints: BreakpointStore, request: Requester
    ) -> None:
        super().__init__()
        self.setWindowTitle(TITLE)
        self.resize(1400, 900)
        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks)
        self.close_guard = lambda: True  # the studio asks about unsaved changes here

        self.tabs = EditorTabs(self)
        self.find_bar = FindBar(self.tabs.current_editor, self)
        self.find_bar.hide()
        centre = QWidget(self)
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tabs)
        layout.addWidget(self.find_bar)
        self.setCentralWidget(centre)

        self.explorer = ExplorerPane(folder, spellbook, self)
        self.params = ParamsForm(self)
        self.console = ConsolePane(self)
        self.stack = StackPane(self)
        self.variables = VariablesPane(request, self)
        self.watch = WatchPane(request, self)
        self.evaluate = EvaluatePane(request, self)
        self.breakpoints = BreakpointsPane(breakpoints, self)
        self.docks: dict[str, QDockWidget] = {}
        self.add_dock("Explorer", self.explorer, Area.LeftDockWidgetArea)
        self.add_dock("Parameters", self.params, Area.LeftDockWidgetArea)
        self.add_dock("Breakpoints", self.breakpoints, Area.LeftDockWidgetArea)
        self.add_dock("Console", self.console, Area.BottomDockWidgetArea)
        self.add_dock("Call Stack", self.stack, Area.RightDockWidgetArea)
        self.add_dock("Variables", self.variables, Area.RightDockWidgetArea)
        self.add_dock("Watch", self.watch, Area.RightDockWidgetArea)
        # One tabbed group only: Qt 6.11 leaves a stray duplicate tab bar on the screen when
        # a second group is tabified in code.
        self.add_dock("Evaluate", self.evaluate, Area.BottomDockWidgetArea, tab_with="Console")
        self.docks["Console"].raise_()
        self.resizeDocks([self.docks["Explorer"]], [260], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Call Stack"]], [340], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Console"]], [260], Qt.Orientation.Vertical)

        self.actions_by_name: dict[str, QAction] = {}
        for name, text, shortcut, tip in ACTIONS:
            action = QAction(text, self)
            action.setObjectName(f"action_{name}")
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            self.actions_by_name[name] = action
        self.actions_by_name["theme"].setCheckable(True)
        self.semantic_actions: dict[str, QAction] = {}
        for name, text in SEMANTIC:
            action = QAction(text, self, checkable=True)
            self.semantic_actions[name] = action
        for name, text in EXCEPTION_FILTERS.items():
            action = QAction(f"On {text}", self, checkable=True)
            action.setChecked(name in breakpoints.exception_filters)
            self.semantic_actions[f"exception:{name}"] = action
        self.recent_menu = QMenu("Open &Recent", self)
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

    def add_dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea, tab_with: str | None = None
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.replace(' ', '_').lower()}")
        dock.setWidget(widget)
        if tab_with and tab_with in self.docks:
            self.tabifyDockWidget(self.docks[tab_with], dock)
        else:
            self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    def _build_menus(self) -> None:
        a = self.actions_by_name
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for name in ("new", "new_file", "open", "open_folder"):
            file_menu.addAction(a[name])
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        for name in ("save", "save_as", "close_tab"):
            file_menu.addAction(a[name])
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit = bar.addMenu("&Edit")
        for name in ("find", "replace", "goto_line", "indentation"):
            edit.addAction(a[name])
        edit.addSeparator()
        edit.addAction(a["settings"])
        run = bar.addMenu("&Run")
        for name in (
            "run",
            "debug",
            "stop",
            "pause",
            "continue",
            "step_over",
            "step_into",
            "step_out",
            "run_to_cursor",
            "replay",
        ):
            run.addAction(a[name])
        debug = bar.addMenu("&Breakpoints")
        debug.addAction(a["toggle_breakpoint"])
        debug.addAction(a["clear_breakpoints"])
        debug.addSeparator()
        semantic = debug.addMenu("&Semantic Breakpoints")
        for name, _ in SEMANTIC:
            semantic.addAction(self.semantic_actions[name])
        semantic.addAction(a["bp_tool_named"])
        semantic.addAction(a["bp_hook"])
        stop_on = debug.addMenu("Stop on &Errors")
        for name in EXCEPTION_FILTERS:
            stop_on.addAction(self.semantic_actions[f"exception:{name}"])
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(a["theme"])
        self.view_menu.addSeparator()
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Run", self)
        toolbar.setObjectName("toolbar_run")
        toolbar.setIconSize(QSize(16, 16))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for name in (
            "new",
            "open",
            "save",
            None,
            "run",
            "debug",
            "stop",
            None,
            "pause",
            "continue",
            "step_over",
            "step_into",
            "step_out",
            "run_to_cursor",
        ):
            if name is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.actions_by_name[name])
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _build_status_bar(self) -> None:
        self.state_label = QLabel("idle", self)
        self.elapsed_label = QLabel("", self)
        self.usage_label = QLabel("", self)
        self.cursor_label = QLabel("", self)
        status = self.statusBar()
        status.addWidget(self.state_label)
        status.addWidget(self.elapsed_label)
        status.addWidget(self.usage_label)
        status.addPermanentWidget(self.cursor_label)

    def add_view_toggle(self, dock: QDockWidget) -> None:
        self.view_menu.addAction(dock.toggleViewAction())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if self.close_guard():
            event.accept()
        else:
            event.ignore()
