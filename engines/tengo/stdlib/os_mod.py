"""The ``os`` module, limited and policy-controlled.

``make_module(policy)`` takes an optional policy object; its methods
``allow_read(path)``, ``allow_write(path)``, ``allow_env(name)`` and
``allow_exec(argv)`` (each returning bool) decide what scripts may do.  With
no policy everything is allowed (the conformance default).
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

from ..values import ImmutableMap, UserFunction
from ._util import arg_str, check_str, go_error, module, nargs


def _allowed(policy: Any, what: str, arg: Any) -> bool:
    fn = getattr(policy, "allow_" + what, None) if policy is not None else None
    return True if fn is None else bool(fn(arg))


def _file_obj(f: Any) -> ImmutableMap:
    def write(*a: Any) -> Any:
        nargs("write", a, 1)
        data = a[0] if type(a[0]) is bytes else str(a[0]).encode()
        return f.write(data)

    def read(*a: Any) -> Any:
        nargs("read", a, 1)
        buf = a[0]
        data = f.read(len(buf))
        return len(data)

    def close(*a: Any) -> Any:
        f.close()
        return True  # upstream returns true when the Go call reports no error

    return ImmutableMap(
        {
            "write": UserFunction("write", write),
            "write_string": UserFunction("write_string", write),
            "read": UserFunction("read", read),
            "close": UserFunction("close", close),
            "name": UserFunction("name", lambda *a: f.name),
        }
    )


def make_module(policy: Any = None) -> ImmutableMap:
    def getenv(*a: Any) -> Any:
        nargs("getenv", a, 1)
        name = arg_str("getenv", a, 0)
        return os.environ.get(name, "") if _allowed(policy, "env", name) else ""

    def expand_env(*a: Any) -> Any:
        nargs("expand_env", a, 1)
        s = arg_str("expand_env", a, 0)

        def lookup(name: str) -> str:
            return os.environ.get(name, "") if _allowed(policy, "env", name) else ""

        import re

        out = re.sub(
            r"\$\{([^}]*)\}|\$([A-Za-z0-9_]+|[*#$@!?\-])",
            lambda m: lookup(m.group(1) if m.group(1) is not None else m.group(2)),
            s,
        )
        return check_str(out)

    def read_file(*a: Any) -> Any:
        nargs("read_file", a, 1)
        path = arg_str("read_file", a, 0)
        if not _allowed(policy, "read", path):
            return go_error(f"open {path}: permission denied")
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError as e:
            return go_error(f"open {path}: {e.strerror.lower() if e.strerror else e}")

    def create(*a: Any) -> Any:
        nargs("create", a, 1)
        path = arg_str("create", a, 0)
        if not _allowed(policy, "write", path):
            return go_error(f"open {path}: permission denied")
        try:
            return _file_obj(open(path, "wb"))  # noqa: SIM115 - closed by the script
        except OSError as e:
            return go_error(str(e))

    def open_(*a: Any) -> Any:
        nargs("open", a, 1)
        path = arg_str("open", a, 0)
        if not _allowed(policy, "read", path):
            return go_error(f"open {path}: permission denied")
        try:
            return _file_obj(open(path, "rb"))  # noqa: SIM115
        except OSError as e:
            return go_error(str(e))

    def exec_(*a: Any) -> Any:
        if not a:
            return go_error("wrong number of arguments")
        argv = [arg_str("exec", a, i) for i in range(len(a))]
        if not _allowed(policy, "exec", argv):
            return go_error(f"exec {argv[0]}: permission denied")

        def output(*_: Any) -> Any:
            try:
                r = subprocess.run(argv, capture_output=True, check=False)
            except OSError as e:
                return go_error(str(e))
            return r.stdout

        return ImmutableMap({"output": UserFunction("output", output)})

    def stat(*a: Any) -> Any:
        nargs("stat", a, 1)
        path = arg_str("stat", a, 0)
        if not _allowed(policy, "read", path):
            return go_error(f"stat {path}: permission denied")
        try:
            st = os.stat(path)
        except OSError as e:
            return go_error(str(e))
        return ImmutableMap(
            {"name": os.path.basename(path), "size": st.st_size, "directory": os.path.isdir(path)}
        )

    def remove(*a: Any) -> Any:
        nargs("remove", a, 1)
        path = arg_str("remove", a, 0)
        if not _allowed(policy, "write", path):
            return go_error(f"remove {path}: permission denied")
        try:
            os.remove(path)
        except OSError as e:
            return go_error(str(e))
        return True

    return module(
        "os",
        {
            "getenv": getenv,
            "expand_env": expand_env,
            "read_file": read_file,
            "create": create,
            "open": open_,
            "exec": exec_,
            "stat": stat,
            "remove": remove,
            "getpid": lambda *a: os.getpid(),
            "hostname": lambda *a: os.uname().nodename,
        },
    )
