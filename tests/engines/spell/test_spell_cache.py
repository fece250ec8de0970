"""The validation cache: a manifest validated once is loaded later without jsonschema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engines.spell import ManifestError, load_spell, validation
from engines.spell.validation import SCHEMA_PATH, cache_dir

MakeSpell = Callable[..., Path]
REPO = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
from engines.spell import load_spell
spell = load_spell(sys.argv[1])
print(json.dumps({"name": spell.name, "jsonschema": "jsonschema" in sys.modules}))
"""


def load_in_subprocess(folder: Path, cache: Path) -> dict[str, object]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout))


def test_second_load_skips_jsonschema(make_spell: MakeSpell, tmp_path: Path) -> None:
    folder = make_spell("name: cached\nparameters:\n  a: {type: string, default: x}\n")
    cache = tmp_path / "sub-cache"
    assert load_in_subprocess(folder, cache) == {"name": "cached", "jsonschema": True}
    assert (cache / "llmspell").is_dir()
    assert load_in_subprocess(folder, cache) == {"name": "cached", "jsonschema": False}
    # A changed manifest is a different cache key: validated again.
    (folder / "spell.yaml").write_text("name: cached\ndescription: changed\n")
    assert load_in_subprocess(folder, cache) == {"name": "cached", "jsonschema": True}


def test_cache_dir_honours_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "llmspell"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir().name == "llmspell"


def test_invalid_manifests_are_not_cached(make_spell: MakeSpell, _private_cache: Path) -> None:
    folder = make_spell("name: x\nbogus: 1\n")
    for _ in range(2):
        with pytest.raises(ManifestError, match="bogus"):
            load_spell(folder)
    assert not (_private_cache / "llmspell" / "validated-manifests").exists()


def test_semantic_checks_still_run_when_cached(make_spell: MakeSpell) -> None:
    folder = make_spell("name: x\nentry: run.lua\n", {"run.lua": ""})
    load_spell(folder)
    (folder / "run.lua").unlink()
    with pytest.raises(ManifestError, match="'run.lua' not found"):
        load_spell(folder)


def test_unwritable_cache_is_ignored(
    make_spell: MakeSpell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    folder = make_spell("name: fine\n")
    assert load_spell(folder).name == "fine"
    assert load_spell(folder).name == "fine"


def test_corrupt_cache_is_ignored(make_spell: MakeSpell, _private_cache: Path) -> None:
    (_private_cache / "llmspell").mkdir(parents=True)
    (_private_cache / "llmspell" / "validated-manifests").write_bytes(b"\xff\xfe garbage")
    assert load_spell(make_spell("name: fine\n")).name == "fine"


def test_cache_file_stays_small(
    make_spell: MakeSpell, _private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validation, "_CACHE_MAX_BYTES", 1000)
    for i in range(40):
        load_spell(make_spell(f"name: s{i}\n", name="many"))
    size = (_private_cache / "llmspell" / "validated-manifests").stat().st_size
    assert 0 < size <= 1000 + 65
    digests = (_private_cache / "llmspell" / "validated-manifests").read_text().split()
    assert 0 < len(digests) < 40
    assert all(len(d) == 64 for d in digests)


def test_schema_is_valid_draft_2020_12() -> None:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)

    def objects(node: object) -> list[dict[str, object]]:
        if isinstance(node, dict):
            own = [node] if node.get("type") == "object" else []
            return own + [o for v in node.values() for o in objects(v)]
        if isinstance(node, list):
            return [o for v in node for o in objects(v)]
        return []

    for obj in objects(schema):
        assert "additionalProperties" in obj, obj
