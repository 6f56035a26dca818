"""Forked workers for file scanning, in process: real forks give what one process gives."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from si_paas.detect.chunks import Content
from si_paas.engine import parallel
from si_paas.engine.parallel import MAX_WORKERS, WORKERS_ENV, cores, map_files, workers_for
from si_paas.snapshot.gitobjects import HistorySnapshot, IndexSnapshot
from si_paas.snapshot.snapshot import FileSource
from si_paas.snapshot.worktree import RepoFile, WorktreeSnapshot

from statehelp import git

two_cores = pytest.mark.skipif(cores() < 2, reason="one core: every count gives one process")
BLOBS = 250  # one history chunk


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository of BLOBS small files and one over the cap of 100 bytes, in one commit."""
    root = tmp_path_factory.mktemp("history")
    for i in range(BLOBS):
        (root / f"f{i:03d}.txt").write_text(f"line {i}\n")
    (root / "large.txt").write_text("x" * 200)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def _tree(root: Path) -> WorktreeSnapshot:
    """A folder of 450 files (three chunks): a link and two files over the cap among them."""
    root.mkdir()
    for i in range(450):
        (root / f"f{i:03d}.txt").write_text(f"value {i}\n" if i % 3 else "# si-paas vault, format 1.\n")
    (root / "f100.txt").write_text("x" * 200)
    (root / "f300.txt").write_text("x" * 200)
    (root / "f250.txt").unlink()
    (root / "f250.txt").symlink_to(root / "f001.txt")
    return WorktreeSnapshot(root=root, is_git=False)


def _work(f: RepoFile, data: Content) -> tuple[int, int]:
    return len(data), os.getpid()


def _run(
    repo: FileSource,
    workers: str,
    monkeypatch: pytest.MonkeyPatch,
    work: Callable[[RepoFile, Content], object],
) -> list[tuple[str, object]]:
    monkeypatch.setenv(WORKERS_ENV, workers)
    return [(f.relpath, out) for f, out in map_files(repo, repo.files, work, 100)]


@two_cores
def test_workers_give_the_results_skips_and_heads_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone, forked = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    for repo in (alone, forked):
        repo.skipped["excluded"] = 3  # counted while listing, before any worker starts
    one = _run(alone, "1", monkeypatch, _work)
    two = _run(forked, "2", monkeypatch, _work)
    assert [(p, n) for p, (n, _) in one] == [(p, n) for p, (n, _) in two]
    assert len(one) == 447 and one[0] == ("f000.txt", (27, os.getpid()))
    assert {pid for _, (_, pid) in one} == {os.getpid()}  # one process: no fork
    assert os.getpid() not in {pid for _, (_, pid) in two}
    assert (
        alone.skipped
        == forked.skipped
        == {
            "excluded": 3,
            "larger than 100 bytes": 2,
            "not a regular file": 1,
        }
    )
    assert alone.heads == forked.heads and len(forked.heads) == 447
    assert (alone.__dict__["workers"], forked.__dict__["workers"]) == (1, 2)
    _run(forked, "1", monkeypatch, _work)
    assert forked.__dict__["workers"] == 2  # the most a scan of it used


def _progress(log: Path) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        with open(log, "a") as fh:  # a file: a worker's report would show here too
            fh.write(f"{done}/{total}\n")

    return report


@two_cores
@pytest.mark.parametrize("workers", ["1", "2"])
def test_history_progress_is_counted_once_per_blob(
    history_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    log = tmp_path / "progress"
    log.touch()
    repo = HistorySnapshot(root=history_repo, progress=_progress(log))
    out = _run(repo, workers, monkeypatch, _work)
    assert len(out) == BLOBS and repo.skipped == {"larger than 100 bytes": 1}
    total = BLOBS + 1
    if workers == "1":  # each blob as it is read
        assert log.read_text().split() == [f"{n}/{total}" for n in range(1, total + 1)]
    else:  # the parent counts whole chunks; a worker reports nothing
        assert log.read_text().split() == [f"{total}/{total}"]
        assert len(repo.heads) == BLOBS


@two_cores
def test_history_on_two_workers_reads_what_one_reads(
    history_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone, forked = HistorySnapshot(root=history_repo), HistorySnapshot(root=history_repo)
    one = _run(alone, "1", monkeypatch, lambda f, data: bytes(data))
    two = _run(forked, "2", monkeypatch, lambda f, data: bytes(data))
    assert one == two and len(one) == BLOBS
    assert alone.heads == forked.heads and alone.skipped == forked.skipped


@two_cores
def test_a_worker_error_reaches_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _tree(tmp_path / "tree")

    def work(f: RepoFile, data: Content) -> int:
        if f.relpath == "f420.txt":
            raise ValueError(f"cannot judge {f.relpath}")
        return len(data)

    with pytest.raises(ValueError, match="cannot judge f420.txt"):
        _run(repo, "2", monkeypatch, work)
    assert parallel._JOB is None  # nothing of the failed scan stays behind


@two_cores
@pytest.mark.parametrize(
    ("kind", "asked", "count", "expected"),
    [
        ("tree", None, 1999, 1),  # a small scan: starting workers costs more than it saves
        ("tree", None, 2000, "limit"),
        ("tree", None, 1500, 1),
        ("history", None, 999, 1),
        ("history", None, 1000, "limit"),
        ("history", None, 1500, "limit"),
        ("tree", "2", 5, 2),
        ("tree", "2", 1, 1),  # never more than one per file
        ("tree", "2", 0, 1),
        ("tree", "1", 5000, 1),
        ("history", "1", 5000, 1),
        ("tree", "64", 5000, "limit"),  # never more than the cores
        ("tree", "0", 5000, "limit"),  # not a number of processes: the default
        ("tree", "0", 5, 1),
        ("tree", "two", 5000, "limit"),
        ("tree", "-2", 5, 1),
        ("index", "2", 5000, 1),  # the pre-commit hook never forks
        ("index", None, 5000, 1),
    ],
)
def test_workers_for(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    asked: str | None,
    count: int,
    expected: int | str,
) -> None:
    if asked is None:
        monkeypatch.delenv(WORKERS_ENV, raising=False)
    else:
        monkeypatch.setenv(WORKERS_ENV, asked)
    repo: FileSource = {
        "tree": WorktreeSnapshot(root=tmp_path, is_git=False),
        "history": HistorySnapshot(root=tmp_path),
        "index": IndexSnapshot(root=tmp_path),
    }[kind]
    limit = min(cores(), MAX_WORKERS)
    assert workers_for(repo, count) == (limit if expected == "limit" else expected)


def test_cores_are_those_this_process_may_run_on(monkeypatch: pytest.MonkeyPatch) -> None:
    allowed = os.sched_getaffinity(0)
    assert cores() == len(allowed)
    try:
        os.sched_setaffinity(0, {min(allowed)})
        assert cores() == 1
    finally:
        os.sched_setaffinity(0, allowed)
    monkeypatch.delattr(os, "sched_getaffinity")  # as where the platform cannot tell
    assert cores() == (os.cpu_count() or 1)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert cores() == 1
