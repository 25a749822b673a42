"""Durable writes: a reader sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

TMP_MARK = ".tmp-"  # scratch names carry it, so a sweep knows what a killed writer left behind


def pid_alive(pid: int) -> bool:
    """Whether the process that owns a scratch file or a lock still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder, to make a rename in it durable) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call write(tmp_path), fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")
    try:
        write(tmp)
        fsync_path(tmp)
        os.replace(tmp, path)
        fsync_path(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def file_identity(path: Path) -> str:
    """Which version of a file this is, without reading it: a publish renames a new file into place,
    so any new warehouse has a new inode and mtime even at the same size."""
    st = path.stat()
    return f"{path.resolve()}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def content_digest(paths: list[Path]) -> str:
    """sha256 of the names and bytes of these files (folders: every file under them)."""
    import hashlib

    h = hashlib.sha256()
    for root in paths:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(str(f.relative_to(root.parent)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()
