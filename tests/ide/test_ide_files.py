"""Files in the studio: open, save, save as, the unsaved-changes prompt, reload on outside
change, recent files, new spells from the templates, the window layout kept across runs."""

from __future__ import annotations

from pathlib import Path

from engines.spell import create_spell


def test_save_and_the_unsaved_changes_prompt(studio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.lua"
    path.write_text("print(1)\n", encoding="utf-8")
    tabs = studio.window.tabs
    studio.open_file(str(path))
    count = tabs.count()
    editor = tabs.current_editor()
    editor.appendText(len(b"x = 2\n"), "x = 2\n")
    assert editor.modify() and tabs.tabText(tabs.currentIndex()).startswith("●")
    tabs.ask_unsaved = lambda name: "cancel"
    assert not tabs.close_tab(tabs.currentIndex())
    assert tabs.count() == count
    tabs.ask_unsaved = lambda name: "save"
    assert tabs.close_tab(tabs.currentIndex())
    assert path.read_text(encoding="utf-8") == "print(1)\nx = 2\n"


def test_save_as_and_recent_files(studio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tabs = studio.window.tabs
    editor = tabs.new_buffer('print("new")\n')
    target = tmp_path / "saved.lua"
    assert tabs.save_as(editor, str(target))
    assert target.read_text(encoding="utf-8") == 'print("new")\n'
    studio.open_file(str(target))
    assert studio.recent_files()[0] == str(target)
    assert str(target) in [a.text() for a in studio.window.recent_menu.actions()]


def test_reload_on_a_change_from_outside(studio, tmp_path: Path, wait_for) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "b.lua"
    path.write_text("print(1)\n", encoding="utf-8")
    studio.open_file(str(path))
    editor = studio.window.tabs.current_editor()
    path.write_text("print(2)\n", encoding="utf-8")
    wait_for(lambda: editor.text() == "print(2)\n", timeout=10)
    assert not editor.modify()
    # With unsaved changes, the user is asked; a "no" keeps their text.
    editor.appendText(1, "-")
    studio.window.tabs.ask_reload = lambda p: False
    path.write_text("print(3)\n", encoding="utf-8")
    for _ in range(20):
        wait_for(lambda: True, timeout=0.05)
    assert editor.text() == "print(2)\n-"


def test_new_spell_from_a_template_opens_with_its_title(studio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = create_spell(tmp_path, "greeter", "javascript")
    studio.open_path(str(folder))
    assert studio.window.windowTitle() == "LLMSpell Studio — greeter"
    assert studio.window.tabs.current_path().endswith("main.js")
    assert studio.window.tabs.current_editor().language.name == "javascript"
    assert list(studio.window.params.specs) == ["name"]


def test_the_window_layout_is_kept(qtbot, llmspell_home: Path) -> None:  # type: ignore[no-untyped-def]
    from ide.app import create_studio

    first = create_studio(None)
    qtbot.addWidget(first.window)
    first.window.docks["Watch"].hide()
    first.save_layout()
    second = create_studio(None)
    qtbot.addWidget(second.window)
    assert second.window.docks["Watch"].isHidden()
    assert (llmspell_home / "config" / "studio.ini").exists()


def test_a_folder_with_a_lone_program_opens_its_main_file(studio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "loose"
    folder.mkdir()
    (folder / "main.tengo").write_text(
        'fmt := import("fmt")\nfmt.println("hi")\n', encoding="utf-8"
    )
    studio.open_path(str(folder))
    assert studio.window.tabs.current_path() == str(folder / "main.tengo")
    assert studio.window.tabs.tabText(studio.window.tabs.currentIndex()) == "loose/main.tengo"
    assert studio.spell is not None and studio.spell.program == str(folder / "main.tengo")
