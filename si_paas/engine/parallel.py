"""Read and judge many files on every core: forked workers, each file read once.

What a read learns beside the work's result (the head facts of `snapshot/heads.py`) comes
back with each chunk, so the parent's snapshot holds the same facts as with one process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from si_paas.detect.chunks import Content
from si_paas.snapshot.gitobjects import IndexSnapshot
from si_paas.snapshot.snapshot import FileSource
from si_paas.snapshot.worktree import RepoFile, WorktreeSnapshot

T = TypeVar("T")
WORKERS_ENV = "SI_PAAS_WORKERS"
PARALLEL_MIN_FILES = 2000  # below this, starting workers costs more than it saves
PARALLEL_MIN_BLOBS = 1000  # history blobs: each worker also starts its own git reader
MAX_WORKERS = 8
_CHUNK = 200
_BLOB_CHUNK = 1000

_JOB: tuple[FileSource, Callable[[RepoFile, Content], Any], int | None] | None = None


def _read(repo: FileSource, files: Sequence[RepoFile], cap: int | None) -> Iterator[tuple[RepoFile, Content]]:
    """Each readable file's bytes: one streamed git reader for blobs, else file by file."""
    read_all = getattr(repo, "read_all", None)
    if read_all is not None:
        yield from read_all(files, cap)
        return
    for f in files:
        data = repo.read(f, cap)
        if data is not None:
            yield f, data


_Chunk = tuple[list[tuple[RepoFile, Any]], dict[str, int], dict[str, bytes | None]]


def _run_chunk(chunk: list[RepoFile]) -> _Chunk:
    """A worker's results for one chunk: (file, result) per file read, the skips it counted,
    and the head facts of the files it read (the parent's snapshot keeps them)."""
    assert _JOB is not None
    repo, work, cap = _JOB
    if hasattr(repo, "progress"):
        repo.progress = None  # a worker's own count; the parent reports whole chunks
    before = dict(repo.skipped)
    out = [(f, work(f, data)) for f, data in _read(repo, chunk, cap)]
    delta = {k: v - before.get(k, 0) for k, v in repo.skipped.items() if v != before.get(k, 0)}
    heads = {key: repo.heads[key] for f, _ in out if (key := f.content_key) in repo.heads}
    return out, delta, heads


def cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def workers_for(repo: FileSource, count: int) -> int:
    """Processes to use: $SI_PAAS_WORKERS if set, else every core for a large scan.

    Never more than the cores (nor MAX_WORKERS, nor one per file): more processes than
    cores only add forks and memory. A staged scan (the pre-commit hook) never forks.
    """
    if isinstance(repo, IndexSnapshot):
        return 1
    limit = max(1, min(cores(), MAX_WORKERS, count))
    asked = os.environ.get(WORKERS_ENV, "")
    if asked.isdigit() and int(asked) > 0:
        return min(int(asked), limit)
    floor = PARALLEL_MIN_FILES if isinstance(repo, WorktreeSnapshot) else PARALLEL_MIN_BLOBS
    return 1 if count < floor else limit


def map_files(
    repo: FileSource,
    files: Sequence[RepoFile],
    work: Callable[[RepoFile, Content], T],
    cap: int | None = None,
) -> Iterator[tuple[RepoFile, T]]:
    """`work(file, bytes)` for every readable file no larger than `cap` (else the source's
    `max_file_size`); skips are counted on `repo`.

    Files come back in order on one process; with workers, in order of chunks, each chunk
    in the order its reader yields them. The number of processes is kept in
    `repo.workers`, shown in the scan's per-repository stats.
    """
    global _JOB
    procs = workers_for(repo, len(files))
    repo.__dict__["workers"] = max(procs, repo.__dict__.get("workers", 0))
    if procs == 1:
        for f, data in _read(repo, files, cap):
            yield f, work(f, data)
        return
    _JOB = (repo, work, cap)
    size = _CHUNK if isinstance(repo, WorktreeSnapshot) else _BLOB_CHUNK
    chunks = [list(files[i : i + size]) for i in range(0, len(files), size)]
    try:
        import multiprocessing  # only for large scans; a staged scan never forks

        with multiprocessing.get_context("fork").Pool(procs) as pool:
            advance = getattr(repo, "advance", None)
            for chunk, (results, skipped, heads) in zip(chunks, pool.imap(_run_chunk, chunks), strict=True):
                for reason, n in skipped.items():
                    repo.skipped[reason] = repo.skipped.get(reason, 0) + n
                repo.heads.update(heads)
                if advance is not None:
                    advance(len(chunk))
                yield from results
    finally:
        _JOB = None
