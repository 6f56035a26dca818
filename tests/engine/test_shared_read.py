"""The secret scan's read of a file serves the private-state content check: in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from si_paas.engine.evaluate import evaluate
from si_paas.engine.parallel import WORKERS_ENV
from si_paas.engine.policy import load_policies
from si_paas.snapshot.heads import HEAD_BYTES
from si_paas.snapshot.snapshot import Snapshot
from si_paas.snapshot.state import StateSnapshot
from si_paas.snapshot.worktree import RepoFile, WorktreeSnapshot
from si_paas.state.layout import StateLayout

VAULT = "# si-paas vault, format 1. Values are sealed.\nDB=ENC[v1,AAAAAAAAAAAAAAAA,"
VAULT += "B" * 40 + "]\n"


def _tree(root: Path) -> None:
    (root / "src").mkdir()
    for i in range(30):
        (root / "src" / f"m{i}.py").write_text(f"def f{i}():\n    return {i}\n" * 40)
    (root / "notes.txt").write_text(VAULT)  # a vault under another name
    (root / "empty.py").write_text("")
    (root / "big.txt").write_text("x = 1\n" * (HEAD_BYTES // 3))


def _findings(snap: Snapshot, policy_id: str) -> list[str]:
    verdict = evaluate(load_policies(), snap, "ci")
    [check] = [c for c in verdict.checks if c.id == policy_id]
    return [f.extra["relpath"] for f in check.findings]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_content_check_never_opens_a_file_the_scan_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    _tree(root)
    monkeypatch.setenv(WORKERS_ENV, workers)  # "2": forked workers send the facts back
    repo = WorktreeSnapshot(root=root, is_git=False)
    peeked: list[str] = []
    real_peek = WorktreeSnapshot.peek

    def peek(self: WorktreeSnapshot, f: RepoFile, limit: int) -> bytes | None:
        peeked.append(f.relpath)
        return real_peek(self, f, limit)

    monkeypatch.setattr(WorktreeSnapshot, "peek", peek)
    snap = Snapshot(state=StateSnapshot(StateLayout(tmp_path / "state")), repos=(repo,))
    assert _findings(snap, "no-repo-private-state") == ["notes.txt"]
    assert peeked == []  # every head came from the secret scan's read
    assert set(repo.heads) == {f.relpath for f in repo.files}
    assert repo.heads["src/m0.py"] is None and repo.heads["empty.py"] == b""
    assert repo.heads["notes.txt"] == VAULT.encode()


def test_files_the_scan_does_not_read_are_peeked(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "dump.bin").write_bytes(VAULT.encode() + b"\0" * 64)
    repo = WorktreeSnapshot(root=root, is_git=False)
    [f] = repo.files
    assert repo.heads == {}
    assert repo.content_head(f) == VAULT.encode() + b"\0" * 64  # peeked: never read
    assert repo.read(f) is not None and repo.heads == {"dump.bin": repo.content_head(f)}


def test_read_counts_what_it_skips(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "real.txt").write_text("hello\n")
    (root / "link.txt").symlink_to(root / "real.txt")
    (root / "dir").mkdir()
    (root / "large.txt").write_bytes(b"a" * 33)
    repo = WorktreeSnapshot(root=root, is_git=False, max_file_size=32)
    got = {
        name: repo.read(RepoFile(name, "file"))
        for name in ("real.txt", "link.txt", "dir", "large.txt", "gone.txt")
    }
    assert got == {"real.txt": b"hello\n", "link.txt": None, "dir": None, "large.txt": None, "gone.txt": None}
    assert repo.skipped == {"not a regular file": 3, "larger than 32 bytes": 1}
    assert set(repo.heads) == {"real.txt"}
