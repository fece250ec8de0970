"""Reading and merging a workflow's state: step updates, `"$path"` arguments, and the
declarative conditions of conditional and loop workflows (`{path, op, value}`, all/any/not)."""

from __future__ import annotations

from typing import Any

from engines.api.diff import copy_data
from engines.errors import ApiError

OPS = ("==", "~=", "!=", ">", ">=", "<", "<=", "exists", "not_exists", "contains", "in")


def merge(state: dict[str, Any], updates: Any, where: str) -> dict[str, Any]:
    if updates is None:
        return state
    if updates == []:
        return state
    if not isinstance(updates, dict):
        raise ApiError(f"step {where} returned a {type(updates).__name__}: a step returns a "
                       "table of updates or nil")  # fmt: skip
    return {**state, **updates}


def lookup(state: Any, path: str) -> Any:
    value = state
    for part in str(path).split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and 0 < int(part) <= len(value):
            value = value[int(part) - 1]
        else:
            return None
    return value


def resolve(value: Any, state: dict[str, Any]) -> Any:
    """Tool arguments: a string "$path" is replaced by the state's value at that path."""
    if isinstance(value, str) and value.startswith("$") and len(value) > 1:
        return lookup(state, value[1:])
    if isinstance(value, dict):
        return {k: resolve(v, state) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, state) for v in value]
    return value


def check_condition(condition: Any, where: str) -> None:
    if callable(condition):
        return
    if not isinstance(condition, dict):
        raise ApiError(f"{where}: a condition is a function or a table {{path, op, value}}")
    for key in ("all", "any"):
        if key in condition:
            parts = condition[key]
            if not isinstance(parts, list):
                raise ApiError(f"{where}: {key} takes an array of conditions")
            for part in parts:
                check_condition(part, where)
            return
    if "not" in condition:
        check_condition(condition["not"], where)
        return
    if not isinstance(condition.get("path"), str):
        raise ApiError(f"{where}: a condition table needs a path")
    op = condition.get("op", "==" if "value" in condition else "exists")
    if op not in OPS:
        raise ApiError(f"{where}: unknown op {op!r}; use one of {' '.join(OPS)}")


def holds(condition: Any, state: dict[str, Any]) -> bool:
    if callable(condition):
        answer = condition(copy_data(state))
        return answer is not None and answer is not False
    if "all" in condition:
        return all(holds(c, state) for c in condition["all"])
    if "any" in condition:
        return any(holds(c, state) for c in condition["any"])
    if "not" in condition:
        return not holds(condition["not"], state)
    actual = lookup(state, condition["path"])
    expected = condition.get("value")
    op = condition.get("op", "==" if "value" in condition else "exists")
    if op == "exists":
        return actual is not None
    if op == "not_exists":
        return actual is None
    if op == "==":
        return bool(actual == expected)
    if op in ("~=", "!="):
        return bool(actual != expected)
    if op == "contains":
        return isinstance(actual, str | list | dict) and expected in actual
    if op == "in":
        return isinstance(expected, str | list | dict) and actual in expected
    try:
        if op == ">":
            return bool(actual > expected)
        if op == ">=":
            return bool(actual >= expected)
        if op == "<":
            return bool(actual < expected)
        return bool(actual <= expected)
    except TypeError:
        return False


def describe_condition(condition: dict[str, Any]) -> str:
    if "all" in condition or "any" in condition:
        key = "all" if "all" in condition else "any"
        return f" {key} ".join(describe_condition(c) for c in condition[key])
    if "not" in condition:
        return f"not ({describe_condition(condition['not'])})"
    op = condition.get("op", "==" if "value" in condition else "exists")
    if op in ("exists", "not_exists"):
        return f"{condition['path']} {op}"
    return f"{condition['path']} {op} {condition.get('value')!r}"
