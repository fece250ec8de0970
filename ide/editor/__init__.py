"""The spell editor: Scintilla through pyside6-scintilla, lexers from lexilla and pygments."""
