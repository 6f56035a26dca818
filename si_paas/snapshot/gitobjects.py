"""Git snapshots beyond the work tree: the staged index and the history, read by blob."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from si_paas.errors import InputError
from si_paas.snapshot.worktree import DEFAULT_MAX_FILE_SIZE, RepoFile, drop_excluded

_NULL_SHA = "0" * 40
_SUBMODULE = "160000"
_SYMLINK = "120000"


def _git(root: Path, *args: str) -> bytes:
    try:
        return subprocess.run(["git", "-C", str(root), *args], check=True,
                              capture_output=True).stdout
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None
    except subprocess.CalledProcessError as exc:
        lines = exc.stderr.decode(errors="replace").strip().splitlines()
        raise InputError(f"{root}: git {args[0]} failed: {lines[-1] if lines else exc}") from None


def _parse_raw(tokens: list[str], start: int) -> tuple[str, str, str, int]:
    """One `--raw -z` entry at tokens[start]: (new mode, new sha, path, next index)."""
    header = tokens[start].lstrip("\n")
    parts = header[1:].split(" ")
    return parts[1], parts[3], tokens[start + 1], start + 2


class BlobReader:
    """One `git cat-file --batch` process serving every blob read of a snapshot."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, sha: str) -> tuple[int, bytes | None]:
        """(size, content) of a blob; content None when missing."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(sha.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().decode().split()
        if len(header) < 3 or header[1] == "missing":
            return 0, None
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)  # the newline after the content
        return size, data

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


@dataclass
class _BlobSource:
    root: Path
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    skipped: dict[str, int] = field(default_factory=dict)
    is_git: bool = True
    exclude: tuple[str, ...] = ()
    progress: Callable[[int, int], None] | None = None  # (blobs read, blobs in total)
    _read_count: int = 0

    @cached_property
    def _reader(self) -> BlobReader:
        return BlobReader(self.root)

    def content_files(self) -> Iterator[RepoFile]:
        return iter(drop_excluded(self.files, self.exclude, self.skipped))

    @property
    def files(self) -> tuple[RepoFile, ...]:
        raise NotImplementedError

    def read(self, f: RepoFile) -> bytes | None:
        """The blob's bytes, or None (counted) when missing or over the size cap."""
        sha = f.blob or ""
        size, data = self._reader.read(sha)
        if self.progress is not None:
            self._read_count += 1
            self.progress(self._read_count, len(self.files))
        if data is None:
            self._skip("missing blob")
            return None
        if size > self.max_file_size:
            self._skip(f"larger than {self.max_file_size} bytes")
            return None
        return data

    def peek(self, f: RepoFile, limit: int) -> bytes | None:
        """Up to `limit` leading bytes of the blob; no progress or skip is counted."""
        last = self.__dict__.get("_peeked")
        if last is None or last[0] != f.blob:
            last = (f.blob, self._reader.read(f.blob or "")[1])
            self.__dict__["_peeked"] = last
        return None if last[1] is None else last[1][:limit]

    def _skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def close(self) -> None:
        if "_reader" in self.__dict__:
            self._reader.close()


@dataclass
class IndexSnapshot(_BlobSource):
    """The staged content: blobs in the index that differ from HEAD (added, copied, modified,
    renamed). Deletions and submodules do not count; the working file is never read."""

    @cached_property
    def files(self) -> tuple[RepoFile, ...]:
        out = _git(self.root, "diff", "--cached", "--raw", "-z", "--no-abbrev",
                   "--diff-filter=ACMR", "--no-renames").decode("utf-8", "surrogateescape")
        tokens = [t for t in out.split("\0") if t]
        entries, i = [], 0
        while i < len(tokens):
            mode, sha, path, i = _parse_raw(tokens, i)
            if mode == _SUBMODULE:
                self._skip("submodule")
                continue
            if mode == _SYMLINK:
                self._skip("not a regular file")
                continue
            entries.append(RepoFile(path, "staged", blob=sha))
        return tuple(sorted(entries, key=lambda f: f.relpath))


@dataclass
class HistorySnapshot(_BlobSource):
    """Blobs introduced by commits (all refs, or a range), each (path, blob) read once."""

    rev_range: tuple[str, ...] = ("--all",)

    @cached_property
    def files(self) -> tuple[RepoFile, ...]:
        out = _git(self.root, "log", *self.rev_range, "--format=%x01%H%x00%aI", "--raw", "-z",
                   "--no-abbrev", "--diff-filter=ACMR", "--no-renames", "--reverse"
                   ).decode("utf-8", "surrogateescape")
        tokens = [t for t in out.split("\0") if t and t != "\n"]
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        commit, date, ordinal, i = "", "", 0, 0
        while i < len(tokens):
            token = tokens[i]
            if token.startswith("\x01"):
                commit, date, i = token[1:], tokens[i + 1], i + 2
                ordinal += 1  # oldest first: commit times can tie, the order cannot
                continue
            mode, sha, path, i = _parse_raw(tokens, i)
            if mode in (_SUBMODULE, _SYMLINK) or sha == _NULL_SHA:
                continue
            entry = seen.setdefault((path, sha), {"first_commit": commit, "first_date": date,
                                                  "first_ordinal": str(ordinal)})
            entry.update(last_commit=commit, last_date=date, last_ordinal=str(ordinal))
        listed = [RepoFile(path, "history", blob=sha, info=tuple(sorted(meta.items())))
                  for (path, sha), meta in seen.items()]
        return tuple(listed)
