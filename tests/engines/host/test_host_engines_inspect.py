"""Inspecting a stopped spell over DAP, the same for every engine: the stack (names, lines,
paging) and the scopes of a frame, with nested values expanded one level per request. Each
test runs once per language on the `nested` spell of tests/engines/host/scenarios.py; what
the languages evaluate and assign differently stays in each language's own test file.
"""

from __future__ import annotations

import re

import pytest

from tests.engines.host.languages import LANGUAGES, each_language
from tests.engines.host.scenarios import Language, children


@pytest.fixture
def nested(host, lang_spell):
    """A run of the language's `nested` spell, stopped at its breakpoint inside show()."""

    def stop(lang: Language):
        dap = host().launch(lang_spell(lang, lang.nested), breakpoints=[lang.nested_line])
        assert dap.stopped()["reason"] == "breakpoint"
        assert dap.line() == lang.nested_line
        return dap

    return stop


@each_language
def test_stack_trace_names_frames_and_pages(nested, lang: Language):
    """stackTrace names functions innermost first, with their lines; startFrame/levels page."""
    dap = nested(lang)
    frames = dap.frames()
    assert [(f["name"], f["line"]) for f in frames] == lang.nested_where
    assert frames[0]["source"]["path"] == dap.program
    assert frames[0]["source"]["name"] == lang.main
    page = dap("stackTrace", threadId=1, startFrame=1, levels=1)
    assert page["totalFrames"] == 2
    assert [f["name"] for f in page["stackFrames"]] == [lang.nested_where[1][0]]


@each_language
def test_scopes_and_lazy_expansion_of_nested_values(nested, lang: Language):
    """The language's scopes; a container is expanded one level per variables request."""
    dap = nested(lang)
    scopes = dap("scopes", frameId=1)["scopes"]
    assert [s["name"] for s in scopes] == lang.scope_names
    assert dap.vars(scopes[0]["variablesReference"]) == lang.nested_locals
    outer = children(dap, scopes[1]["variablesReference"])
    assert set(outer) == lang.scope1_names
    for index, expected in lang.scope_values.items():
        found = children(dap, scopes[index]["variablesReference"])
        assert {name: found[name]["value"] for name in expected} == expected
    assert outer["count"]["variablesReference"] == 0
    config = outer["config"]
    assert config["type"] == lang.container_type and config["variablesReference"] > 0
    level1 = children(dap, config["variablesReference"])
    assert level1["name"]["value"] == '"x"'
    level2 = children(dap, level1["deep"]["variablesReference"])
    assert set(level2) == {"inner", "list"}
    assert {name: level2[name]["value"] for name in lang.level2_values} == lang.level2_values
    assert {name: level2[name]["type"] for name in lang.level2_types} == lang.level2_types
    assert dap.vars(level2["list"]["variablesReference"]) == lang.list_items
    assert dap.vars(level2["inner"]["variablesReference"]) == {"leaf": "true"}
    # The caller's frame has its own scopes and locals.
    if lang.frame2_scopes is not None:
        assert [s["name"] for s in dap("scopes", frameId=2)["scopes"]] == lang.frame2_scopes
    assert set(dap.locals(frame=2)) == lang.frame2_locals


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang.set_values], ids=str)
def test_set_variable_in_every_scope_and_in_fields(nested, lang: Language):
    """setVariable changes a local, a variable of the outer scopes and nested fields (to a
    new container even); the spell sees it all; a missing name or a bad value is an error."""
    given = lang.set_values
    assert given is not None
    dap = nested(lang)
    refs = [s["variablesReference"] for s in dap("scopes", frameId=1)["scopes"]]
    answer = dap("setVariable", variablesReference=refs[0], name="prefix", value='"z"')
    assert answer["value"] == '"z"'
    dap("setVariable", variablesReference=refs[1], name="count", value="40 + 2")
    dap(
        "setVariable", variablesReference=refs[given.greeting_scope], name="greeting", value='"hey"'
    )
    config_ref = children(dap, refs[1])["config"]["variablesReference"]
    dap("setVariable", variablesReference=config_ref, name="name", value='"N"')
    deep_ref = children(dap, config_ref)["deep"]["variablesReference"]
    inner_ref = children(dap, deep_ref)["inner"]["variablesReference"]
    container = dap("setVariable", variablesReference=inner_ref, name="leaf", value=given.container)
    assert container["type"] == given.container_type and container["variablesReference"] > 0
    assert dap.evaluate(given.joined, "watch") == '"z42"'
    assert "no variable" in dap.error(
        "setVariable", variablesReference=refs[0], name="nope", value="1"
    )
    assert dap.error("setVariable", variablesReference=refs[0], name="prefix", value="1 +")
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert re.fullmatch(given.stdout, dap.stdout()), dap.stdout()
