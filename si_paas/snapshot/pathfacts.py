"""Facts about paths around the state root (where they resolve, which work tree holds
them, links under a folder), read lazily and each at most once per snapshot.

The location, permission and cross-context checks ask these of the snapshot instead of
calling `realpath`, `lstat` or git themselves, so the same snapshot gives the same answer
however many checks ask.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from si_paas.snapshot.gitpaths import Holder, enclosing_worktree, holding_worktree, real, symlinks_under


class PathFacts:
    """Memoised filesystem facts of one snapshot."""

    __slots__ = ("_memo", "uid")

    def __init__(self, uid: int | None = None) -> None:
        self.uid = os.getuid() if uid is None else uid  # whose files the state root should be
        self._memo: dict[tuple[str, str], object] = {}

    def __repr__(self) -> str:
        return f"PathFacts(uid={self.uid})"

    def _get(self, kind: str, path: Path | str, compute):  # type: ignore[no-untyped-def]
        key = (kind, os.fspath(path))
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def real(self, path: Path | str) -> Path:
        """`path` after realpath (the longest existing prefix resolved)."""
        found: Path = self._get("real", path, lambda: real(path))
        return found

    def realpath(self, path: Path | str) -> str:
        """`os.path.realpath(path)` as a string."""
        return str(self.real(path))

    def exists(self, path: Path | str) -> bool:
        """True if `path` exists (following links)."""
        found: bool = self._get("exists", path, lambda: os.path.exists(path))
        return found

    def is_dir(self, path: Path | str) -> bool:
        """True if `path` is a folder (following links)."""
        found: bool = self._get("is_dir", path, lambda: os.path.isdir(path))
        return found

    def is_file(self, path: Path | str) -> bool:
        """True if `path` is a regular file (following links)."""
        found: bool = self._get("is_file", path, lambda: os.path.isfile(path))
        return found

    def worktree(self, path: Path | str) -> Path | None:
        """The top of the ordinary git work tree holding `path` after realpath, or None."""
        found: Path | None = self._get("worktree", path, lambda: enclosing_worktree(path))
        return found

    def holder(self, path: Path | str, env: Mapping[str, str]) -> Holder | None:
        """The work tree, ordinary or external, holding `path` after realpath, or None
        (`env`: the snapshot's environment, the same for every call)."""
        found: Holder | None = self._get("holder", path, lambda: holding_worktree(path, env))
        return found

    def links_under(self, root: Path) -> tuple[tuple[Path, Path], ...]:
        """(link, real target) of every symlink under `root` (snapshot.gitpaths)."""
        found: tuple[tuple[Path, Path], ...] = self._get("links", root, lambda: tuple(symlinks_under(root)))
        return found
