"""`SpellEditor`: one Scintilla editor for one file, with the studio's editing features.

Highlighting per language, line numbers, folding, brace matching, API completion and call
tips, find/replace, go to line, indentation settings, a breakpoint gutter (the view of a
`BreakpointStore`), a marker on the paused line and inline error annotations.
Scintilla positions are UTF-8 byte offsets; lines here are 1-based as in DAP.
"""

from __future__ import annotations

import lexilla
from PySide6.QtCore import Signal
from PySide6.QtGui import QContextMenuEvent, QFont
from PySide6.QtWidgets import QMenu, QWidget
from pyside6_scintilla import Scintilla, ScintillaEdit

from ide.editor import tengo_lexer
from ide.editor.completion import ApiIndex, call_tip_at, completion_at
from ide.editor.languages import TEXT, Language
from ide.run.breakpoints import LineBreakpoint
from ide.theme import bgr, colours

MS = Scintilla.MarkerSymbol
M_BREAK, M_COND, M_LOG, M_DISABLED, M_PAUSED, M_PAUSED_BG = 1, 2, 3, 4, 5, 6
BREAK_MASK = (1 << M_BREAK) | (1 << M_COND) | (1 << M_LOG) | (1 << M_DISABLED) | (1 << M_PAUSED)
MARGIN_NUMBERS, MARGIN_SYMBOLS, MARGIN_FOLD = 0, 1, 2
STYLE_ANNOTATION_ERROR = 60
FOLD_MASK = 0xFE000000


class SpellEditor(ScintillaEdit):
    sig_breakpoint_clicked = Signal(int)
    """The gutter was clicked on a line (1-based): toggle its breakpoint."""
    sig_breakpoint_edit = Signal(int, str)
    """Edit the breakpoint of a line: which field ("condition", "hit", "log", "remove")."""
    sig_run_to_line = Signal(int)
    """Run to cursor was asked for at this line (1-based)."""
    sig_hover = Signal(str, int)
    """The mouse rests on an expression (dotted name) at a byte position: show its value."""

    def __init__(self, language: Language = TEXT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language = language
        self.path: str | None = None  # the file, None for an untitled buffer
        self.theme = "light"
        self.font_family = "DejaVu Sans Mono"
        self.font_size = 10
        self._api = ApiIndex(language.name) if language.name != "text" else None
        self._tengo_cache: tuple[str, bytes] = ("", b"")
        self.setCodePage(65001)
        self.setEOLMode(2)  # LF
        self._setup_lexer()
        self._setup_margins()
        self.apply_style()
        self.set_indentation(2 if language.name in ("lua", "yaml") else 4, False)
        self.autoCSetIgnoreCase(False)
        self.autoCSetMaxHeight(12)
        self.setMouseDwellTime(600)
        self.setScrollWidth(1)
        self.setScrollWidthTracking(True)
        self.charAdded.connect(self._on_char_added)
        self.updateUi.connect(self._on_update_ui)
        self.marginClicked.connect(self._on_margin_clicked)
        self.styleNeeded.connect(self._on_style_needed)
        self.dwellStart.connect(self._on_dwell)
        self.dwellEnd.connect(lambda _x, _y: self.callTipCancel())

    # -- set-up ----------------------------------------------------------------------------

    def _setup_lexer(self) -> None:
        lang = self.language
        if lang.lexer:
            lexer = lexilla.create_lexer(lang.lexer)
            for key, value in lang.properties.items():
                lexer.property_set(key, value)
            for index, words in lang.keywords.items():
                lexer.word_list_set(index, words)
            self.setILexer(lexer.detach())
        else:
            self.setILexer(0)  # the container lexer (styleNeeded) for Tengo; none for text

    def _setup_margins(self) -> None:
        self.setMarginTypeN(MARGIN_NUMBERS, Scintilla.MarginType.Number)
        self.setMarginWidthN(MARGIN_NUMBERS, 44)
        self.setMarginTypeN(MARGIN_SYMBOLS, Scintilla.MarginType.Symbol)
        self.setMarginWidthN(MARGIN_SYMBOLS, 16)
        self.setMarginMaskN(MARGIN_SYMBOLS, BREAK_MASK)
        self.setMarginSensitiveN(MARGIN_SYMBOLS, True)
        self.setMarginSensitiveN(MARGIN_NUMBERS, True)
        self.setMarginTypeN(MARGIN_FOLD, Scintilla.MarginType.Symbol)
        self.setMarginMaskN(MARGIN_FOLD, FOLD_MASK)
        self.setMarginWidthN(MARGIN_FOLD, 14)
        self.setMarginSensitiveN(MARGIN_FOLD, True)
        self.setAutomaticFold(Scintilla.AutomaticFold.Show | Scintilla.AutomaticFold.Change)
        self.setFoldFlags(Scintilla.FoldFlag.LineAfterContracted)
        for number, symbol in (
            (Scintilla.MarkerOutline.FolderOpen, MS.BoxMinus),
            (Scintilla.MarkerOutline.Folder, MS.BoxPlus),
            (Scintilla.MarkerOutline.FolderSub, MS.VLine),
            (Scintilla.MarkerOutline.FolderTail, MS.LCorner),
            (Scintilla.MarkerOutline.FolderEnd, MS.BoxPlusConnected),
            (Scintilla.MarkerOutline.FolderOpenMid, MS.BoxMinusConnected),
            (Scintilla.MarkerOutline.FolderMidTail, MS.TCorner),
        ):
            self.markerDefine(number, symbol)
        self.markerDefine(M_BREAK, MS.Circle)
        self.markerDefine(M_COND, MS.Circle)
        self.markerDefine(M_LOG, MS.RoundRect)
        self.markerDefine(M_DISABLED, MS.Circle)
        self.markerDefine(M_PAUSED, MS.ShortArrow)
        self.markerDefine(M_PAUSED_BG, MS.Background)
        self.annotationSetVisible(Scintilla.AnnotationVisible.Boxed)

    def apply_style(
        self, theme: str | None = None, family: str | None = None, size: int | None = None
    ) -> None:
        """(Re)colour everything for a theme and font."""
        self.theme = theme or self.theme
        self.font_family = family or self.font_family
        self.font_size = size or self.font_size
        c = colours(self.theme)
        default = Scintilla.StylesCommon.Default
        self.styleSetFont(default, self.font_family)
        self.styleSetSize(default, self.font_size)
        self.styleSetFore(default, bgr(c["foreground"]))
        self.styleSetBack(default, bgr(c["background"]))
        self.styleClearAll()
        for style, role in self.language.roles.items():
            self.styleSetFore(style, bgr(c.get(role, c["foreground"])))
            if role == "keyword":
                self.styleSetBold(style, True)
            if role == "comment":
                self.styleSetItalic(style, True)
        ln = Scintilla.StylesCommon.LineNumber
        self.styleSetFore(ln, bgr(c["linenumber"]))
        self.styleSetBack(ln, bgr(c["margin"]))
        self.styleSetBack(Scintilla.StylesCommon.BraceLight, bgr(c["brace"]))
        self.styleSetBold(Scintilla.StylesCommon.BraceLight, True)
        self.styleSetFore(Scintilla.StylesCommon.BraceBad, bgr(c["error"]))
        self.styleSetBack(Scintilla.StylesCommon.CallTip, bgr(c["calltip_bg"]))
        self.styleSetFore(Scintilla.StylesCommon.CallTip, bgr(c["foreground"]))
        self.styleSetFore(STYLE_ANNOTATION_ERROR, bgr(c["annotation_error_fg"]))
        self.styleSetBack(STYLE_ANNOTATION_ERROR, bgr(c["annotation_error_bg"]))
        self.styleSetItalic(STYLE_ANNOTATION_ERROR, True)
        for margin in (MARGIN_SYMBOLS, MARGIN_FOLD):
            self.setMarginBackN(margin, bgr(c["margin"]))
        self.setMarginTypeN(MARGIN_SYMBOLS, Scintilla.MarginType.Colour)
        self.setFoldMarginColour(True, bgr(c["margin"]))
        self.setFoldMarginHiColour(True, bgr(c["margin"]))
        for number in range(25, 32):
            self.markerSetFore(number, bgr(c["margin"]))
            self.markerSetBack(number, bgr(c["linenumber"]))
        for marker, colour in (
            (M_BREAK, "#e51400"),
            (M_COND, "#f0a30a"),
            (M_LOG, "#1ba1e2"),
            (M_DISABLED, "#aaaaaa"),
        ):
            self.markerSetFore(marker, bgr(colour))
            self.markerSetBack(marker, bgr(colour))
        self.markerSetBack(M_PAUSED, bgr("#f0c000"))
        self.markerSetFore(M_PAUSED, bgr("#806000"))
        self.markerSetBack(M_PAUSED_BG, bgr(c["paused"]))
        self.setCaretFore(bgr(c["foreground"]))
        self.setCaretLineVisible(True)
        self.setCaretLineBack(bgr(c["caretline"]))
        self.setSelBack(True, bgr(c["selection"]))
        self.setMarginWidthN(MARGIN_NUMBERS, self.textWidth(ln, "_99999"))
        self.colourise(0, -1)

    def set_indentation(self, width: int, use_tabs: bool) -> None:
        self.setTabWidth(width)
        self.setIndent(width)
        self.setUseTabs(use_tabs)
        self.setTabIndents(True)
        self.setBackSpaceUnIndents(True)
        self.setIndentationGuides(Scintilla.IndentView.LookBoth)

    # -- text ------------------------------------------------------------------------------

    def text(self) -> str:
        return (
            bytes(self.getText(self.length() + 1).data()).rstrip(b"\0").decode("utf-8", "replace")
        )

    def set_text(self, text: str) -> None:
        self.setText(text)
        self.emptyUndoBuffer()
        self.setSavePoint()

    def line_text_before_caret(self) -> str:
        pos = self.currentPos()
        start = self.positionFromLine(self.lineFromPosition(pos))
        return bytes(self.textRange(start, pos).data()).decode("utf-8", "replace")

    def current_line(self) -> int:
        return self.lineFromPosition(self.currentPos()) + 1

    def goto_line(self, line: int) -> None:
        index = max(0, line - 1)
        self.ensureVisibleEnforcePolicy(index)
        self.gotoLine(index)
        first = max(0, index - self.linesOnScreen() // 3)
        self.setFirstVisibleLine(self.visibleFromDocLine(first))
        QWidget.setFocus(self)

    # -- find / replace --------------------------------------------------------------------

    def _flags(self, regex: bool, case: bool, whole: bool) -> int:
        flags = 0
        if regex:
            flags |= Scintilla.FindOption.RegExp | Scintilla.FindOption.Cxx11RegEx
        if case:
            flags |= Scintilla.FindOption.MatchCase
        if whole:
            flags |= Scintilla.FindOption.WholeWord
        return flags

    def find_match(
        self,
        needle: str,
        regex: bool = False,
        case: bool = False,
        whole: bool = False,
        forward: bool = True,
    ) -> bool:
        """Select the next (or previous) match, wrapping around; False when there is none."""
        if not needle:
            return False
        self.setSearchFlags(self._flags(regex, case, whole))
        length = self.length()
        ranges = (
            [(self.selectionEnd(), length), (0, length)]
            if forward
            else [(self.selectionStart(), 0), (length, 0)]
        )
        for start, end in ranges:
            self.setTargetRange(start, end)
            if self.searchInTarget(len(needle.encode()), needle) >= 0:
                self.setSel(self.targetStart(), self.targetEnd())
                self.scrollCaret()
                return True
        return False

    def replace_selection_match(
        self, needle: str, replacement: str, regex: bool = False, case: bool = False
    ) -> bool:
        """Replace the current selection if it matches, then find the next match."""
        if self.selectionStart() != self.selectionEnd():
            self.setSearchFlags(self._flags(regex, case, False))
            self.setTargetRange(self.selectionStart(), self.selectionEnd())
            if self.searchInTarget(len(needle.encode()), needle) == self.selectionStart():
                if regex:
                    self.replaceTargetRE(-1, replacement)
                else:
                    self.replaceTarget(-1, replacement)
                self.setSel(self.targetEnd(), self.targetEnd())
        return self.find_match(needle, regex, case)

    def replace_all(
        self, needle: str, replacement: str, regex: bool = False, case: bool = False
    ) -> int:
        if not needle:
            return 0
        self.setSearchFlags(self._flags(regex, case, False))
        count, pos = 0, 0
        self.beginUndoAction()
        while True:
            self.setTargetRange(pos, self.length())
            if self.searchInTarget(len(needle.encode()), needle) < 0:
                break
            start = self.targetStart()
            written = (
                self.replaceTargetRE(-1, replacement)
                if regex
                else self.replaceTarget(-1, replacement)
            )
            pos = start + max(written, 1) if self.targetEnd() == start else start + written
            count += 1
            if count > 100000:
                break
        self.endUndoAction()
        return count

    # -- breakpoints, paused line, annotations ----------------------------------------------

    def show_breakpoints(self, breakpoints: list[LineBreakpoint]) -> None:
        for marker in (M_BREAK, M_COND, M_LOG, M_DISABLED):
            self.markerDeleteAll(marker)
        for bp in breakpoints:
            if not bp.enabled:
                marker = M_DISABLED
            elif bp.log_message:
                marker = M_LOG
            elif bp.condition or bp.hit_condition:
                marker = M_COND
            else:
                marker = M_BREAK
            self.markerAdd(bp.line - 1, marker)

    def breakpoint_lines(self) -> list[int]:
        lines, line = [], self.markerNext(0, (1 << M_BREAK) | (1 << M_COND) | (1 << M_LOG))
        while line >= 0:
            lines.append(line + 1)
            line = self.markerNext(line + 1, (1 << M_BREAK) | (1 << M_COND) | (1 << M_LOG))
        return lines

    def set_paused_line(self, line: int | None) -> None:
        self.markerDeleteAll(M_PAUSED)
        self.markerDeleteAll(M_PAUSED_BG)
        if line is not None:
            self.markerAdd(line - 1, M_PAUSED)
            self.markerAdd(line - 1, M_PAUSED_BG)
            self.goto_line(line)

    def paused_line(self) -> int | None:
        line = self.markerNext(0, 1 << M_PAUSED)
        return None if line < 0 else line + 1

    def show_error(self, line: int, message: str) -> None:
        self.annotationClearAll()
        self.annotationSetText(line - 1, message)
        self.annotationSetStyle(line - 1, STYLE_ANNOTATION_ERROR)
        self.ensureVisible(line - 1)

    def annotation(self, line: int) -> str:
        return bytes(self.annotationText(line - 1).data()).decode("utf-8", "replace")

    def clear_errors(self) -> None:
        self.annotationClearAll()

    # -- notifications ---------------------------------------------------------------------

    def _on_margin_clicked(self, position: int, modifiers: int, margin: int) -> None:
        line = self.lineFromPosition(position)
        if margin == MARGIN_FOLD:
            self.toggleFold(line)
        else:
            self.sig_breakpoint_clicked.emit(line + 1)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt API)
        gutter = sum(self.marginWidthN(m) for m in range(3))
        if event.pos().x() > gutter:
            menu = QMenu(self)
            pos = self.positionFromPoint(event.pos().x(), event.pos().y())
            line = self.lineFromPosition(pos) + 1
            menu.addAction("Run to Cursor", lambda: self.sig_run_to_line.emit(line))
            menu.addAction("Toggle Breakpoint", lambda: self.sig_breakpoint_clicked.emit(line))
            menu.addSeparator()
            for label, slot in (
                ("Undo", self.undo),
                ("Redo", self.redo),
                ("Cut", self.cut),
                ("Copy", self.copy),
                ("Paste", self.paste),
            ):
                menu.addAction(label, slot)
            menu.exec(event.globalPos())
            return
        line = self.lineFromPosition(self.positionFromPointClose(0, event.pos().y())) + 1
        if line <= 0:
            line = self.lineFromPosition(self.positionFromPoint(gutter + 1, event.pos().y())) + 1
        menu = QMenu(self)
        menu.addAction("Toggle Breakpoint", lambda: self.sig_breakpoint_clicked.emit(line))
        menu.addAction("Condition…", lambda: self.sig_breakpoint_edit.emit(line, "condition"))
        menu.addAction("Hit Count…", lambda: self.sig_breakpoint_edit.emit(line, "hit"))
        menu.addAction("Log Message…", lambda: self.sig_breakpoint_edit.emit(line, "log"))
        menu.addAction("Enable / Disable", lambda: self.sig_breakpoint_edit.emit(line, "enable"))
        menu.addAction("Remove", lambda: self.sig_breakpoint_edit.emit(line, "remove"))
        menu.exec(event.globalPos())

    def _on_char_added(self, ch: int) -> None:
        if self._api is None or self.language.name == "yaml":
            return
        before = self.line_text_before_caret()
        if ch == ord("("):
            tip = call_tip_at(self._api, before)
            if tip:
                self.callTipShow(self.currentPos(), tip)
            return
        if ch == ord(")"):
            self.callTipCancel()
            return
        if not (chr(ch).isalnum() or ch in (ord("_"), ord("."))):
            return
        found = completion_at(self._api, before)
        if found:
            prefix, names = found
            self.autoCShow(len(prefix.encode()), " ".join(names))

    def expression_at(self, position: int) -> str:
        """The dotted name around a byte position (`state.items` in `state.items[1]`)."""
        if position < 0:
            return ""
        line = self.lineFromPosition(position)
        start = self.positionFromLine(line)
        text = bytes(self.textRange(start, self.lineEndPosition(line)).data())
        column = position - start
        left = column
        while left > 0 and (chr(text[left - 1]).isalnum() or text[left - 1] in b"_."):
            left -= 1
        right = column
        while right < len(text) and (chr(text[right]).isalnum() or text[right] == ord("_")):
            right += 1
        return text[left:right].decode("utf-8", "replace").strip(".")

    def _on_dwell(self, x: int, y: int) -> None:
        position = self.positionFromPointClose(x, y)
        expression = self.expression_at(position)
        if expression and not expression[0].isdigit():
            self.sig_hover.emit(expression, position)

    def show_value_tip(self, position: int, text: str) -> None:
        self.callTipShow(position, text)

    def _on_update_ui(self, updated: int) -> None:
        pos = self.currentPos()
        brace = -1
        for candidate in (pos, pos - 1):
            if 0 <= candidate < self.length() and chr(self.charAt(candidate) & 0xFF) in "()[]{}":
                brace = candidate
                break
        if brace < 0:
            self.braceHighlight(-1, -1)
            return
        match = self.braceMatch(brace, 0)
        if match < 0:
            self.braceBadLight(brace)
        else:
            self.braceHighlight(brace, match)

    def _on_style_needed(self, position: int) -> None:
        if self.language.name != "tengo":
            return
        start = self.positionFromLine(self.lineFromPosition(self.endStyled()))
        text = self.text()
        if self._tengo_cache[0] != text:
            self._tengo_cache = (text, tengo_lexer.style_bytes(text))
            for line, level in enumerate(tengo_lexer.fold_levels(text)):
                self.setFoldLevel(line, level)
        styles = self._tengo_cache[1]
        end = min(max(position, start), len(styles))
        if end <= start:
            return
        self.startStyling(start, 0)
        # The binding takes str, not bytes (encoded as UTF-8): fine, every style is < 128.
        self.setStylingEx(end - start, styles[start:end].decode("ascii"))


def editor_font() -> QFont:
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font
