"""The small services: log, json, params, spell and util."""

from __future__ import annotations

import copy
import json
import math
import os
import time
import uuid
from typing import Any

from engines.api.context import RunContext
from engines.api.diff import copy_data
from engines.errors import ApiError, PermissionDenied


class LogService:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx

    def _log(self, level: str, message: str, fields: dict[str, Any] | None) -> None:
        # A copy: the record must not change when the spell changes its table later.
        fields = copy_data(fields) if fields else {}
        self._ctx.emit("log", {"level": level, "message": message, "fields": fields})

    def debug(self, message: str, fields: dict[str, Any] | None = None) -> None:
        self._log("debug", message, fields)

    def info(self, message: str, fields: dict[str, Any] | None = None) -> None:
        self._log("info", message, fields)

    def warn(self, message: str, fields: dict[str, Any] | None = None) -> None:
        self._log("warn", message, fields)

    def error(self, message: str, fields: dict[str, Any] | None = None) -> None:
        self._log("error", message, fields)


def to_json_text(value: Any, indent: int | None = None) -> str:
    try:
        return json.dumps(
            value,
            ensure_ascii=False,
            indent=indent,
            separators=None if indent else (",", ":"),
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        raise ApiError(f"value is not JSON-able: {exc}") from None
    except RecursionError:
        raise ApiError("value is not JSON-able: nested too deeply") from None


class JsonService:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx

    def encode(self, value: Any) -> str:
        return to_json_text(value)

    def pretty(self, value: Any) -> str:
        return to_json_text(value, indent=2)

    def decode(self, text: str) -> Any:
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise ApiError(
                f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
        except ValueError as exc:  # NaN / Infinity, see _reject_constant
            raise ApiError(f"invalid JSON: {exc}") from None
        except RecursionError:
            raise ApiError("invalid JSON: nested too deeply") from None


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN, Infinity and -Infinity; JSON does not.
    raise ValueError(f"{name} is not valid JSON")


class ParamsService:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx

    def get(self, name: str, default: Any = None) -> Any:
        value = self._ctx.params.get(name)
        return default if value is None else copy.deepcopy(value)

    def all(self) -> dict[str, Any]:
        return copy.deepcopy(self._ctx.params)


class SpellService:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx

    def name(self) -> str:
        return self._ctx.spell.name

    def version(self) -> str:
        return self._ctx.spell.version

    def dir(self) -> str:
        return str(self._ctx.spell.dir)

    def engine(self) -> str:
        return self._ctx.spell.engine

    def run_id(self) -> str:
        return self._ctx.run_id


class UtilService:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx

    def sleep(self, seconds: float) -> None:
        if math.isnan(seconds) or seconds < 0:
            raise ApiError("seconds must be a number that is not negative")
        self._ctx.wait(seconds)

    def uuid(self) -> str:
        return str(self._ctx.nondeterministic("uuid", lambda: str(uuid.uuid4())))

    def now(self) -> float:
        return float(self._ctx.nondeterministic("time", time.time))

    def env(self, name: str) -> str | None:
        if name not in self._ctx.permissions.env:
            raise PermissionDenied(
                f"environment variable {name!r} is not allowed; "
                "list it under permissions.env in spell.yaml"
            )
        return self._ctx.nondeterministic("env", lambda: os.environ.get(name))
