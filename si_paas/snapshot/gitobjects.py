"""Git snapshots beyond the work tree: the staged index and the history, read by blob."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import IO

from si_paas.errors import InputError, UsageError
from si_paas.records import record
from si_paas.snapshot.gitrun import git_output, raw_entry
from si_paas.snapshot.heads import HEAD_BYTES, head_fact
from si_paas.snapshot.worktree import DEFAULT_MAX_FILE_SIZE, RepoFile, drop_excluded

_NULL_SHA = "0" * 40
_SUBMODULE = "160000"
_SYMLINK = "120000"


def _git(root: Path, *args: str) -> bytes:
    return git_output(root, args)


def blob_sizes(root: Path, shas: Iterable[str]) -> dict[str, int | None]:
    """Size of each object from one `git cat-file --batch-check` (None when missing).

    Nothing is inflated: a blob over the size cap is skipped before a byte of it is read.
    """
    unique = list(dict.fromkeys(shas))
    if not unique:
        return {}
    out = git_output(root, ["cat-file", "--batch-check"], "".join(f"{s}\n" for s in unique))
    sizes: dict[str, int | None] = {}
    for line in out.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit():
            sizes[parts[0]] = int(parts[2])
        elif parts:
            sizes[parts[0]] = None
    return sizes


# Up to this many blobs, sizes and contents come from one `git cat-file --batch-command`:
# its commands and answers fit the pipes' buffers, so neither side waits on the other.
ONE_PROCESS_BLOBS = 64


def sized_blobs(
    root: Path, shas: Sequence[str], cap: int
) -> tuple[dict[str, int | None], Iterator[tuple[str, bytes]]] | None:
    """(size of each object or None when missing, the contents of those no larger than
    `cap`, in order) from one `git cat-file --batch-command`, or None when git has no such
    mode (before 2.36) or there are too many blobs for one round trip.

    As with `blob_sizes`, a blob over the cap is never read. The pre-commit hook's few
    staged blobs cost one git process instead of two.
    """
    if not shas or len(shas) > ONE_PROCESS_BLOBS or not all(shas):
        return None
    try:
        proc = subprocess.Popen(
            ["git", "-C", str(root), "cat-file", "--batch-command"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout
    sizes: dict[str, int | None] = {}
    try:
        stdin.write("".join(f"info {s}\n" for s in shas).encode("ascii", "replace"))
        stdin.flush()
        for sha in shas:
            parts = stdout.readline().split()
            if not parts:  # git ended: an old git refuses the option
                raise BrokenPipeError
            ok = len(parts) == 3 and parts[1] == b"blob" and parts[2].isdigit()
            sizes[sha] = int(parts[2]) if ok else None
        wanted = [s for s in shas if (size := sizes[s]) is not None and size <= cap]
        stdin.write("".join(f"contents {s}\n" for s in wanted).encode("ascii"))
        stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        _end(proc)
        return None
    return sizes, _contents(proc, wanted)


def _contents(proc: subprocess.Popen[bytes], wanted: list[str]) -> Iterator[tuple[str, bytes]]:
    """The answers of `contents` commands, in order; missing objects are left out."""
    assert proc.stdout is not None
    try:
        yield from _answers(proc.stdout, len(wanted))
    finally:
        _end(proc)


def _answers(stdout: IO[bytes], count: int, limit: int | None = None) -> Iterator[tuple[str, bytes]]:
    """(object id, content) of up to `count` answers of `git cat-file --batch` (or of
    `contents` commands), missing objects left out. Past `limit`, a blob is read in chunks
    and dropped, never held whole."""
    for _ in range(count):
        header = stdout.readline().split()
        if len(header) < 2:
            break
        if header[1] == b"missing" or len(header) < 3:
            continue
        size = int(header[2])
        data = stdout.read(size if limit is None else min(size, limit))
        left = size - len(data)
        while left > 0:
            dropped = stdout.read(min(left, BlobPeeker._CHUNK))
            if not dropped:
                break
            left -= len(dropped)
        stdout.read(1)  # the newline after the content
        yield header[0].decode("ascii"), data


def _end(proc: subprocess.Popen[bytes], writer: threading.Thread | None = None) -> None:
    """End git (killed if it still runs) and close its pipes, after `writer` (the thread
    feeding its stdin, which then stops on a broken pipe) has finished."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    if writer is not None:
        writer.join(timeout=5)
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def stream_blobs(root: Path, shas: Sequence[str], limit: int | None = None) -> Iterator[tuple[str, bytes]]:
    """The content of each blob (its first `limit` bytes, when given), in order, from one
    `git cat-file --batch`.

    A thread writes the object names while this reads the contents, so git never waits for
    a round trip per blob. Missing objects are left out. Stopping early ends git. Past
    `limit`, a blob is read in chunks and dropped, never held whole.
    """
    if not shas:
        return
    proc = subprocess.Popen(
        ["git", "-C", str(root), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout

    def feed() -> None:
        try:
            for start in range(0, len(shas), 512):
                stdin.write("".join(f"{s}\n" for s in shas[start : start + 512]).encode())
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the reader stopped early and ended git

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield from _answers(stdout, len(shas), limit)
    finally:
        _end(proc, writer)


class BlobPeeker:
    """One `git cat-file --batch` process answering blob reads one at a time, each capped."""

    _CHUNK = 1 << 20

    def __init__(self, root: Path) -> None:
        try:
            self.proc: subprocess.Popen[bytes] = subprocess.Popen(
                ["git", "-C", str(root), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            raise InputError("git is not installed or not on PATH") from None

    def read(self, sha: str, limit: int) -> tuple[bytes | None, bool]:
        """(the first `limit` bytes of the blob or None when missing, whether it was cut);
        the rest of a longer blob is read in chunks and dropped."""
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(sha.encode("ascii", "replace") + b"\n")
            stdin.flush()
        except (BrokenPipeError, OSError):
            return None, False
        header = stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing" or not header[2].isdigit():
            return None, False
        size = int(header[2])
        data = stdout.read(min(size, limit))
        left = size - len(data)
        while left > 0:
            dropped = stdout.read(min(left, self._CHUNK))
            if not dropped:
                break
            left -= len(dropped)
        stdout.read(1)  # the newline after the content
        return data, size > limit

    def close(self) -> None:
        """End git."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@record
class _BlobSource:
    """Blobs of a repository's object store, listed by a subclass, read in streams."""

    root: Path
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    skipped: dict[str, int] = field(default_factory=dict)
    is_git: bool = True
    exclude: tuple[str, ...] = ()
    progress: Callable[[int, int], None] | None = None  # (blobs read, blobs in total)
    _read_count: int = 0
    # Per blob read, its head when it could be private state by content, else None.
    heads: dict[str, bytes | None] = field(default_factory=dict, repr=False)

    def content_files(self) -> Iterator[RepoFile]:
        return iter(drop_excluded(self.files, self.exclude, self.skipped))

    @property
    def files(self) -> tuple[RepoFile, ...]:
        raise NotImplementedError

    def read(self, f: RepoFile, cap: int | None = None) -> bytes | None:
        """The blob's bytes, or None (counted) when missing or over the size cap."""
        for _, data in self.read_all([f], cap):
            return data
        return None

    def read_all(self, files: Sequence[RepoFile], cap: int | None = None) -> Iterator[tuple[RepoFile, bytes]]:
        """(file, bytes) for each readable file, in order; skips are counted. A blob over
        `cap` (else the snapshot's `max_file_size`) is not read.

        Sizes come first (`sized_blobs`, else `--batch-check`), so a blob over the cap is
        never read; each distinct blob is then read once, whatever number of paths it has.
        """
        limit = cap or self.max_file_size
        unique = list(dict.fromkeys(f.blob or "" for f in files))
        batch = sized_blobs(self.root, unique, limit)
        # Many blobs, or a git before 2.36: sizes and contents from two processes.
        sizes = blob_sizes(self.root, unique) if batch is None else batch[0]
        by_blob: dict[str, list[RepoFile]] = {}
        for f in files:
            size = sizes.get(f.blob or "")
            if size is None:
                self._skip("missing blob")
                self._tick()
            elif size > limit:
                self._skip(f"larger than {limit} bytes")
                self._tick()
            else:
                by_blob.setdefault(f.blob or "", []).append(f)
        blobs = stream_blobs(self.root, list(by_blob)) if batch is None else batch[1]
        for sha, data in blobs:
            self.heads[sha] = head_fact(data)
            for f in by_blob.pop(sha, ()):
                self._tick()
                yield f, data
        for left in by_blob.values():  # vanished between the two git calls
            for _ in left:
                self._skip("missing blob")
                self._tick()

    def _tick(self) -> None:
        self.advance(1)

    def advance(self, count: int) -> None:
        """Count `count` more blobs as judged, for the progress report."""
        if self.progress is not None:
            self._read_count += count
            self.progress(self._read_count, len(self.files))

    def prefetch_heads(self, files: Iterable[RepoFile]) -> None:
        """Learn the head fact of each blob of `files` not read yet, through one streamed
        `git cat-file --batch` (HEAD_BYTES of each), so `content_head` need not peek them one
        by one. A missing blob stays unknown."""
        wanted = list(dict.fromkeys(f.blob for f in files if f.blob and f.blob not in self.heads))
        for sha, head in stream_blobs(self.root, wanted, HEAD_BYTES):
            self.heads[sha] = head_fact(head)

    def content_head(self, f: RepoFile) -> bytes | None:
        """The blob's first HEAD_BYTES when they could be private state by content, else
        None: from the read of the blob, or peeked when it was never read."""
        if f.content_key in self.heads:
            return self.heads[f.content_key]
        head = self.peek(f, HEAD_BYTES)
        if head is None:
            return None
        fact = self.heads[f.content_key] = head_fact(head)
        return fact

    def peek(self, f: RepoFile, limit: int) -> bytes | None:
        """Up to `limit` leading bytes of the blob (None when missing); no progress or skip
        is counted. One `git cat-file --batch` serves every peek of the snapshot, and only
        `limit` bytes of a blob are ever held in memory."""
        last = self.__dict__.get("_peeked")
        if last is None or last[0] != f.blob or (last[2] and len(last[1] or b"") < limit):
            reader = self.__dict__.get("_peeker")
            if reader is None:
                reader = self.__dict__["_peeker"] = BlobPeeker(self.root)
            data, truncated = reader.read(f.blob or "", limit)
            last = self.__dict__["_peeked"] = (f.blob, data, truncated)
        return None if last[1] is None else last[1][:limit]

    def _skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def close(self) -> None:
        """End the peeking process, if one was started."""
        reader = self.__dict__.pop("_peeker", None)
        if reader is not None:
            reader.close()


@record
class IndexSnapshot(_BlobSource):
    """The staged content: blobs in the index that differ from HEAD (added, copied, modified,
    renamed). Deletions and submodules do not count; the working file is never read."""

    @cached_property
    def files(self) -> tuple[RepoFile, ...]:
        out = _git(
            self.root, "diff", "--cached", "--raw", "-z", "--no-abbrev", "--diff-filter=ACMR", "--no-renames"
        ).decode("utf-8", "surrogateescape")
        tokens = [t for t in out.split("\0") if t]
        entries, i = [], 0
        while i < len(tokens):
            mode, sha, path, i = raw_entry(tokens, i)
            if mode == _SUBMODULE:
                self._skip("submodule")
                continue
            if mode == _SYMLINK:
                self._skip("not a regular file")
                continue
            entries.append(RepoFile(path, "staged", blob=sha))
        return tuple(sorted(entries, key=lambda f: f.relpath))


@record
class HistorySnapshot(_BlobSource):
    """Blobs introduced by commits (all refs, or a range), each (path, blob) read once;
    what each commit introduces comes from the commit log (`snapshot/commitlog.py`)."""

    rev_range: tuple[str, ...] = ("--all",)

    @cached_property
    def files(self) -> tuple[RepoFile, ...]:
        from si_paas.snapshot.commitlog import history

        # per (path, blob): the info of its first commit and of its last, each made once a
        # commit and shared by every file the commit touches
        seen: dict[tuple[str, str], list[tuple[tuple[str, str], ...]]] = {}
        ordinal = 0
        listed = history(self.root, self.rev_range)
        if not listed and self.rev_range == ("--all",):
            raise UsageError(f"--history --all: {self.root} has no commits yet; nothing to judge")
        for commit, logged in listed:
            if logged is None:  # git log shows nothing for it, so it takes no ordinal
                continue
            date, entries = logged
            ordinal += 1  # oldest first: commit times can tie, the order cannot
            number = str(ordinal)
            first = (("first_commit", commit), ("first_date", date), ("first_ordinal", number))
            last = (("last_commit", commit), ("last_date", date), ("last_ordinal", number))
            for mode, sha, path in entries:
                if mode in (_SUBMODULE, _SYMLINK) or sha == _NULL_SHA:
                    continue
                ends = seen.get((path, sha))
                if ends is None:
                    seen[(path, sha)] = [first, last]
                else:
                    ends[1] = last
        return tuple(
            RepoFile(path, "history", blob=sha, info=ends[0] + ends[1]) for (path, sha), ends in seen.items()
        )
