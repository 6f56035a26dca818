"""Read and judge many files on every core: forked workers, each file read once."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from si_paas.snapshot.snapshot import FileSource
from si_paas.snapshot.worktree import RepoFile, WorktreeSnapshot

T = TypeVar("T")
WORKERS_ENV = "SI_PAAS_WORKERS"
PARALLEL_MIN_FILES = 2000  # below this, starting workers costs more than it saves
_CHUNK = 200

_JOB: tuple[FileSource, Callable[[RepoFile, bytes], Any]] | None = None


def _run_chunk(chunk: list[RepoFile]) -> tuple[list[tuple[RepoFile, Any]], dict[str, int]]:
    assert _JOB is not None
    repo, work = _JOB
    before = dict(repo.skipped)
    out = []
    for f in chunk:
        data = repo.read(f)
        if data is not None:
            out.append((f, work(f, data)))
    delta = {k: v - before.get(k, 0) for k, v in repo.skipped.items() if v != before.get(k, 0)}
    return out, delta


def workers_for(repo: FileSource, count: int) -> int:
    """Processes to use: $SI_PAAS_WORKERS if set, else every core for a large work tree."""
    if not isinstance(repo, WorktreeSnapshot):
        return 1  # index and history read through one git pipe: not shareable across forks
    asked = os.environ.get(WORKERS_ENV, "")
    if asked.isdigit() and int(asked) > 0:
        return min(int(asked), max(count, 1))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if count < PARALLEL_MIN_FILES or (cores or 1) < 2:
        return 1
    return min(cores or 1, 8)


def map_files(repo: FileSource, files: Sequence[RepoFile],
              work: Callable[[RepoFile, bytes], T]) -> Iterator[tuple[RepoFile, T]]:
    """`work(file, bytes)` for every readable file, in order; skips are counted on `repo`."""
    global _JOB
    procs = workers_for(repo, len(files))
    if procs == 1:
        for f in files:
            data = repo.read(f)
            if data is not None:
                yield f, work(f, data)
        return
    _JOB = (repo, work)
    chunks = [list(files[i:i + _CHUNK]) for i in range(0, len(files), _CHUNK)]
    try:
        import multiprocessing  # only for large work trees; a staged scan never forks

        with multiprocessing.get_context("fork").Pool(procs) as pool:
            for results, skipped in pool.imap(_run_chunk, chunks):
                for reason, n in skipped.items():
                    repo.skipped[reason] = repo.skipped.get(reason, 0) + n
                yield from results
    finally:
        _JOB = None
