"""One builder from a frozen spec; checks called directly on what it builds (in process)."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from si_paas.engine.checks.private_state import no_private_state
from si_paas.engine.checks.secrets import no_plaintext_secrets
from si_paas.engine.policy import load_policies
from si_paas.services.judge import build_snapshot, judge
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.snapshot.worktree import DEFAULT_MAX_FILE_SIZE
from si_paas.state.layout import StateLayout

TOKEN = "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC\n"


def _policy(pid: str):  # type: ignore[no-untyped-def]
    [found] = [p for p in load_policies() if p.id == pid]
    return found


def _repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_excludes_are_read_when_the_snapshot_is_built(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path / "repo",
        {".si-paas.yaml": "exclude: ['vendor/*']\n", "vendor/lib/.env": TOKEN, "app/.env": TOKEN},
    )
    snap = build_snapshot(SnapshotSpec(StateLayout(tmp_path / "state"), paths=(repo,)))
    [source] = snap.repos
    assert source.exclude == ("vendor/*",)
    policy = _policy("no-plaintext-secrets")
    found = no_plaintext_secrets(snap, dict(policy.params), policy)
    assert [f.extra["relpath"] for f in found] == ["app/.env"]
    assert source.skipped == {"excluded by .si-paas.yaml": 1}
    unexcluded = build_snapshot(SnapshotSpec(StateLayout(tmp_path / "state"), paths=(repo,), excludes=False))
    assert len(no_plaintext_secrets(unexcluded, dict(policy.params), policy)) == 2


def test_size_cap_comes_from_the_spec_and_changes_no_source(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {"app/.env": TOKEN})
    snap = build_snapshot(SnapshotSpec(StateLayout(tmp_path / "state"), paths=(repo,), max_file_size=10))
    policy = _policy("no-plaintext-secrets")
    assert no_plaintext_secrets(snap, dict(policy.params), policy) == []
    [source] = snap.repos
    assert source.skipped == {"larger than 10 bytes": 1}
    assert source.max_file_size == DEFAULT_MAX_FILE_SIZE  # read with the cap, not set to it


def test_a_built_snapshot_cannot_be_reconfigured(tmp_path: Path) -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    spec = SnapshotSpec(
        StateLayout(tmp_path / "state"),
        now=now,
        deploy={"app": "web"},
        overlay_vault_values={"fp": [("ctx", "KEY", "internal")]},
        env={"SI_PAAS_X": "1"},
    )
    snap = build_snapshot(spec)
    assert (snap.now, snap.deploy, snap.env["SI_PAAS_X"]) == (now, {"app": "web"}, "1")
    assert snap.state.overlay_vault_values == {"fp": [("ctx", "KEY", "internal")]}
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.now = datetime.now(UTC)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.max_file_size = 1  # type: ignore[misc]


def test_private_state_found_by_content_in_memory(tmp_path: Path) -> None:
    vault = "# si-paas vault, format 1. Values are sealed.\n"
    repo = _repo(
        tmp_path / "repo",
        {"ops/notes.txt": vault, "README.md": "hello\n", ".si/paas/current_context": "prod\n"},
    )
    snap = build_snapshot(SnapshotSpec(StateLayout(tmp_path / "state"), paths=(repo,)))
    policy = _policy("no-repo-private-state")
    found = no_private_state(snap, dict(policy.params), policy)
    assert sorted((f.extra["relpath"], f.rule) for f in found) == [
        (".si/paas/current_context", "state-current-context"),
        ("ops/notes.txt", "vault-copy"),
    ]
    verdict = judge(snap, "ci").verdict  # the same snapshot judged whole gives the same
    [check] = [c for c in verdict.checks if c.id == "no-repo-private-state"]
    assert len(check.findings) == 2


def test_location_facts_are_read_once_per_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from si_paas.engine.checks.location import state_root_outside_repo
    from si_paas.snapshot import pathfacts

    repo = _repo(tmp_path / "repo", {"README.md": "hello\n"})
    (repo / ".si" / "paas").mkdir(parents=True)
    snap = build_snapshot(SnapshotSpec(StateLayout(repo / ".si" / "paas")))
    policy = _policy("state-root-outside-repo")
    first = state_root_outside_repo(snap, dict(policy.params), policy)
    assert [f.extra["repo"] for f in first] == [str(repo.resolve())]

    def no_disk(*_: object) -> None:
        raise AssertionError("asked the disk again")

    monkeypatch.setattr(pathfacts, "holding_worktree", no_disk)
    monkeypatch.setattr(pathfacts, "real", no_disk)
    assert state_root_outside_repo(snap, dict(policy.params), policy) == first
