"""The `file` group: read, write, list, search, move, delete and stat files, only under the
roots the manifest allows (permissions.files.read / write)."""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
import shutil
from pathlib import Path
from typing import Any

from engines.api.context import RunContext
from engines.api.tools.common import (
    ToolError,
    check_inside,
    is_root,
    outside,
    resolve_path,
    shown_path,
)
from engines.api.tools.registry import (
    Tool,
    boolean,
    builtin_declarer,
    integer,
    obj,
    string,
)

TOOLS: list[Tool] = []
tool = builtin_declarer("file", TOOLS)

MAX_READ = 10 * 1024 * 1024
MAX_WRITE = 10 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_SEARCH_FILE = 2 * 1024 * 1024

_PATH = string("A file path, absolute or relative to the spell's folder.")
_ENCODING = string("Text encoding; default utf-8.", default="utf-8")


def _encoding(args: dict[str, Any]) -> str:
    encoding = str(args.get("encoding") or "utf-8")
    try:
        "".encode(encoding)
    except LookupError:
        raise ToolError(f"unknown encoding {encoding!r}") from None
    return encoding


@tool(
    "file_read",
    "Read a text file under the allowed read roots.",
    obj(
        {
            "path": _PATH,
            "encoding": _ENCODING,
            "max_bytes": integer(
                f"Read at most this many bytes (default and cap {MAX_READ}).",
                minimum=0,
                maximum=MAX_READ,
            ),
        },
        ["path"],
    ),
)
def file_read(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    path = resolve_path(ctx, args["path"], "read")
    encoding = _encoding(args)
    limit = int(args.get("max_bytes", MAX_READ))

    def produce() -> dict[str, Any]:
        if path.is_dir():
            raise ToolError(f"{args['path']} is a folder, not a file")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
        return {
            "path": shown_path(ctx, path),
            "content": data[:limit].decode(encoding, errors="replace"),
            "size": path.stat().st_size,
            "truncated": len(data) > limit,
        }

    result: dict[str, Any] = outside(ctx, "file.read", produce, shown_path(ctx, path))
    return result


@tool(
    "file_write",
    "Write (or append) text to a file under the allowed write roots.",
    obj(
        {
            "path": _PATH,
            "content": string("The text to write.", maxLength=MAX_WRITE),
            "append": boolean("Append instead of replacing; default false."),
            "create_dirs": boolean("Create missing parent folders; default true."),
            "encoding": _ENCODING,
        },
        ["path", "content"],
    ),
)
def file_write(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    path = resolve_path(ctx, args["path"], "write")
    encoding = _encoding(args)
    data = args["content"].encode(encoding, errors="strict")

    def produce() -> dict[str, Any]:
        if path.is_dir():
            raise ToolError(f"{args['path']} is a folder, not a file")
        try:
            if args.get("create_dirs", True):
                path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab" if args.get("append") else "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise ToolError(f"cannot write {args['path']}: {exc.strerror or exc}") from None
        return {
            "path": shown_path(ctx, path),
            "bytes": len(data),
            "appended": bool(args.get("append")),
        }

    # A side effect passes the boundary too: a replayed run does not write again.
    result: dict[str, Any] = outside(ctx, "file.write", produce, shown_path(ctx, path))
    return result


def _entry(ctx: RunContext, path: Path, base: Path) -> dict[str, Any]:
    try:
        info = path.lstat()
    except OSError:
        return {"name": path.name, "path": shown_path(ctx, path), "type": "missing"}
    kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
    return {
        "name": path.relative_to(base).as_posix(),
        "path": shown_path(ctx, path),
        "type": kind,
        "size": info.st_size if kind == "file" else None,
        "modified": info.st_mtime,
    }


def _walk(root: Path, recursive: bool) -> list[Path]:
    """Paths under `root` without following symlinked folders, sorted, capped."""
    found: list[Path] = []
    if not recursive:
        found = sorted(root.iterdir())
    else:
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs.sort()
            here = Path(folder)
            found.extend(here / d for d in dirs)
            found.extend(here / f for f in sorted(files))
            if len(found) > MAX_ENTRIES:
                break
    return found[: MAX_ENTRIES + 1]


@tool(
    "file_list",
    "List a folder's entries (optionally recursive, filtered by a glob pattern).",
    obj(
        {
            "path": string("A folder path, absolute or relative to the spell's folder."),
            "recursive": boolean("Include sub-folders' entries; default false."),
            "pattern": string('A glob on entry names, e.g. "*.md".'),
        },
        ["path"],
    ),
)
def file_list(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    root = resolve_path(ctx, args["path"], "read")
    pattern = args.get("pattern")

    def produce() -> dict[str, Any]:
        if not root.is_dir():
            raise ToolError(f"{args['path']} is not a folder")
        paths = _walk(root, bool(args.get("recursive")))
        entries = [
            _entry(ctx, p, root)
            for p in paths[:MAX_ENTRIES]
            if pattern is None or fnmatch.fnmatch(p.name, pattern)
        ]
        return {
            "path": shown_path(ctx, root),
            "entries": entries,
            "truncated": len(paths) > MAX_ENTRIES,
        }

    result: dict[str, Any] = outside(ctx, "file.list", produce, shown_path(ctx, root))
    return result


@tool(
    "file_search",
    "Find files under a folder by glob pattern and/or by the text (or regex) they contain.",
    obj(
        {
            "path": string("The folder to search, absolute or relative to the spell's folder."),
            "glob": string('A glob on paths relative to the folder, e.g. "**/*.py" or "*.md".'),
            "text": string("Text the file must contain (case-insensitive unless regex)."),
            "regex": boolean("Treat `text` as a regular expression; default false."),
            "max_results": integer(
                "At most this many matches; default 100.", minimum=1, maximum=1000
            ),
        },
        ["path"],
    ),
)
def file_search(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    root = resolve_path(ctx, args["path"], "read")
    glob = args.get("glob")
    text = args.get("text")
    if glob is None and text is None:
        raise ToolError("give a glob, a text, or both")
    if glob is not None and (glob.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", glob)):
        raise ToolError(
            f"bad glob {glob!r}: it must stay inside the folder (no '..', not absolute)"
        )
    limit = int(args.get("max_results", 100))
    matcher: re.Pattern[str] | None = None
    if text is not None:
        try:
            matcher = re.compile(
                text if args.get("regex") else re.escape(text),
                0 if args.get("regex") else re.IGNORECASE,
            )
        except re.error as exc:
            raise ToolError(f"bad regular expression: {exc}") from None

    def produce() -> dict[str, Any]:
        if not root.is_dir():
            raise ToolError(f"{args['path']} is not a folder")
        try:
            # Capped like file_list: a glob over a huge tree stops at MAX_ENTRIES paths.
            candidates = (
                sorted(itertools.islice(root.glob(glob), MAX_ENTRIES))
                if glob
                else _walk(root, True)
            )
        except (ValueError, NotImplementedError) as exc:
            raise ToolError(f"bad glob {glob!r}: {exc}") from None
        matches: list[dict[str, Any]] = []
        truncated = False
        for path in candidates:
            if not path.is_file() or not _inside(ctx, path):
                continue
            entry: dict[str, Any] = {
                "path": shown_path(ctx, path),
                "name": path.relative_to(root).as_posix(),
            }
            if matcher is not None:
                lines = _matching_lines(path, matcher)
                if not lines:
                    continue
                entry["matches"] = lines
            if len(matches) >= limit:
                truncated = True
                break
            matches.append(entry)
        return {"path": shown_path(ctx, root), "results": matches, "truncated": truncated}

    result: dict[str, Any] = outside(ctx, "file.search", produce, shown_path(ctx, root))
    return result


def _inside(ctx: RunContext, path: Path) -> bool:
    try:
        check_inside(ctx, path.resolve(), "read")
    except Exception:
        return False
    return True


def _matching_lines(path: Path, matcher: re.Pattern[str]) -> list[dict[str, Any]]:
    try:
        if path.stat().st_size > MAX_SEARCH_FILE:
            return []
        data = path.read_bytes()
    except OSError:
        return []
    if b"\x00" in data[:4096]:
        return []  # binary
    found = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if matcher.search(line):
            found.append({"line": number, "text": line.strip()[:300]})
            if len(found) >= 20:
                break
    return found


@tool(
    "file_move",
    "Move or rename a file or folder; both places must be under the allowed write roots.",
    obj(
        {
            "source": _PATH,
            "destination": _PATH,
            "overwrite": boolean("Replace an existing destination file; default false."),
        },
        ["source", "destination"],
    ),
)
def file_move(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    source = resolve_path(ctx, args["source"], "write")
    destination = resolve_path(ctx, args["destination"], "write")
    if is_root(ctx, source):
        raise ToolError(f"{args['source']} is an allowed root itself and cannot be moved")

    def produce() -> dict[str, Any]:
        target = destination
        if not source.exists():
            raise ToolError(f"{args['source']} does not exist")
        if target.is_dir():
            target = target / source.name
            check_inside(ctx, target, "write", shown=args["destination"])
        if target.exists() and not args.get("overwrite"):
            raise ToolError(f"{shown_path(ctx, target)} exists; pass overwrite=true to replace it")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), str(target))
        except OSError as exc:
            raise ToolError(f"cannot move {args['source']}: {exc.strerror or exc}") from None
        return {"source": shown_path(ctx, source), "destination": shown_path(ctx, target)}

    key = f"{shown_path(ctx, source)} -> {shown_path(ctx, destination)}"
    result: dict[str, Any] = outside(ctx, "file.move", produce, key)
    return result


@tool(
    "file_delete",
    "Delete a file (or a folder with recursive=true) under the allowed write roots.",
    obj(
        {
            "path": _PATH,
            "recursive": boolean("Delete a folder and everything in it; default false."),
            "missing_ok": boolean("Do not fail when the path does not exist; default false."),
        },
        ["path"],
    ),
)
def file_delete(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    raw = Path(args["path"]).expanduser()
    if not raw.is_absolute():
        raw = Path(ctx.spell.dir) / raw
    # A symlink itself is deleted, not what it points to: check the link's own place.
    link = raw.is_symlink()
    path = raw.parent.resolve() / raw.name if link else resolve_path(ctx, args["path"], "write")
    if link:
        check_inside(ctx, path, "write", shown=args["path"])
    if is_root(ctx, path):
        raise ToolError(f"{args['path']} is an allowed root itself and cannot be deleted")

    def produce() -> dict[str, Any]:
        if not link and not path.exists():
            if args.get("missing_ok"):
                return {"path": shown_path(ctx, path), "deleted": False}
            raise ToolError(f"{args['path']} does not exist")
        try:
            if link or path.is_file():
                path.unlink()
            elif args.get("recursive"):
                shutil.rmtree(path)
            else:
                path.rmdir()
        except OSError as exc:
            hint = " (a folder that is not empty needs recursive=true)" if path.is_dir() else ""
            raise ToolError(f"cannot delete {args['path']}: {exc.strerror or exc}{hint}") from None
        return {"path": shown_path(ctx, path), "deleted": True}

    result: dict[str, Any] = outside(ctx, "file.delete", produce, shown_path(ctx, path))
    return result


@tool(
    "file_info",
    "Whether a path exists, and its type, size and modification time.",
    obj({"path": _PATH}, ["path"]),
)
def file_info(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    path = resolve_path(ctx, args["path"], "read")

    def produce() -> dict[str, Any]:
        if not path.exists():
            return {"path": shown_path(ctx, path), "exists": False}
        info = path.stat()
        return {
            "path": shown_path(ctx, path),
            "exists": True,
            "type": "dir" if path.is_dir() else "file",
            "size": info.st_size,
            "modified": info.st_mtime,
        }

    result: dict[str, Any] = outside(ctx, "file.info", produce, shown_path(ctx, path))
    return result
