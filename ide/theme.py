"""Light and dark themes: a Qt palette for the widgets and colours for the editor's roles."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# Editor colours per role (see editor/languages.py for which style plays which role).
EDITOR_COLOURS: dict[str, dict[str, str]] = {
    "light": {
        "background": "#ffffff",
        "foreground": "#1e1e1e",
        "comment": "#6a8759",
        "number": "#1750eb",
        "keyword": "#0033b3",
        "keyword2": "#871094",
        "string": "#067d17",
        "operator": "#444444",
        "identifier": "#1e1e1e",
        "key": "#871094",
        "error": "#d00000",
        "margin": "#f0f0f0",
        "linenumber": "#999999",
        "caretline": "#f5f8ff",
        "selection": "#a6c8ff",
        "brace": "#ffe08a",
        "paused": "#fff3a0",
        "annotation_error_bg": "#fde2e2",
        "annotation_error_fg": "#9b1c1c",
        "calltip_bg": "#ffffe1",
        "link": "#0645ad",
        "log_debug": "#888888",
        "log_info": "#1e1e1e",
        "log_warn": "#b26a00",
        "log_error": "#c62828",
        "log_output": "#1e1e1e",
        "log_system": "#5c6bc0",
    },
    "dark": {
        "background": "#1e1f22",
        "foreground": "#bcbec4",
        "comment": "#7a7e85",
        "number": "#2aacb8",
        "keyword": "#cf8e6d",
        "keyword2": "#c77dbb",
        "string": "#6aab73",
        "operator": "#bcbec4",
        "identifier": "#bcbec4",
        "key": "#c77dbb",
        "error": "#f75464",
        "margin": "#2b2d30",
        "linenumber": "#6f737a",
        "caretline": "#26282e",
        "selection": "#214283",
        "brace": "#3b514d",
        "paused": "#4a4420",
        "annotation_error_bg": "#4a2327",
        "annotation_error_fg": "#ffb4b4",
        "calltip_bg": "#2b2d30",
        "link": "#589df6",
        "log_debug": "#7a7e85",
        "log_info": "#bcbec4",
        "log_warn": "#e0a040",
        "log_error": "#f75464",
        "log_output": "#dfe1e5",
        "log_system": "#8c9eff",
    },
}


def colours(theme: str) -> dict[str, str]:
    return EDITOR_COLOURS.get(theme, EDITOR_COLOURS["light"])


def bgr(hex_colour: str) -> int:
    """Scintilla colours are 0xBBGGRR integers."""
    c = QColor(hex_colour)
    return c.red() | (c.green() << 8) | (c.blue() << 16)


def apply_palette(app: QApplication, theme: str) -> None:
    """The Fusion style with a light or a dark palette."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")  # before the window exists: a style change re-creates dock tab bars
    if theme != "dark":
        app.setPalette(app.style().standardPalette())
        return
    p = QPalette()
    role = QPalette.ColorRole
    for r, colour in (
        (role.Window, "#2b2d30"),
        (role.WindowText, "#dfe1e5"),
        (role.Base, "#1e1f22"),
        (role.AlternateBase, "#26282e"),
        (role.ToolTipBase, "#2b2d30"),
        (role.ToolTipText, "#dfe1e5"),
        (role.Text, "#dfe1e5"),
        (role.Button, "#3c3f41"),
        (role.ButtonText, "#dfe1e5"),
        (role.Highlight, "#2e436e"),
        (role.HighlightedText, "#ffffff"),
        (role.Link, "#589df6"),
        (role.PlaceholderText, "#7a7e85"),
    ):
        p.setColor(r, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor("#6f737a"))
    p.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor("#6f737a"))
    app.setPalette(p)
