"""The file tools: each works under the manifest's roots and refuses everything else,
symlinks and `..` included."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def data(box):
    folder = box.dir / "data"
    (folder / "a.txt").write_text("first line\nSecond Line\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "b.md").write_text("# Title\nneedle here\n")
    return folder


def test_file_read(box, data):
    """file_read gives the content, size and whether it was cut."""
    result = box.ok("file_read", {"path": "data/a.txt"})
    assert result == {
        "path": "data/a.txt",
        "content": "first line\nSecond Line\n",
        "size": 23,
        "truncated": False,
    }
    cut = box.ok("file_read", {"path": str(data / "a.txt"), "max_bytes": 5})
    assert cut["content"] == "first" and cut["truncated"]


def test_file_read_outside_the_roots_is_denied(box, data):
    """Absolute paths, `..` and the spell folder itself are outside a `data` root."""
    for path in ("/etc/passwd", "data/../main.lua", "../outside.txt", "."):
        error = box.error("file_read", {"path": path})
        assert error["type"] == "permission_denied", path
        assert str(data) in error["message"]
        assert "permissions.files.read" in error["message"]


def test_a_symlink_out_of_the_roots_is_denied(box, data, tmp_path):
    """A link inside a root pointing outside it is resolved and refused."""
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    os.symlink(secret, data / "link.txt")
    assert box.error("file_read", {"path": "data/link.txt"})["type"] == "permission_denied"
    results = box.ok("file_search", {"path": "data", "text": "s3cret"})["results"]
    assert results == []


def test_no_roots_means_no_files(make_box):
    """A spell with no file permissions reads and writes nothing."""
    box = make_box(read=(), write=())
    error = box.error("file_read", {"path": "data/a.txt"})
    assert error["type"] == "permission_denied"
    assert "no files may be read" in error["message"]
    assert (
        "no files may be written"
        in box.error("file_write", {"path": "x", "content": ""})["message"]
    )


def test_file_read_missing_file(box, data):
    """A missing file is a tool error with the OS's words."""
    error = box.error("file_read", {"path": "data/missing.txt"})
    assert error["type"] == "tool_error"
    assert "No such file" in error["message"]


def test_file_write_and_append(box, data):
    """file_write creates folders, replaces or appends."""
    assert box.ok("file_write", {"path": "data/new/x.txt", "content": "one"})["bytes"] == 3
    box.ok("file_write", {"path": "data/new/x.txt", "content": "+two", "append": True})
    assert (data / "new" / "x.txt").read_text() == "one+two"


def test_file_write_needs_a_write_root(make_box):
    """A read-only root cannot be written."""
    box = make_box(read=("data",), write=())
    assert (
        box.error("file_write", {"path": "data/x", "content": "y"})["type"] == "permission_denied"
    )
    assert not (box.dir / "data" / "x").exists()


def test_file_list(box, data):
    """file_list lists a folder, recursively and by pattern."""
    names = [e["name"] for e in box.ok("file_list", {"path": "data"})["entries"]]
    assert names == ["a.txt", "sub"]
    deep = box.ok("file_list", {"path": "data", "recursive": True, "pattern": "*.md"})
    assert [(e["name"], e["type"]) for e in deep["entries"]] == [("sub/b.md", "file")]
    assert box.error("file_list", {"path": "/"})["type"] == "permission_denied"
    assert "not a folder" in box.error("file_list", {"path": "data/a.txt"})["message"]


def test_file_search_by_glob_and_text(box, data):
    """file_search matches globs, text (case-insensitive) and regexes, with line numbers."""
    by_glob = box.ok("file_search", {"path": "data", "glob": "**/*.md"})["results"]
    assert [r["name"] for r in by_glob] == ["sub/b.md"]
    by_text = box.ok("file_search", {"path": "data", "text": "NEEDLE"})["results"]
    assert by_text[0]["matches"] == [{"line": 2, "text": "needle here"}]
    by_regex = box.ok("file_search", {"path": "data", "text": r"^S\w+", "regex": True})
    assert [r["name"] for r in by_regex["results"]] == ["a.txt"]
    assert box.error("file_search", {"path": "data"})["message"] == "give a glob, a text, or both"
    assert (
        "inside the folder" in box.error("file_search", {"path": "data", "glob": "../*"})["message"]
    )
    assert box.error("file_search", {"path": "data", "glob": "a/../../*"})["type"] == "tool_error"
    assert box.error("file_search", {"path": "/tmp", "text": "x"})["type"] == "permission_denied"


def test_file_move(box, data):
    """file_move renames within the write roots and will not overwrite unless asked."""
    moved = box.ok("file_move", {"source": "data/a.txt", "destination": "data/sub/a2.txt"})
    assert moved == {"source": "data/a.txt", "destination": "data/sub/a2.txt"}
    assert (data / "sub" / "a2.txt").exists() and not (data / "a.txt").exists()
    (data / "c.txt").write_text("c")
    assert (
        "exists"
        in box.error("file_move", {"source": "data/c.txt", "destination": "data/sub/a2.txt"})[
            "message"
        ]
    )
    box.ok(
        "file_move", {"source": "data/c.txt", "destination": "data/sub/a2.txt", "overwrite": True}
    )
    assert (data / "sub" / "a2.txt").read_text() == "c"
    denied = box.error("file_move", {"source": "data/sub/a2.txt", "destination": "../stolen.txt"})
    assert denied["type"] == "permission_denied"
    assert (data / "sub" / "a2.txt").exists()


def test_file_delete(box, data):
    """file_delete removes files, folders only with recursive, never a root itself."""
    assert box.ok("file_delete", {"path": "data/a.txt"}) == {"path": "data/a.txt", "deleted": True}
    assert "recursive=true" in box.error("file_delete", {"path": "data/sub"})["message"]
    box.ok("file_delete", {"path": "data/sub", "recursive": True})
    assert list(data.iterdir()) == []
    assert "root itself" in box.error("file_delete", {"path": "data", "recursive": True})["message"]
    assert box.ok("file_delete", {"path": "data/none", "missing_ok": True})["deleted"] is False
    assert box.error("file_delete", {"path": "main.lua"})["type"] == "permission_denied"


def test_file_delete_removes_a_link_not_its_target(box, data, tmp_path):
    """Deleting a symlink inside a root removes the link; the outside target stays."""
    target = tmp_path / "keep.txt"
    target.write_text("keep")
    os.symlink(target, data / "link")
    box.ok("file_delete", {"path": "data/link"})
    assert target.exists() and not (data / "link").exists()


def test_file_info(box, data):
    """file_info tells whether a path exists and what it is."""
    assert box.ok("file_info", {"path": "data/a.txt"})["size"] == 23
    assert box.ok("file_info", {"path": "data/sub"})["type"] == "dir"
    assert box.ok("file_info", {"path": "data/zzz"}) == {"path": "data/zzz", "exists": False}
    assert box.error("file_info", {"path": "/etc"})["type"] == "permission_denied"
