"""Reading ``spell.yaml`` into a Spell, reporting every problem with its line.

Schema checks (cached, see validation.py) cover the shape of the document; the checks
here need Python or the file system: defaults against types and enums, the entry file,
the engine, limit values. They run on every load and tolerate an ill-shaped document, so
that one ManifestError lists schema and semantic problems together.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engines.spell.detect import detect_engine
from engines.spell.errors import ManifestError, Problem, SpellLoadError
from engines.spell.model import (
    ENGINE_EXTENSIONS,
    ENGINES,
    EXTENSION_ENGINES,
    Limits,
    Permissions,
    Spell,
)
from engines.spell.params import PARAM_TYPES, ParameterSpec, expected, json_type, matches_type
from engines.spell.units import parse_duration, parse_size
from engines.spell.validation import cached_document, remember_document, schema_problems
from engines.spell.yamllines import JsonPath, YamlDoc, YamlSyntaxError, format_path, load_yaml

_ENGINE_ALIASES = {"js": "javascript"}


def load_manifest(manifest_path: Path) -> Spell:
    """Load the spell described by ``manifest_path``; raises ManifestError listing all problems."""
    file = manifest_path.resolve()
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise SpellLoadError(f"cannot read manifest: {exc.strerror}", file) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ManifestError([Problem(file, line, "(file)", "not valid UTF-8 text")]) from exc
    cached = cached_document(raw)
    if isinstance(cached, dict):
        # Seen before and valid: no YAML parser, no schema. Any problem found now (the entry
        # file gone, say) sends us down the full path below, for its line numbers.
        quick = _Builder(file, YamlDoc(data=cached))
        spell = quick.build()
        if not quick.problems:
            return spell
    try:
        doc = load_yaml(text)
    except YamlSyntaxError as exc:
        problem = Problem(file, exc.line, "(syntax)", f"invalid YAML: {exc.message}")
        raise ManifestError([problem]) from exc
    if doc.data is None:
        problem = Problem(file, 1, "(top level)", "the manifest is empty; it needs at least 'name'")
        raise ManifestError([problem])
    if not isinstance(doc.data, dict):
        message = (
            f"the top level must be a mapping (name: ..., engine: ...), got {json_type(doc.data)}"
        )
        raise ManifestError([Problem(file, doc.line_of(()), "(top level)", message)])
    builder = _Builder(file, doc)
    for path, line in doc.duplicates:
        builder.problems.append(
            Problem(file, line, format_path(path), "duplicate key (the last one would win)")
        )
    builder.problems.extend(schema_problems(doc, raw, file))
    spell = builder.build()
    if builder.problems:
        raise ManifestError(sorted(builder.problems, key=lambda p: (p.line is None, p.line or 0)))
    if not doc.duplicates:
        remember_document(raw, doc.data)
    return spell


def _typed(value: Any, type_: type | tuple[type, ...], default: Any) -> Any:
    return value if isinstance(value, type_) and not isinstance(value, bool) else default


class _Builder:
    def __init__(self, file: Path, doc: YamlDoc) -> None:
        self.file = file
        self.doc = doc
        self.data: dict[Any, Any] = doc.data
        self.dir = file.parent
        self.problems: list[Problem] = []

    def add(self, path: JsonPath, message: str, line: int | None = -1) -> None:
        dotted = format_path(path)
        # The schema has usually said it already, and once is enough.
        if any(p.path == dotted for p in self.problems):
            return
        if line == -1:
            line = self.doc.key_line_of(path)
        self.problems.append(Problem(self.file, line, dotted, message))

    def build(self) -> Spell:
        entry, engine = self._entry_and_engine()
        return Spell(
            name=_typed(self.data.get("name"), str, "") or self.dir.name,
            version=_typed(self.data.get("version"), str, "") or "0.0.0",
            description=_typed(self.data.get("description"), str, ""),
            # The fallbacks only stand in when problems were found and the caller raises.
            engine=engine or "lua",
            dir=self.dir,
            entry=entry or self.dir / "main.lua",
            manifest_path=self.file,
            parameters=self._parameters(),
            permissions=self._permissions(),
            limits=self._limits(),
            tags=tuple(t for t in _typed(self.data.get("tags"), list, []) if isinstance(t, str)),
        )

    def _entry_and_engine(self) -> tuple[Path | None, str | None]:
        declared = self.data.get("engine")
        declared = _ENGINE_ALIASES.get(declared, declared) if isinstance(declared, str) else None
        declared = declared if declared in ENGINES else None
        entry_text = _typed(self.data.get("entry"), str, None)
        entry: Path | None
        if entry_text:
            entry = (self.dir / entry_text).resolve()
            if not entry.is_relative_to(self.dir):
                # A spell folder is self-contained: it is copied, shared and sandboxed whole.
                self.add(("entry",), f"entry {entry_text!r} is outside the spell folder")
                return None, declared
            if entry.is_file():
                inferred = detect_engine(entry)
            else:
                self.add(("entry",), f"entry file {entry_text!r} not found (looked for {entry})")
                inferred = EXTENSION_ENGINES.get(entry.suffix.lower())
        else:
            entry = self._default_entry(declared)
            inferred = detect_engine(entry) if entry else None
        if entry and declared and inferred and declared != inferred:
            message = f"engine is {declared!r} but the entry {entry.name!r} is {inferred}"
            self.add(("engine",), message)
        elif entry and not declared and not inferred and "engine" not in self.data:
            message = (
                f"cannot tell the engine of {entry.name!r}: set 'engine' ({', '.join(ENGINES)})"
            )
            self.add(("entry",), message)
        return entry, declared or inferred

    def _default_entry(self, engine: str | None) -> Path | None:
        if engine and (self.dir / f"main{ENGINE_EXTENSIONS[engine]}").is_file():
            return (self.dir / f"main{ENGINE_EXTENSIONS[engine]}").resolve()
        files = sorted(
            p
            for p in self.dir.iterdir()
            if p.suffix in EXTENSION_ENGINES
            and p.is_file()
            and (engine is None or EXTENSION_ENGINES[p.suffix] == engine)
        )
        for group in ([p for p in files if p.stem == "main"], files):
            if len(group) == 1:
                return group[0].resolve()
            if len(group) > 1:
                names = ", ".join(p.name for p in group)
                self.add(("entry",), f"several possible entry files ({names}): set 'entry'", None)
                return None
        wanted = ENGINE_EXTENSIONS[engine][1:] if engine else "lua, js or tengo"
        message = f"no entry program found in {self.dir} (no {wanted} file): set 'entry'"
        self.add(("entry",), message, None)
        return None

    def _parameters(self) -> dict[str, ParameterSpec]:
        result: dict[str, ParameterSpec] = {}
        for name, spec in _typed(self.data.get("parameters"), dict, {}).items():
            if not isinstance(name, str) or not isinstance(spec, dict):
                continue
            at = ("parameters", name)
            type_ = spec.get("type") if spec.get("type") in PARAM_TYPES else None
            enum = _typed(spec.get("enum"), list, None)
            default = spec.get("default")
            required = spec.get("required") is True
            if type_ and enum:
                for i, value in enumerate(enum):
                    if not matches_type(value, type_):
                        message = (
                            f"enum value {json.dumps(value, default=str)} is not {expected(type_)}"
                        )
                        self.add((*at, "enum", i), message)
            if type_ and default is not None:
                shown = json.dumps(default, default=str)
                if not matches_type(default, type_):
                    message = f"default {shown} is not {expected(type_)} ({json_type(default)})"
                    self.add((*at, "default"), message)
                elif enum and default not in enum:
                    choices = ", ".join(json.dumps(v, default=str) for v in enum)
                    self.add((*at, "default"), f"default {shown} is not one of {choices}")
            if required and default is not None:
                message = "a required parameter cannot have a default (it is never missing)"
                self.add((*at, "required"), message)
            result[name] = ParameterSpec(
                name=name,
                type=type_ or "string",
                default=default,
                required=required,
                enum=tuple(enum) if enum else None,
                description=_typed(spec.get("description"), str, ""),
            )
        return result

    def _permissions(self) -> Permissions:
        perms = _typed(self.data.get("permissions"), dict, {})
        files = _typed(perms.get("files"), dict, {})
        network = _typed(perms.get("network"), dict, {})

        def strings(value: Any) -> tuple[str, ...]:
            return tuple(v for v in _typed(value, list, []) if isinstance(v, str) and v)

        def roots(value: Any) -> tuple[Path, ...]:
            return tuple((self.dir / Path(p).expanduser()).resolve() for p in strings(value))

        return Permissions(
            files_read=roots(files.get("read")),
            files_write=roots(files.get("write")),
            network_hosts=strings(network.get("hosts")),
            env=strings(perms.get("env")),
            exec=perms.get("exec") is True,
        )

    def _limits(self) -> Limits:
        limits = _typed(self.data.get("limits"), dict, {})
        result = Limits()
        if "timeout" in limits:
            try:
                result = Limits(parse_duration(limits["timeout"]), result.memory)
            except (ValueError, TypeError, AttributeError) as exc:
                self.add(("limits", "timeout"), str(exc))
        if "memory" in limits:
            try:
                result = Limits(result.timeout, parse_size(limits["memory"]))
            except (ValueError, TypeError, AttributeError) as exc:
                self.add(("limits", "memory"), str(exc))
        instructions = limits.get("instructions")
        if isinstance(instructions, int) and not isinstance(instructions, bool):
            result = Limits(result.timeout, result.memory, instructions)
        return result
