"""The ``os`` module (a practical subset), controlled by a host policy.

``make_module(policy)`` takes an optional policy object; its optional methods
``allow_read(path)``, ``allow_write(path)``, ``allow_env(name)`` (reading and
changing environment variables) and ``allow_exec(argv)`` return bool and
decide what scripts may do.  Without a policy everything is allowed (what the
conformance tests and the CLI need).  Refusals come back to the script as
error values, like failing Go calls do upstream.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from ..errors import TengoExit
from ..values import ImmutableMap, Time, UserFunction, str_to_bytes
from ._util import arg_int, arg_str, check_str, go_error, module, nargs

_FLAGS = {
    "o_rdonly": os.O_RDONLY, "o_wronly": os.O_WRONLY, "o_rdwr": os.O_RDWR,
    "o_append": os.O_APPEND, "o_create": os.O_CREAT, "o_excl": os.O_EXCL,
    "o_sync": getattr(os, "O_SYNC", 0), "o_trunc": os.O_TRUNC,
    "seek_set": 0, "seek_cur": 1, "seek_end": 2,
    "path_separator": os.sep, "path_list_separator": os.pathsep, "dev_null": os.devnull,
}  # fmt: skip


class _Policy:
    def __init__(self, policy: Any) -> None:
        self.policy = policy

    def allows(self, what: str, arg: Any) -> bool:
        fn = getattr(self.policy, "allow_" + what, None) if self.policy is not None else None
        return True if fn is None else bool(fn(arg))


def _os_error(e: OSError, op: str = "") -> Any:
    """Go's *PathError text: ``open /x: no such file or directory``."""
    msg = (e.strerror or str(e)).lower()
    if e.filename is None:
        return go_error(msg)
    return go_error(f"{op} {e.filename}: {msg}".lstrip())


def _fn(name: str, f: Any) -> UserFunction:
    return UserFunction(name, f)


def _file_info(path: str) -> Any:
    try:
        st = os.stat(path)
    except OSError as e:
        return _os_error(e, "stat")
    return ImmutableMap(
        {
            "name": os.path.basename(path),
            "mtime": Time(st.st_mtime_ns),
            "size": st.st_size,
            "mode": st.st_mode & 0o777,
            "directory": os.path.isdir(path),
        }
    )


def _file_obj(f: Any, path: str) -> ImmutableMap:
    def write(*a: Any) -> Any:
        nargs("write", a, 1)
        data = a[0] if type(a[0]) is bytearray else str_to_bytes(arg_str("write", a, 0))
        return f.write(data)

    def read(*a: Any) -> Any:
        # fills the given buffer in place, as upstream (Go's File.Read)
        nargs("read", a, 1)
        buf = a[0]
        if type(buf) is not bytearray or not buf:
            return 0
        n = f.readinto(memoryview(buf))
        return n if n else go_error("EOF")

    def seek(*a: Any) -> Any:
        nargs("seek", a, 2)
        return f.seek(arg_int("seek", a, 0), arg_int("seek", a, 1))

    def close(*a: Any) -> Any:
        f.close()
        return True  # upstream returns true when the Go call reports no error

    return ImmutableMap(
        {
            "write": _fn("write", write),
            "write_string": _fn("write_string", write),
            "read": _fn("read", read),
            "seek": _fn("seek", seek),
            "close": _fn("close", close),
            "name": _fn("name", lambda *a: path),
            "stat": _fn("stat", lambda *a: _file_info(path)),
        }
    )


def make_module(policy: Any = None) -> ImmutableMap:
    p = _Policy(policy)

    def getenv(*a: Any) -> Any:
        nargs("getenv", a, 1)
        name = arg_str("getenv", a, 0)
        return os.environ.get(name, "") if p.allows("env", name) else ""

    def lookup_env(*a: Any) -> Any:
        nargs("lookup_env", a, 1)
        name = arg_str("lookup_env", a, 0)
        if not p.allows("env", name) or name not in os.environ:
            return False
        return os.environ[name]

    def setenv(*a: Any) -> Any:
        nargs("setenv", a, 2)
        name = arg_str("setenv", a, 0)
        if not p.allows("env", name):
            return go_error(f"setenv {name}: permission denied")
        os.environ[name] = arg_str("setenv", a, 1)
        return True

    def unsetenv(*a: Any) -> Any:
        nargs("unsetenv", a, 1)
        name = arg_str("unsetenv", a, 0)
        if not p.allows("env", name):
            return go_error(f"unsetenv {name}: permission denied")
        os.environ.pop(name, None)
        return True

    def environ(*a: Any) -> Any:
        return [f"{k}={v}" for k, v in os.environ.items() if p.allows("env", k)]

    def expand_env(*a: Any) -> Any:
        nargs("expand_env", a, 1)
        s = arg_str("expand_env", a, 0)

        def lookup(name: str) -> str:
            return os.environ.get(name, "") if p.allows("env", name) else ""

        import re

        out = re.sub(
            r"\$\{([^}]*)\}|\$([A-Za-z0-9_]+|[*#$@!?\-])",
            lambda m: lookup(m.group(1) if m.group(1) is not None else m.group(2)),
            s,
        )
        return check_str(out)

    def path_op(name: str, what: str, op: Any, nargs_: int = 1) -> UserFunction:
        go_op = {"read_file": "open", "create": "open", "remove_all": "unlinkat"}.get(name, name)

        def f(*a: Any) -> Any:
            nargs(name, a, nargs_)
            path = arg_str(name, a, 0)
            if not p.allows(what, path):
                return go_error(f"{go_op} {path}: permission denied")
            try:
                result = op(path, *a[1:])
            except OSError as e:
                return _os_error(e, go_op)
            return True if result is None else result

        return _fn(name, f)

    def read_file(path: str) -> Any:
        with open(path, "rb") as fh:
            return bytearray(fh.read())

    def rename(*a: Any) -> Any:
        nargs("rename", a, 2)
        src, dst = arg_str("rename", a, 0), arg_str("rename", a, 1)
        if not (p.allows("write", src) and p.allows("write", dst)):
            return go_error(f"rename {src} {dst}: permission denied")
        try:
            os.rename(src, dst)
        except OSError as e:
            return _os_error(e, "rename")
        return True

    def exec_(*a: Any) -> Any:
        if not a:
            return go_error("exec: no command")
        argv = [arg_str("exec", a, i) for i in range(len(a))]
        if not p.allows("exec", argv):
            return go_error(f"exec {argv[0]}: permission denied")
        state: dict[str, Any] = {"dir": None, "env": None}

        def run(capture: bool, merge: bool) -> Any:
            try:
                r = subprocess.run(
                    argv,
                    capture_output=capture and not merge,
                    stdout=subprocess.PIPE if merge else None,
                    stderr=subprocess.STDOUT if merge else None,
                    cwd=state["dir"],
                    env=state["env"],
                    check=False,
                )
            except OSError as e:
                return _os_error(e, "exec")
            if r.returncode != 0 and not capture:
                return go_error(f"exit status {r.returncode}")
            return bytearray(r.stdout) if capture else True

        def set_dir(*b: Any) -> None:
            state["dir"] = arg_str("set_dir", b, 0)

        def set_env(*b: Any) -> None:
            items = b[0] if b and type(b[0]) is list else []
            state["env"] = dict(str(x).split("=", 1) for x in items if "=" in str(x))

        return ImmutableMap(
            {
                "output": _fn("output", lambda *b: run(True, False)),
                "combined_output": _fn("combined_output", lambda *b: run(True, True)),
                "run": _fn("run", lambda *b: run(False, False)),
                "set_dir": _fn("set_dir", set_dir),
                "set_env": _fn("set_env", set_env),
            }
        )

    def exit_(*a: Any) -> Any:
        nargs("exit", a, 1)
        raise TengoExit(arg_int("exit", a, 0))

    def open_mode(mode: str) -> Any:
        def op(path: str) -> Any:
            return _file_obj(open(path, mode), path)  # noqa: SIM115 - closed by the script

        return op

    funcs: dict[str, Any] = dict(_FLAGS)
    funcs.update(
        {
            "args": lambda *a: list(sys.argv),
            "environ": environ,
            "exit": exit_,
            "expand_env": expand_env,
            "getenv": getenv,
            "lookup_env": lookup_env,
            "setenv": setenv,
            "unsetenv": unsetenv,
            "getpid": lambda *a: os.getpid(),
            "getppid": lambda *a: os.getppid(),
            "getuid": lambda *a: os.getuid() if hasattr(os, "getuid") else -1,
            "getgid": lambda *a: os.getgid() if hasattr(os, "getgid") else -1,
            "getwd": lambda *a: os.getcwd(),
            "hostname": lambda *a: os.uname().nodename if hasattr(os, "uname") else "",
            "temp_dir": lambda *a: tempfile.gettempdir(),
            "read_file": path_op("read_file", "read", read_file),
            "stat": path_op("stat", "read", _file_info),
            "open": path_op("open", "read", open_mode("rb")),
            "create": path_op("create", "write", open_mode("wb")),
            "remove": path_op("remove", "write", os.remove),
            "remove_all": path_op("remove_all", "write", lambda q: shutil.rmtree(q, True)),
            "mkdir": path_op("mkdir", "write", lambda q, perm: os.mkdir(q, perm), 2),
            "mkdir_all": path_op(
                "mkdir_all", "write", lambda q, perm: os.makedirs(q, perm, exist_ok=True), 2
            ),
            "rename": rename,
            "exec": exec_,
        }
    )
    return module("os", funcs)
