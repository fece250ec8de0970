"""Runs one case of the upstream Tengo conformance corpus against our engine.

Shared by ``test_conformance.py``; see the corpus README for the conventions
(predeclared ``out``, second pass as a module, tagged values, strict
comparison).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from engines.tengo import (
    Limits,
    TengoError,
    compile_script,
    parse_source,
)
from engines.tengo.values import (
    Char,
    ImmutableArray,
    ImmutableMap,
    TError,
    Time,
    bytes_to_str,
)

# ../shared beside the project, as in the project's own checkout; a clone made elsewhere on the
# same machine finds it at /work/shared.
_CANDIDATES = (
    Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "tengo",
    Path("/work/shared/conformance/tengo"),
)
DATA_DIR = next((path for path in _CANDIDATES if path.is_dir()), _CANDIDATES[0])


def load_cases() -> list[dict]:
    path = DATA_DIR / "cases.jsonl"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def decode(tv: dict) -> Any:
    t = tv["type"]
    if t == "int":
        return int(tv["value"])
    if t == "float":
        sp = tv.get("special")
        if sp is not None:
            return {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}[sp]
        return float(tv["value"])
    if t == "bool":
        return bool(tv["value"])
    if t == "char":
        return Char(tv["codepoint"])
    if t == "string":
        if "hex" in tv:
            return bytes_to_str(bytes.fromhex(tv["hex"]))
        return tv["value"]
    if t == "bytes":
        return bytearray.fromhex(tv["hex"])
    if t == "array":
        return [decode(x) for x in tv["value"]]
    if t == "immutable_array":
        return ImmutableArray([decode(x) for x in tv["value"]])
    if t == "map":
        return {k: decode(x) for k, x in tv["value"].items()}
    if t == "immutable_map":
        return ImmutableMap({k: decode(x) for k, x in tv["value"].items()})
    if t == "undefined":
        return None
    if t == "error":
        return TError(None if tv["value"] is None else decode(tv["value"]))
    if t == "time":
        return Time(tv["unix_sec"] * 1_000_000_000 + tv["nsec"])
    raise ValueError(f"unknown tagged type {t}")


def matches(v: Any, tv: dict) -> bool:
    """Strict comparison of an engine value with a tagged expected value."""
    t = tv["type"]
    if t == "int":
        return type(v) is int and v == tv["value"]
    if t == "float":
        if type(v) is not float:
            return False
        sp = tv.get("special")
        if sp == "NaN":
            return v != v
        if sp is not None:
            return v == {"+Inf": math.inf, "-Inf": -math.inf}[sp]
        return v == tv["value"]
    if t == "bool":
        return type(v) is bool and v == tv["value"]
    if t == "char":
        return type(v) is Char and v.v == tv["codepoint"]
    if t == "string":
        if type(v) is not str:
            return False
        if "hex" in tv:
            return v.encode("utf-8", "surrogateescape") == bytes.fromhex(tv["hex"])
        return v == tv["value"]
    if t == "bytes":
        return type(v) is bytearray and v == bytes.fromhex(tv["hex"])
    if t in ("array", "immutable_array"):
        if t == "array" and type(v) is not list:
            return False
        if t == "immutable_array":
            if type(v) is not ImmutableArray:
                return False
            v = v.value
        return len(v) == len(tv["value"]) and all(
            matches(a, b) for a, b in zip(v, tv["value"], strict=True)
        )
    if t in ("map", "immutable_map"):
        if t == "map" and type(v) is not dict:
            return False
        if t == "immutable_map":
            if type(v) is not ImmutableMap:
                return False
            v = v.value
        exp = tv["value"]
        return set(v) == set(exp) and all(matches(v[k], exp[k]) for k in exp)
    if t == "undefined":
        return v is None
    if t == "error":
        if type(v) is not TError:
            return False
        if tv["value"] is None:
            return True
        return matches(v.value, tv["value"])
    if t == "time":
        return type(v) is Time and v.ns == tv["unix_sec"] * 1_000_000_000 + tv["nsec"]
    return False


def _options(case: dict) -> dict[str, Any]:
    opts = case.get("opts") or {}
    kw: dict[str, Any] = {"stdlib": bool(opts.get("stdlib"))}
    modules: dict[str, Any] = {}
    for name, m in (opts.get("modules") or {}).items():
        if m["kind"] == "source":
            modules[name] = m["src"]
        elif m["kind"] == "stdlib_source":
            from engines.tengo.stdlib import load_module

            modules[name] = load_module(m["name"])
    kw["modules"] = modules
    globals_: dict[str, Any] = {}
    for name, s in (opts.get("symbols") or {}).items():
        if s["kind"] == "value":
            globals_[name] = decode(s["value"])
    limits = Limits()
    lim = case.get("limits") or {}
    if "max_string_len" in lim:
        limits.max_string_len = lim["max_string_len"]
    if "max_bytes_len" in lim:
        limits.max_bytes_len = lim["max_bytes_len"]
    if opts.get("max_allocs") is not None and opts["max_allocs"] >= 0:
        limits.max_allocs = opts["max_allocs"]
    kw["limits"] = limits
    kw["globals"] = globals_
    return kw


def _run(code: str, case: dict, out_init: Any, file_name: str, extra_modules=None) -> Any:
    kw = _options(case)
    if case.get("predeclared_out"):
        kw["globals"]["out"] = out_init
    if extra_modules:
        kw["modules"].update(extra_modules)
    script = compile_script(code, file_name, **kw)
    env = case.get("env") or {}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cwd = os.getcwd()
    tmp = None
    if "io" in (case.get("flags") or []):
        # these programs write ./temp: keep them out of the checkout
        import tempfile

        tmp = tempfile.TemporaryDirectory()
        os.chdir(tmp.name)
    try:
        result = script.run()
    finally:
        os.chdir(cwd)
        if tmp is not None:
            tmp.cleanup()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return result.get("out")


def check_case(case: dict) -> tuple[bool, str]:
    """Returns (passed, detail)."""
    kind = case["kind"]
    code = case["code"]
    file_name = case.get("file_name", "test")
    exp = case["expected"]
    if kind in ("parse_ok", "parse_error", "parse_string"):
        try:
            tree = parse_source(code, file_name)
        except TengoError as e:
            if kind == "parse_error":
                ok = exp["contains"] in str(e)
                return ok, f"got error {str(e)!r}"
            return False, f"unexpected error {str(e)!r}"
        if kind == "parse_error":
            return False, "parsed without error"
        if kind == "parse_string":
            got = str(tree)
            return got == exp["value"], f"got {got!r}"
        lit = exp.get("literal")
        if lit is not None:
            stmt = tree.stmts[0]
            v = getattr(getattr(stmt, "expr", None), "value", None)
            return matches(v, lit), f"got literal {v!r}"
        return True, ""
    if kind in ("compile_ok", "compile_error"):
        try:
            compile_script(code, file_name, stdlib=False)
        except TengoError as e:
            if kind == "compile_error":
                return exp["contains"] in str(e), f"got error {str(e)!r}"
            return False, f"unexpected error {str(e)!r}"
        return kind == "compile_ok", "compiled without error"
    out_init = decode(case["out_init"]) if case.get("out_init") else None
    if kind == "error":
        try:
            _run(code, case, out_init, file_name)
        except TengoError as e:
            return exp["contains"] in str(e), f"got error {str(e)!r}"
        return False, "no error"
    # run
    try:
        got = _run(code, case, out_init, file_name)
    except TengoError as e:
        return False, f"error {str(e)!r}"
    if not matches(got, exp):
        return False, f"got {got!r}"
    if case.get("second_pass") and case.get("second_pass_code"):
        try:
            got2 = _run(
                'out = import("__code__")',
                case,
                out_init,
                file_name,
                {"__code__": case["second_pass_code"]},
            )
        except TengoError as e:
            return False, f"2nd pass error {str(e)!r}"
        if not matches(got2, case["second_pass_expected"]):
            return False, f"2nd pass got {got2!r}"
    return True, ""
