"""judge: the default pack, user folders and a repository's config make one verdict."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from si_paas.errors import InputError
from si_paas.services.judge import allowed_overrides, build_snapshot, current_repo, judge
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.state.layout import StateLayout

from conftest import write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    write(root / "README.md", "hello\n")
    return root.resolve()


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StateLayout:
    monkeypatch.setenv("SI_PAAS_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("GIT_DIR", "GIT_WORK_TREE"):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "state"
    root.mkdir(mode=0o700)
    return StateLayout(root)


def test_an_empty_state_root_passes_the_state_scope(layout: StateLayout) -> None:
    j = judge(build_snapshot(SnapshotSpec(layout)), "state")
    ids = {c.id for c in j.verdict.checks}
    assert (
        j.verdict.ok
        and {
            "state-root-outside-repo",
            "vault-outside-repo",
            "state-permissions",
            "no-cross-context-data",
            "oss-demo-public-safe",
        }
        <= ids
    )
    assert "no-plaintext-secrets" not in ids
    assert j.tuning() == {"path": None, "exclude": [], "disable": [], "policies": [], "overrides": []}


def test_doctor_scope_judges_the_repositories(layout: StateLayout, repo: Path) -> None:
    write(repo / ".env", "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC\n")
    j = judge(build_snapshot(SnapshotSpec(layout, paths=(repo, repo / "."))), "doctor")
    assert [r.root for r in j.snapshot.repos] == [repo]  # one snapshot per work tree
    assert not j.verdict.ok
    assert [c.id for c in j.verdict.failed()] == ["no-plaintext-secrets"]


def test_a_user_folder_adds_a_policy(layout: StateLayout, tmp_path: Path) -> None:
    write(
        tmp_path / "mine" / "p.yaml",
        """\
id: my-no-state-files
title: mine
severity: low
scopes: [state]
check: state.records_intact
remediation: fix it
""",
    )
    j = judge(build_snapshot(SnapshotSpec(layout)), "state", policy_dirs=[tmp_path / "mine"])
    mine = next(c for c in j.verdict.checks if c.id == "my-no-state-files")
    assert mine.ok and not mine.blocking


def test_a_repository_config_disables_and_excludes(layout: StateLayout, repo: Path) -> None:
    write(repo / ".si-paas.yaml", "disable: [oss-demo-public-safe]\nexclude: [fixtures/*]\n")
    write(repo / "fixtures" / ".env", "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC\n")
    j = judge(build_snapshot(SnapshotSpec(layout, paths=(repo,))), "doctor", config_repo=repo)
    off = next(c for c in j.verdict.checks if c.id == "oss-demo-public-safe")
    assert off.status == "disabled"
    assert j.tuning()["disable"] == ["oss-demo-public-safe"]
    assert j.tuning()["exclude"] == ["fixtures/*"]
    assert j.verdict.ok, [c.id for c in j.verdict.failed()]


def test_a_repository_config_cannot_disable_a_critical_policy(layout: StateLayout, repo: Path) -> None:
    write(repo / ".si-paas.yaml", "disable: [no-plaintext-secrets]\n")
    with pytest.raises(InputError) as err:
        judge(build_snapshot(SnapshotSpec(layout, paths=(repo,))), "doctor", config_repo=repo)
    assert ".si-paas.yaml" in err.value.message and "critical" in err.value.message


def test_allowed_overrides_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SI_PAAS_ALLOW_POLICY_OVERRIDE", " a, b,,c ")
    assert allowed_overrides() == frozenset({"a", "b", "c"})
    monkeypatch.delenv("SI_PAAS_ALLOW_POLICY_OVERRIDE")
    assert allowed_overrides() == frozenset()


def test_current_repo_inside_and_outside(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("GIT_DIR", "GIT_WORK_TREE"):
        monkeypatch.delenv(var, raising=False)
    (repo / "sub").mkdir()
    outside = tmp_path / "plain"
    outside.mkdir()
    assert current_repo(repo / "sub") == repo
    assert current_repo(outside) is None


def test_current_repo_is_the_tree_git_would_find(
    make_repo: Callable[..., Path], tmp_path: Path, env: dict[str, str]
) -> None:
    """A linked worktree and a submodule-style `gitdir:` file count; a stray `.git` does not."""
    repo = make_repo("main").resolve()
    linked = tmp_path / "linked"
    subprocess.run(["git", "-C", str(repo), "worktree", "add", "-q", str(linked)], env=env, check=True)
    (linked / "deep").mkdir()
    assert current_repo(linked / "deep") == linked.resolve()
    fake = repo / "vendor"
    fake.mkdir()
    (fake / ".git").write_text("not a gitdir line\n")  # passed over, as git does
    assert current_repo(fake) == repo
    (fake / ".git").unlink()
    (fake / ".git").mkdir()  # an empty folder named .git: not a git directory
    assert current_repo(fake) == repo
    (fake / ".git").rmdir()
    (fake / ".git").write_text(f"gitdir: {os.path.relpath(repo / '.git', fake)}\n")
    assert current_repo(fake) == fake
    gone = tmp_path / "gone"
    gone.mkdir()
    assert current_repo(gone / "missing") is None
