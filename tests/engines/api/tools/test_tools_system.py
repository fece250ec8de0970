"""The system tools: allowed env reads, system facts, and execute only with permissions.exec."""

from __future__ import annotations

import os
import sys
import time


def test_env_get_allowed(make_box, monkeypatch):
    """A variable listed in permissions.env is read; an unset one says so."""
    monkeypatch.setenv("TOOLS_TEST_VAR", "value-1")
    monkeypatch.delenv("TOOLS_UNSET_VAR", raising=False)
    box = make_box(env=("TOOLS_TEST_VAR", "TOOLS_UNSET_VAR"))
    assert box.ok("env_get", {"name": "TOOLS_TEST_VAR"}) == {
        "name": "TOOLS_TEST_VAR",
        "value": "value-1",
        "set": True,
    }
    assert box.ok("env_get", {"name": "TOOLS_UNSET_VAR"})["set"] is False


def test_env_get_not_allowed(make_box, monkeypatch):
    """Any other variable is denied, and its value never appears."""
    monkeypatch.setenv("TOOLS_SECRET", "hunter2")
    box = make_box(env=("TOOLS_TEST_VAR",))
    error = box.error("env_get", {"name": "TOOLS_SECRET"})
    assert error["type"] == "permission_denied"
    assert "permissions.env" in error["message"] and "hunter2" not in error["message"]


def test_system_info(box):
    """Platform, Python version and CPU count; nothing else (no env, no host names)."""
    info = box.ok("system_info", {})
    assert set(info) == {
        "platform",
        "system",
        "release",
        "machine",
        "python_version",
        "python_implementation",
        "cpu_count",
    }
    assert info["platform"] == sys.platform
    assert info["python_version"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    assert box.error("system_info", {"verbose": True})["type"] == "invalid_arguments"


def test_execute_needs_permission(box):
    """Without permissions.exec nothing runs."""
    error = box.error("execute", {"argv": [sys.executable, "-c", "print(1)"]})
    assert error["type"] == "permission_denied"
    assert "permissions.exec" in error["message"]


def test_execute_runs_argv_without_a_shell(make_box):
    """argv runs as given (no shell expansion), with stdin, in the spell folder."""
    box = make_box(exec=True)
    result = box.ok(
        "execute",
        {
            "argv": [
                sys.executable,
                "-c",
                "import os, sys; print(sys.argv[1], os.getcwd()); print(sys.stdin.read().upper(), file=sys.stderr)",
                "$HOME;echo",
            ],
            "stdin": "quiet",
        },
    )
    assert result["exit_code"] == 0
    assert result["stdout"] == f"$HOME;echo {box.dir.resolve()}\n"
    assert result["stderr"] == "QUIET\n"
    assert result["timed_out"] is False


def test_execute_exit_code_and_missing_program(make_box):
    """A failing program gives its exit code; a missing one is a tool error."""
    box = make_box(exec=True)
    assert (
        box.ok("execute", {"argv": [sys.executable, "-c", "raise SystemExit(3)"]})["exit_code"] == 3
    )
    error = box.error("execute", {"argv": ["/no/such/program"]})
    assert error["type"] == "tool_error" and "cannot run" in error["message"]


def test_execute_timeout_kills(make_box):
    """A program past its timeout is killed and reported as timed out."""
    box = make_box(exec=True)
    started = time.monotonic()
    result = box.ok(
        "execute", {"argv": [sys.executable, "-c", "import time; time.sleep(30)"], "timeout": 0.5}
    )
    assert time.monotonic() - started < 5
    assert result["timed_out"] is True
    assert result["exit_code"] != 0


def test_execute_output_is_capped(make_box):
    """Output beyond 1 MB is cut and flagged."""
    box = make_box(exec=True)
    result = box.ok(
        "execute", {"argv": [sys.executable, "-c", "import sys; sys.stdout.write('x' * 3_000_000)"]}
    )
    assert len(result["stdout"]) == 1024 * 1024
    assert result["truncated"] is True


def test_execute_environment_has_no_secrets(make_box, monkeypatch):
    """The child gets basic variables and the allowed ones, not the rest."""
    monkeypatch.setenv("TOOLS_SECRET", "hunter2")
    monkeypatch.setenv("TOOLS_OK", "fine")
    box = make_box(exec=True, env=("TOOLS_OK",))
    code = "import os; print(os.environ.get('TOOLS_SECRET'), os.environ.get('TOOLS_OK'), os.environ.get('EXTRA'))"
    result = box.ok("execute", {"argv": [sys.executable, "-c", code], "env": {"EXTRA": "e"}})
    assert result["stdout"] == "None fine e\n"


def test_execute_cwd_must_be_under_a_root(make_box):
    """cwd under a root is fine; elsewhere it is denied."""
    box = make_box(exec=True)
    result = box.ok(
        "execute", {"argv": [sys.executable, "-c", "import os; print(os.getcwd())"], "cwd": "data"}
    )
    assert result["stdout"].strip() == str((box.dir / "data").resolve())
    assert box.error("execute", {"argv": ["true"], "cwd": os.sep})["type"] == "permission_denied"
