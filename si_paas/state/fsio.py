"""Atomic, private file I/O: temp + fsync + rename, locks, 0700/0600 (JSONL logs: `jsonl`)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from si_paas.errors import InputError
from si_paas.textfile import open_regular, read_text

DIR_MODE = 0o700
FILE_MODE = 0o600


def ensure_dir(path: Path) -> None:
    """Create `path` (and parents we own) with mode 0700; tighten an existing one."""
    if path.is_dir():
        return
    if path.exists():
        raise InputError(f"{path}: exists and is not a directory")
    missing = [path, *(p for p in path.parents if not p.exists())]
    try:
        for folder in reversed(missing):  # every folder we create is private, not just the leaf
            folder.mkdir(mode=DIR_MODE, exist_ok=True)
            os.chmod(folder, DIR_MODE)
    except OSError as exc:
        raise InputError(f"{path}: cannot create directory: {exc.strerror}") from None


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so a reader (or a crash) sees the old or new file, never a mix."""
    ensure_dir(path.parent)
    try:
        import tempfile  # writers only: keeps read-only commands quick to start

        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"{path.parent}: not writable: {exc.strerror}") from None
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write `obj` as pretty JSON, atomically, mode 0600."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def read_json(path: Path) -> Any:
    """Read a JSON file; a corrupt file is a one-line InputError naming it."""
    text = read_text(path)  # FileNotFoundError passes through: callers decide
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None


def acquire(lock_path: Path) -> int:
    """Take an exclusive advisory lock on `lock_path`; closing the returned descriptor drops it."""
    ensure_dir(lock_path.parent)
    fd = open_regular(lock_path, "lock file", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `lock_path` for the duration of the block."""
    fd = acquire(lock_path)
    try:
        yield
    finally:
        os.close(fd)
