"""One deploy at a time per (app, target): a lock file in the context, taken with O_EXCL.

The file records who holds it, the pid and host, when, the release and a message. A lock
whose pid is dead on this host is *stale*: shown as such and never taken over silently;
only an audited `deploy lock release --force` removes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from si_paas.errors import InputError
from si_paas.state import fsio
from si_paas.state.layout import StateLayout
from si_paas.textfile import decode_json


def lock_path(layout: StateLayout, ctx: str, app: str, target: str) -> Path:
    """`contexts/<ctx>/locks/<app>@<target>.lock` (names cannot hold '@')."""
    return layout.context_dir(ctx) / "locks" / f"{app}@{target}.lock"


def this_host() -> str:
    return socket.gethostname()


@dataclass(frozen=True)
class LockInfo:
    """What a lock file says, and whether its holder is gone."""

    path: Path
    holder: dict[str, Any]

    @property
    def stale(self) -> bool:
        """Same host and the pid is dead. A lock of another host is never judged stale here."""
        return self.holder.get("host") == this_host() and not fsio.pid_alive(int(self.holder.get("pid") or 0))

    def to_dict(self) -> dict[str, Any]:
        return {**self.holder, "state": "stale" if self.stale else "held", "path": str(self.path)}


def read_lock(path: Path) -> LockInfo | None:
    """The lock at `path`, or None when it is free."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot read lock: {exc.strerror}") from None
    try:
        holder = decode_json(raw, path, "lock") if raw.strip() else {}
    except (ValueError, InputError):  # torn, too deep, a huge int: a holder we cannot name
        holder = {}
    if not isinstance(holder, dict):
        holder = {}
    # An empty or torn file is a holder killed between create and write: no pid, so stale.
    holder.setdefault("pid", 0)
    holder.setdefault("host", this_host())
    return LockInfo(path, holder)


def acquire(path: Path, holder: dict[str, Any]) -> LockInfo | None:
    """Take the lock: None on success, else the current holder (alive or stale)."""
    fsio.ensure_dir(path.parent)
    data = (json.dumps(holder, sort_keys=True) + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, fsio.FILE_MODE)
    except FileExistsError:
        info = read_lock(path)
        if info is None:  # released between our open and read: try once more
            return acquire(path, holder)
        return info
    except OSError as exc:
        raise InputError(f"{path}: cannot create lock: {exc.strerror}") from None
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return None


def release(path: Path, pid: int | None = None) -> bool:
    """Remove the lock; with `pid`, only when that pid holds it. True if removed."""
    info = read_lock(path)
    if info is None:
        return False
    if pid is not None and int(info.holder.get("pid") or 0) != pid:
        return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True
