"""Tengo bytes: mutable byte buffers (Python bytearray) as upstream's Go
byte slices, so that ``file.read(buf)`` and ``rand.read(buf)`` fill the
script's buffer in place; index assignment stays an error, as upstream
(Bytes has no IndexSet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.tengo import TengoRuntimeError, from_python, run_script, to_python


def test_file_read_fills_the_buffer_in_place(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"foobar")
    src = f"""
    os := import("os")
    f := os.open({str(path)!r})
    buf := bytes(4)
    alias := buf
    n := f.read(buf)
    rest := bytes(10)
    m := f.read(rest)
    eof := f.read(rest)
    f.close()
    out := [n, string(buf), string(alias), m, string(rest[:m]), is_error(eof), string(eof.value)]
    """.replace("'", '"')
    assert run_script(src)["out"] == [4, "foob", "foob", 2, "ar", True, "EOF"]


def test_rand_read_fills_the_buffer() -> None:
    src = """
    rand := import("rand")
    a := bytes(64); b := bytes(64)
    n := rand.read(a)
    r := rand.rand(7)
    m := r.read(b)
    out := [n, m, a != bytes(64), b != bytes(64)]
    """
    assert run_script(src)["out"] == [64, 64, True, True]


def test_copy_is_independent_and_assignment_shares() -> None:
    src = """
    b := bytes("abc")
    c := copy(b)
    d := b
    out := [b == c, b == d, is_bytes(c), type_name(c), c[0], len(b + c), string(b[1:])]
    """
    assert run_script(src)["out"] == [True, True, True, "bytes", 97, 6, "bc"]


def test_index_assignment_is_an_error_as_upstream() -> None:
    with pytest.raises(TengoRuntimeError) as ei:
        run_script("b := bytes(3)\nb[0] = 65", "t")
    assert str(ei.value) == "Runtime Error: not index-assignable: bytes\n\tat t:2:1"


def test_host_conversions() -> None:
    out = run_script('b := bytes("hi")')["b"]
    assert type(out) is bytearray
    assert to_python(out) == b"hi" and type(to_python(out)) is bytes
    host = b"xy"
    v = from_python(host)
    assert type(v) is bytearray and v == host
    v[0] = 0  # the script's buffer is a copy: the host's bytes are not touched
    assert host == b"xy"
