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
from si_paas.lazyregex import lazy
from si_paas.textfile import decode_json, open_regular, read_text

DIR_MODE = 0o700
FILE_MODE = 0o600
TMP_SUFFIX = ".tmp"
_TMP_RE = lazy(r"\..+\.([0-9]{1,10})\.[A-Za-z0-9_]+\.tmp")
_REMOVING_RE = lazy(r"\.removing-.+-([0-9]{1,10})")


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) is dead for our purpose.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def sweep_stale(folder: Path) -> list[Path]:
    """Remove what a killed writer left in `folder`: temp files of atomic writes and
    `.removing-*` folders of an interrupted `context remove`, whose pid is dead.

    Only names this module makes are touched; the caller holds the lock that guards the
    folder, so no live writer of ours is mid-way. Returns what was removed.
    """
    import shutil

    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        tmp, doomed = _TMP_RE.fullmatch(name), _REMOVING_RE.fullmatch(name)
        match = tmp or doomed
        if match is None or pid_alive(int(match.group(1))):
            continue
        path = folder / name
        with contextlib.suppress(OSError):
            if tmp and not path.is_symlink() and path.is_file():
                path.unlink()
                removed.append(path)
            elif doomed and not path.is_symlink() and path.is_dir():
                shutil.rmtree(path)
                removed.append(path)
    return removed


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


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's data (a folder's: its renames and unlinks) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in `path` durable."""
    fsync_path(path)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so a reader (or a crash) sees the old or new file, never a mix."""
    ensure_dir(path.parent)
    try:
        import tempfile  # writers only: keeps read-only commands quick to start

        # The pid in the name lets a later command tell a temp file of a killed writer.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=TMP_SUFFIX, dir=path.parent)
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
        return decode_json(text, path)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None


def acquire(lock_path: Path) -> int:
    """Take an exclusive advisory lock on `lock_path`; closing the returned descriptor drops it.

    Holding it, stale temp files in the lock's folder are removed first (`sweep_stale`)."""
    ensure_dir(lock_path.parent)
    fd = open_regular(lock_path, "lock file", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        sweep_stale(lock_path.parent)  # what a writer killed under this lock left behind
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
