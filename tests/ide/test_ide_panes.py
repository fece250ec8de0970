"""Panes and models without a host: the parameters form, the console, run figures for the
status bar, breakpoints as DAP arguments, preferences and the API-key hand-off."""

from __future__ import annotations

import sys

from engines.spell import ParameterSpec
from engines.telemetry import Record
from ide.panes.console import ConsolePane
from ide.panes.params import ParamsForm
from ide.run.breakpoints import BreakpointStore, LineBreakpoint
from ide.run.stats import RunStats


def test_parameters_form_types_defaults_and_validation(qtbot) -> None:  # type: ignore[no-untyped-def]
    form = ParamsForm()
    qtbot.addWidget(form)
    specs = {
        "name": ParameterSpec("name", "string", "world"),
        "times": ParameterSpec("times", "integer", 1),
        "ratio": ParameterSpec("ratio", "number", 0.5),
        "loud": ParameterSpec("loud", "boolean", False),
        "style": ParameterSpec("style", "string", "plain", enum=("plain", "fancy")),
        "tags": ParameterSpec("tags", "array", ["a"]),
        "needed": ParameterSpec("needed", "integer", None, required=True),
    }
    form.set_spell("demo", specs, remembered={"times": 4})
    values, problems = form.values()
    assert problems == ["needed: a value is required"]
    form.set_value("needed", "7")
    form.set_value("style", "fancy")
    form.set_value("loud", "true")
    values, problems = form.values()
    assert problems == []
    assert values == {
        "name": "world",
        "times": 4,
        "ratio": 0.5,
        "loud": True,
        "style": "fancy",
        "tags": ["a"],
        "needed": 7,
    }
    form.set_value("tags", "{not json")
    form.set_value("ratio", "abc")
    assert len(form.values()[1]) == 2


def test_console_levels_locations_and_search(qtbot) -> None:  # type: ignore[no-untyped-def]
    pane = ConsolePane()
    qtbot.addWidget(pane)
    pane.view.base_dir = "/spells/demo"
    records = [
        Record("output", "r", 1, 0.0, {"stream": "stdout", "text": "hello\nworld\n"}),
        Record("log", "r", 2, 0.0, {"level": "warn", "message": "careful", "fields": {"k": 1}}),
        Record(
            "run.end",
            "r",
            3,
            0.0,
            {
                "status": "error",
                "exit_code": 1,
                "error": {"file": "main.lua", "line": 3, "kind": "runtime", "message": "boom"},
            },
        ),
    ]
    pane.add_records(records)
    assert pane.text().splitlines()[:3] == ["hello", "world", "[warn] careful k=1"]
    opened = []
    pane.sig_location_clicked.connect(lambda path, line: opened.append((path, line)))
    row = next(
        i for i, (_, text) in enumerate(pane.view.console_model.lines) if "main.lua:3" in text
    )
    pane.view.clicked.emit(pane.view.console_model.index(row))
    assert opened == [("/spells/demo/main.lua", 3)]
    assert pane.find_text("careful")
    assert pane.view.currentIndex().row() == 2
    pane.clear()
    assert pane.text() == ""


def test_run_stats_sum_tokens_and_cost_of_span_ends() -> None:
    stats = RunStats()
    usage = {
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.usage.cost": 0.25,
    }
    stats.feed([Record("span.end", "r", i, 0.0, {"attributes": usage}) for i in range(3)])
    stats.feed([Record("run.end", "r", 9, 0.0, {"status": "ok", "exit_code": 0})])
    assert (stats.input_tokens, stats.output_tokens, stats.tokens) == (30, 15, 45)
    assert abs(stats.cost - 0.75) < 1e-9
    assert stats.records == 4 and stats.exit_code == 0


def test_breakpoints_become_dap_arguments() -> None:
    store = BreakpointStore()
    seen = []
    store.subscribe(lambda: seen.append(1))
    assert store.toggle("/s/main.lua", 3)
    store.set(
        LineBreakpoint(
            "/s/main.lua", 5, condition="x > 1", hit_condition=">=2", log_message="x={x}"
        )
    )
    store.set_function("tool:search", True)
    store.set_exception_filter("budget", True)
    assert store.dap_lines("/s/main.lua", extra_line=9) == [
        {"line": 3},
        {"line": 5, "condition": "x > 1", "hitCondition": ">=2", "logMessage": "x={x}"},
        {"line": 9},
    ]
    assert store.dap_functions() == [{"name": "tool:search"}]
    assert store.exception_filters == {"error", "budget"}
    assert not store.toggle("/s/main.lua", 3)
    assert len(seen) == 5


def test_preferences_round_trip_and_limits(llmspell_home) -> None:  # type: ignore[no-untyped-def]
    from ide.paths import settings
    from ide.settings import Preferences

    prefs = Preferences(theme="dark", font_size=14, timeout=5.0, memory_mb=64)
    prefs.save(settings())
    loaded = Preferences.load(settings())
    assert loaded.theme == "dark" and loaded.font_size == 14
    assert loaded.limits() == {"timeout": 5.0, "memory": 64_000_000}


def test_api_keys_go_to_the_cli_on_stdin_never_shown(qtbot, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import ide.settings as settings_module
    from ide.settings import Preferences, SettingsDialog

    log = tmp_path / "cli.txt"
    fake = [
        sys.executable,
        "-c",
        f"import sys; open({str(log)!r}, 'w').write(repr((sys.argv[1:], sys.stdin.readline().strip()))); print('stored')",
    ]
    monkeypatch.setattr(settings_module, "llmspell_command", lambda: fake)
    dialog = SettingsDialog(Preferences())
    qtbot.addWidget(dialog)
    assert dialog.key.echoMode() == dialog.key.EchoMode.Password
    dialog.provider.setCurrentText("anthropic")
    dialog.key.setText("sk-secret")
    dialog.store_key()
    assert dialog.key.text() == ""
    qtbot.waitUntil(lambda: dialog.outcome.text() == "stored", timeout=10000)
    assert eval(log.read_text()) == (["keys", "set", "anthropic"], "sk-secret")
    dialog.model.setText("openai/gpt-4o-mini")
    dialog.set_default_model()
    qtbot.waitUntil(lambda: dialog.outcome.text() == "stored", timeout=10000)
    assert eval(log.read_text())[0] == ["config", "set", "default_model", "openai/gpt-4o-mini"]


def test_the_breakpoint_list_removes_with_the_delete_key(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from ide.panes.debugger import BreakpointsPane

    store = BreakpointStore()
    store.toggle("/s/main.lua", 4)
    store.set_function("llm", True)
    pane = BreakpointsPane(store)
    qtbot.addWidget(pane)
    lines = pane.topLevelItem(0)
    semantic = pane.topLevelItem(1)
    lines.child(0).setSelected(True)
    semantic.child(0).setSelected(True)
    qtbot.keyClick(pane, Qt.Key.Key_Delete)
    assert store.all() == [] and store.functions == []
    qtbot.waitUntil(lambda: pane.topLevelItem(0).childCount() == 0)
    store.toggle("/s/main.lua", 5)
    qtbot.waitUntil(lambda: pane.topLevelItem(0).childCount() == 1)
    pane.topLevelItem(0).child(0).setCheckState(0, Qt.CheckState.Unchecked)
    assert not store.get("/s/main.lua", 5).enabled
