"""One bounded directory walk for every tree si-paas lists itself (state root, plain folders,
release sources): iterative, so any depth is safe, and every folder it does not enter is
counted by reason instead of failing the command.

`os.walk` recurses in Python 3.11 (a tree 1,000+ levels deep raises RecursionError) and
stops silently on errors; this walk keeps `os.walk`'s top-down shape (prune `dirnames` in
place) and adds a depth bound and the counts.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

MAX_DEPTH = 256  # folders below this many levels are counted, not entered
DEEP = f"folders deeper than {MAX_DEPTH} levels"
TOO_LONG = "paths too long to open"
UNREADABLE = "folders that cannot be listed"


def count(skipped: dict[str, int] | None, reason: str, n: int = 1) -> None:
    """Add `n` to `skipped[reason]` (when a dict is given)."""
    if skipped is not None:
        skipped[reason] = skipped.get(reason, 0) + n


def walk(
    top: Path | str, skipped: dict[str, int] | None = None, max_depth: int = MAX_DEPTH
) -> Iterator[tuple[str, list[str], list[str]]]:
    """(dirpath, dirnames, filenames) top-down like `os.walk(top)` (symlinks not followed).

    A folder `max_depth` levels below `top` is listed in its parent's `dirnames` but not
    entered; one that cannot be listed (ENAMETOOLONG, permissions, removed meanwhile) is
    skipped. Both are counted in `skipped` by reason. A missing `top` yields nothing.
    """
    stack: list[tuple[str, int]] = [(os.fspath(top), 0)]
    while stack:
        path, depth = stack.pop()
        dirs: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else files).append(entry.name)
        except FileNotFoundError:
            if depth:
                count(skipped, UNREADABLE)
            continue
        except OSError as exc:
            count(skipped, TOO_LONG if exc.errno == errno.ENAMETOOLONG else UNREADABLE)
            continue
        yield path, dirs, files
        below = []
        for name in dirs:
            child = os.path.join(path, name)
            if os.path.islink(child):
                continue
            if depth + 1 > max_depth:
                count(skipped, DEEP)
                continue
            below.append((child, depth + 1))
        stack.extend(reversed(below))
