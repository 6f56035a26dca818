"""A read-only view of a repository's (or plain folder's) files, listed once, read lazily."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import field
from functools import cached_property, lru_cache
from pathlib import Path

from si_paas.detect.chunks import LARGE_FILE_BYTES, Content, FileContent
from si_paas.errors import InputError
from si_paas.records import record
from si_paas.snapshot.gitpaths import enclosing_worktree, real
from si_paas.snapshot.gitrun import git_output
from si_paas.snapshot.heads import HEAD_BYTES, head_fact
from si_paas.walk import walk

DEFAULT_MAX_FILE_SIZE = 1024 * 1024
_PRUNE_DIRS = {".git"}
MAX_NESTING = 8  # repositories inside repositories, listed at most this deep
# Never follow a link, never block on a FIFO or become a terminal's controlling process.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY
_NOT_A_FILE = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)


@record(frozen=True)
class RepoFile:
    """One file of a worktree: its repo-relative POSIX path and its git status."""

    relpath: str
    status: str  # tracked | untracked | ignored | file (no repo) | staged | history
    blob: str | None = None
    info: tuple[tuple[str, str], ...] = ()

    @property
    def content_key(self) -> str:
        """What names this file's bytes: its blob id, or its path in a work tree."""
        return self.blob or self.relpath

    def describe(self) -> dict[str, str]:
        """What a finding in this file should say about where it came from."""
        return {"git_status": self.status, **({"blob": self.blob} if self.blob else {}), **dict(self.info)}


def _git_lines(root: Path, *args: str) -> list[str]:
    out = git_output(root, args)
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


EXCLUDED = "excluded by .si-paas.yaml"


@lru_cache(maxsize=32)
def _excluder(patterns: tuple[str, ...]) -> Callable[[str], object]:
    """One expression for all of `patterns`: `fnmatch.fnmatchcase` against any of them."""
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match


def drop_excluded(
    entries: Iterable[RepoFile], patterns: tuple[str, ...], skipped: dict[str, int]
) -> list[RepoFile]:
    """Entries whose path matches no `exclude` pattern (fnmatch; `*` crosses `/`), counted.

    Only content checks (secrets) apply a repository's excludes: the list of files every
    snapshot gives keeps excluded paths, so private state is found wherever it sits. The
    count is assigned, not added, so judging one snapshot twice counts each file once.
    """
    listed = list(entries)
    if not patterns:
        return listed
    hit = _excluder(patterns)
    kept = [e for e in listed if hit(e.relpath) is None]
    if len(kept) != len(listed):
        skipped[EXCLUDED] = len(listed) - len(kept)
    return kept


def _walk(base: Path, skipped: dict[str, int], prefix: str = "") -> Iterator[str]:
    for dirpath, dirnames, filenames in walk(base, skipped):
        dirnames[:] = [d for d in dirnames if d not in _PRUNE_DIRS]
        rel = os.path.relpath(dirpath, base)
        rel = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for name in filenames:
            yield f"{prefix}{rel}{name}"


def _read_all(fd: int, size: int) -> bytes:
    """Every byte of an open regular file that fstat gave `size` bytes: one read when it is
    that size still, more when it has grown or a read came back short."""
    data = os.read(fd, size + 1)
    if len(data) == size:
        return data
    chunks = [data]
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


@record
class WorktreeSnapshot:
    """Files of one folder. In a git work tree: tracked, untracked (not ignored) and ignored."""

    root: Path
    is_git: bool
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    skipped: dict[str, int] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()

    only: str | None = None  # a single file outside git: the one file judged
    depth: int = 0  # how deep this repository is nested in the one scanned
    # Per file read, its head when it could be private state by content, else None
    # (snapshot/heads.py); keyed by RepoFile.content_key.
    heads: dict[str, bytes | None] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: Path) -> WorktreeSnapshot:
        """A snapshot of the work tree containing `path`, of the plain folder `path`, or,
        for a file outside every work tree, of that one file."""
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        top = enclosing_worktree(path)
        if top is not None:
            return cls(root=top, is_git=True)
        resolved = real(path)
        if not resolved.is_dir():
            return cls(root=resolved.parent, is_git=False, only=resolved.name)
        return cls(root=resolved, is_git=False)

    @cached_property
    def files(self) -> tuple[RepoFile, ...]:
        """Every file with its git status, sorted by path; the files of repositories nested
        in this one (untracked clones, submodule checkouts) are listed under their folder."""
        if self.only is not None:
            return (RepoFile(self.only, "file"),)
        if not self.is_git:
            return tuple(RepoFile(p, "file") for p in sorted(_walk(self.root, self.skipped)))
        tracked = _git_lines(self.root, "ls-files", "-z", "--cached")
        untracked = _git_lines(self.root, "ls-files", "-z", "--others", "--exclude-standard")
        ignored_entries = _git_lines(
            self.root,
            "ls-files",
            "-z",
            "--others",
            "--ignored",
            "--exclude-standard",
            "--directory",
        )
        ignored: list[str] = []
        for entry in ignored_entries:
            if entry.endswith("/"):
                ignored.extend(_walk(self.root / entry, self.skipped, prefix=entry))
            else:
                ignored.append(entry)
        seen: dict[str, RepoFile] = {}
        for status, paths in (("tracked", tracked), ("untracked", untracked), ("ignored", ignored)):
            for p in paths:
                nested = self._nested(p)
                if nested is None:
                    seen.setdefault(p, RepoFile(p, status))
                    continue
                prefix = p.rstrip("/") + "/"
                for f in nested:
                    seen.setdefault(prefix + f.relpath, RepoFile(prefix + f.relpath, f.status))
        return tuple(sorted(seen.values(), key=lambda f: f.relpath))

    def _nested(self, entry: str) -> tuple[RepoFile, ...] | None:
        """The files of the repository at `entry` when it is one (a folder, not a link,
        holding `.git`), at most MAX_NESTING deep; None for anything else."""
        folder = self.root / entry.rstrip("/")
        if (
            self.depth >= MAX_NESTING
            or folder.is_symlink()
            or not folder.is_dir()
            or not os.path.lexists(folder / ".git")
        ):
            return None
        inner = WorktreeSnapshot(root=folder, is_git=True, depth=self.depth + 1)
        return inner.files

    def content_files(self) -> Iterator[RepoFile]:
        """Files whose content is searched for secrets: tracked and untracked, not ignored,
        not excluded by the repository config."""
        return iter(
            drop_excluded((f for f in self.files if f.status != "ignored"), self.exclude, self.skipped)
        )

    @cached_property
    def _base(self) -> str:
        return str(self.root)

    def read(self, f: RepoFile, cap: int | None = None) -> Content | None:
        """The bytes of a file, or None (counted in `skipped`) if missing or over the size cap
        (`cap`, else the snapshot's `max_file_size`).

        One open, one fstat and the reads; whether the head could be private state is noted
        in `heads` on the way, so the content check does not open the file again. A file
        over `LARGE_FILE_BYTES` comes back open, read by offset (`FileContent`), so the
        scan holds one chunk of it at a time.
        """
        try:
            fd = os.open(os.path.join(self._base, f.relpath), _OPEN_FLAGS)
        except OSError as exc:
            self._skip("not a regular file" if exc.errno in _NOT_A_FILE else "unreadable")
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                self._skip("not a regular file")
                return None
            limit = cap or self.max_file_size
            if st.st_size > limit:
                self._skip(f"larger than {limit} bytes")
                return None
            if st.st_size > LARGE_FILE_BYTES:
                large = FileContent(os.dup(fd), st.st_size)
                self.heads[f.relpath] = head_fact(large[:HEAD_BYTES])
                return large
            data = _read_all(fd, st.st_size)
        except OSError:
            self._skip("unreadable")
            return None
        finally:
            os.close(fd)
        self.heads[f.relpath] = head_fact(data)
        return data

    def content_head(self, f: RepoFile) -> bytes | None:
        """The file's first HEAD_BYTES when they could be private state by content, else None
        (also when it is not a regular file): from the read, or peeked when never read."""
        if f.relpath in self.heads:
            return self.heads[f.relpath]
        head = self.peek(f, HEAD_BYTES)
        return None if head is None else head_fact(head)

    def peek(self, f: RepoFile, limit: int) -> bytes | None:
        """Up to `limit` leading bytes of a regular file (ignored ones too), None if it is not
        one or cannot be read; never blocks on a FIFO or device and counts no skip."""
        try:
            fd = os.open(os.path.join(self._base, f.relpath), _OPEN_FLAGS)
        except (OSError, ValueError):
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            chunks, left = [], limit
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks)
        except OSError:
            return None
        finally:
            os.close(fd)

    def _skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def close(self) -> None:
        """Nothing to release for a work tree."""
