"""Which git work tree, if any, holds a path: judged after realpath, walking up to /."""

from __future__ import annotations

import os
from pathlib import Path


def real(path: Path | str) -> Path:
    """realpath of `path`, resolving the longest existing prefix (the rest need not exist)."""
    return Path(os.path.realpath(os.fspath(path)))


def enclosing_worktree(path: Path | str) -> Path | None:
    """The top of the git work tree that contains `path` (after realpath), or None."""
    probe = real(path)
    for candidate in (probe, *probe.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def is_within(path: Path, root: Path) -> bool:
    """True when `path` is `root` or below it (both already real)."""
    return path == root or root in path.parents
