"""JSON Schema validation of manifests, with readable messages and a validation cache.

``import jsonschema`` alone costs ~150 ms, more than a quarter of the time budget of
``llmspell run``. So it is imported only when a manifest has not been validated before:
successful validations are remembered, keyed by a hash of the manifest bytes and of the
schema, in a small file under the user cache directory.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from engines.spell.errors import Problem
from engines.spell.params import json_type
from engines.spell.yamllines import YamlDoc, format_path

SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")
# Bump when the validation code (not the schema file) changes what is accepted.
_CODE_VERSION = b"manifest-validation-1\0"
_CACHE_FILE = "validated-manifests"
# Past this size the cache file is trimmed to its newer half.
_CACHE_MAX_BYTES = 64 * 1024

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def cache_dir() -> Path:
    """The user cache directory of llmspell (``$XDG_CACHE_HOME/llmspell`` when set)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg:
        return Path(xdg) / "llmspell"
    import platformdirs  # only needed without XDG_CACHE_HOME; not free to import

    return Path(platformdirs.user_cache_dir("llmspell"))


def manifest_digest(raw: bytes) -> str:
    """What a manifest's cached facts are keyed on: its bytes, the schema, the code version."""
    return hashlib.sha256(_CODE_VERSION + SCHEMA_PATH.read_bytes() + b"\0" + raw).hexdigest()


def schema_problems(doc: YamlDoc, raw: bytes, file: Path) -> list[Problem]:
    """Every schema violation of a parsed manifest; ``[]`` when valid (cached)."""
    digest = manifest_digest(raw)
    if _cache_has(digest):
        return []
    problems = validate(json.loads(SCHEMA_PATH.read_bytes()), doc, file)
    if not problems:
        _cache_add(digest)
    return problems


def cached_document(raw: bytes) -> Any:
    """The parsed data of a manifest already loaded without problems, or None."""
    try:
        text = (cache_dir() / "parsed" / f"{manifest_digest(raw)}.json").read_text("utf-8")
        return json.loads(text)
    except (OSError, ValueError):
        return None


def remember_document(raw: bytes, data: Any) -> None:
    """Keep a valid manifest's parsed data, so the next load needs no YAML parser."""
    try:
        folder = cache_dir() / "parsed"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{manifest_digest(raw)}.json"
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        pass  # an optimisation only


def _cache_has(digest: str) -> bool:
    try:
        return digest in (cache_dir() / _CACHE_FILE).read_text("ascii").split()
    except (OSError, ValueError):
        return False


def _cache_add(digest: str) -> None:
    # The cache is an optimisation only: any failure to write it is ignored.
    try:
        path = cache_dir() / _CACHE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="ascii") as f:
            f.write(digest + "\n")
        if path.stat().st_size > _CACHE_MAX_BYTES:
            lines = path.read_text("ascii").split()
            tmp = path.with_name(f"{_CACHE_FILE}.{os.getpid()}.tmp")
            tmp.write_text("\n".join(lines[len(lines) // 2 :]) + "\n", "ascii")
            os.replace(tmp, path)
    except (OSError, ValueError):
        pass


def validate(schema: dict[str, Any], doc: YamlDoc, file: Path) -> list[Problem]:
    """Validate ``doc.data`` against ``schema``; one Problem per violation."""
    import jsonschema

    base = jsonschema.Draft202012Validator
    # YAML's 3.0 is a float: JSON Schema would call it an integer, we don't.
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, v: isinstance(v, int) and not isinstance(v, bool)
    )
    validator_cls = jsonschema.validators.extend(base, type_checker=checker)
    problems: list[Problem] = []
    for error in validator_cls(schema).iter_errors(doc.data):
        problems.extend(_problems(error, doc, file))
    return problems


def _problems(error: Any, doc: YamlDoc, file: Path) -> list[Problem]:
    import difflib

    path = tuple(error.absolute_path)
    if "propertyNames" in error.absolute_schema_path:
        child = (*path, error.instance)
        hint = error.schema.get("x-hint", "invalid name")
        message = f"invalid name {error.instance!r}: {hint}"
        return [Problem(file, doc.key_line_of(child), format_path(child), message)]
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        out = []
        for key in error.instance:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = (
                f" — did you mean {close[0]!r}?" if close else f" (known keys: {', '.join(known)})"
            )
            child = (*path, key)
            message = f"unknown key {key!r}{hint}"
            out.append(Problem(file, doc.key_line_of(child), format_path(child), message))
        return out
    if error.validator == "required":
        return [
            Problem(file, doc.line_of(path), format_path((*path, key)), "required key is missing")
            for key in error.validator_value
            if key not in error.instance
        ]
    return [Problem(file, doc.key_line_of(path), format_path(path), _message(error))]


def _describe(value: Any) -> str:
    text = json.dumps(value, default=str)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{json_type(value)} {text}"


def _message(error: Any) -> str:
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        hint = ""
        if "string" in types and not isinstance(value, dict | list):
            hint = " (quote it if you meant text)"
        return f"expected {words}, got {_describe(value)}{hint}"
    if kind == "enum":
        import difflib

        choices = ", ".join(repr(c) for c in expected)
        close = difflib.get_close_matches(str(value), [str(c) for c in expected], n=1)
        hint = f" — did you mean {close[0]!r}?" if close else ""
        return f"must be one of {choices}, got {value!r}{hint}"
    if kind == "minLength":
        return "must not be empty"
    if kind == "minItems":
        return f"must have at least {expected} item{'s' if expected != 1 else ''}"
    if kind == "uniqueItems":
        return "has duplicate items"
    if kind == "pattern":
        return f"invalid value {value!r}: {error.schema.get('x-hint', 'bad format')}"
    if kind == "exclusiveMinimum":
        return f"must be greater than {expected}, got {value!r}"
    if kind == "minimum":
        return f"must be at least {expected}, got {value!r}"
    return str(error.message)
