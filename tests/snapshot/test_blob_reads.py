"""Staged blob reads: one `git cat-file --batch-command` for a few blobs, two processes for
many; both give the same sizes, contents and skips."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from si_paas.snapshot import gitobjects
from si_paas.snapshot.gitobjects import IndexSnapshot, blob_sizes, sized_blobs, stream_blobs


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    (root / "seed.txt").write_text("seed\n")
    _git(root, "add", "seed.txt")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "seed")
    return root


def _hash(repo: Path, data: bytes) -> str:
    path = repo.parent / "blob.tmp"
    path.write_bytes(data)
    return _git(repo, "hash-object", "-w", str(path)).strip()


def test_one_process_gives_what_two_give(repo: Path) -> None:
    small, big = _hash(repo, b"a = 1\n"), _hash(repo, b"x" * 5000)
    empty, missing = _hash(repo, b""), "1" * 40
    shas = [small, big, empty, missing]
    found = sized_blobs(repo, shas, 1000)
    assert found is not None
    sizes, contents = found
    assert sizes == blob_sizes(repo, shas) == {small: 6, big: 5000, empty: 0, missing: None}
    read = list(contents)
    assert read == [(small, b"a = 1\n"), (empty, b"")]  # the big blob is never read
    assert read == list(stream_blobs(repo, [small, empty]))


def test_many_blobs_or_an_unnamed_one_take_two_processes(repo: Path) -> None:
    one = _hash(repo, b"one\n")
    assert sized_blobs(repo, [one] * (gitobjects.ONE_PROCESS_BLOBS + 1), 100) is None
    assert sized_blobs(repo, [one, ""], 100) is None
    assert sized_blobs(repo, [], 100) is None


@pytest.mark.parametrize("one_process", [True, False])
def test_staged_reads_are_the_same_either_way(
    repo: Path, one_process: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not one_process:
        monkeypatch.setattr(gitobjects, "ONE_PROCESS_BLOBS", 0)
    (repo / "a.py").write_text("token = 1\n")
    (repo / "b.py").write_text("token = 1\n")  # the same blob under two paths
    (repo / "big.bin").write_bytes(b"\0" * 4096)
    _git(repo, "add", "a.py", "b.py", "big.bin")
    snap = IndexSnapshot(repo, max_file_size=1024)
    read = [(f.relpath, data) for f, data in snap.read_all(snap.files)]
    assert read == [("a.py", b"token = 1\n"), ("b.py", b"token = 1\n")]
    assert snap.skipped == {"larger than 1024 bytes": 1}
