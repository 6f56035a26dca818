"""state.root_outside_repo and vault.outside_repo: inside a work tree or a folder in view."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from statehelp import context, run_check, shipped, snapshot

ROOT = shipped("state-root-outside-repo")
VAULT = shipped("vault-outside-repo")
CLEAN = {"GIT_DIR": "", "GIT_WORK_TREE": ""}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**CLEAN, "SI_PAAS_KEY_DIR": str(tmp_path / "keys"),
            "SI_PAAS_FINGERPRINT_KEY_FILE": str(tmp_path / "fingerprint.key")}


def _git_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)
    return path


def test_a_state_root_beside_every_repository_passes(tmp_path: Path, env: dict[str, str]) -> None:
    repo = _git_repo(tmp_path / "repo")
    state = tmp_path / "repo-state"  # a sibling sharing the repository's name as a prefix
    context(state, "demo", "oss-demo", 1)
    assert run_check(ROOT, snapshot(state, repos=(repo,), env=env)) == []
    assert run_check(VAULT, snapshot(state, repos=(repo,), env=env)) == []


def test_a_state_root_in_a_git_work_tree_fails(tmp_path: Path, env: dict[str, str]) -> None:
    repo = _git_repo(tmp_path / "repo")
    state = repo / "ops" / "state"
    context(state, "demo", "oss-demo", 1)
    findings = run_check(ROOT, snapshot(state, env=env))
    assert [(f.path, f.extra["repo"]) for f in findings] == [(str(state), str(repo))]


def test_a_state_root_inside_a_plain_folder_in_view_fails(tmp_path: Path,
                                                         env: dict[str, str]) -> None:
    """A folder judged as a repository (`scan DIR` of a plain folder) holds the state root."""
    folder = tmp_path / "project"
    state = folder / "ops" / "state"
    context(state, "demo", "oss-demo", 1)
    assert run_check(ROOT, snapshot(state, env=env)) == []  # not in view: no work tree above
    findings = run_check(ROOT, snapshot(state, repos=(folder,), env=env))
    assert [(f.path, f.extra["repo"]) for f in findings] == [(str(state), str(folder))]
    assert "inside git work tree" in findings[0].message


def test_a_state_root_linked_into_a_folder_in_view_fails(tmp_path: Path,
                                                        env: dict[str, str]) -> None:
    folder = tmp_path / "project"
    real_state = folder / "state"
    context(real_state, "demo", "oss-demo", 1)
    link = tmp_path / "paas"
    link.symlink_to(real_state)
    findings = run_check(ROOT, snapshot(link, repos=(folder,), env=env))
    assert len(findings) == 1 and "resolves to" in findings[0].message


def test_a_component_linked_into_a_folder_in_view_fails(tmp_path: Path,
                                                       env: dict[str, str]) -> None:
    folder = tmp_path / "project"
    (folder / "logs").mkdir(parents=True)
    state = tmp_path / "state"
    ctx = context(state, "demo", "oss-demo", 1)
    (ctx / "events").symlink_to(folder / "logs")
    assert run_check(ROOT, snapshot(state, env=env)) == []
    findings = run_check(ROOT, snapshot(state, repos=(folder,), env=env))
    assert [f.extra["component"] for f in findings] == ["contexts/demo/events"]


def test_a_vault_inside_a_plain_folder_in_view_fails(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    state = tmp_path / "state"
    context(state, "demo", "oss-demo", 1, vault_file=str(folder / "secrets.env"))
    assert run_check(VAULT, snapshot(state, env=env)) == []
    findings = run_check(VAULT, snapshot(state, repos=(folder,), env=env))
    assert [(f.extra["context"], f.extra["repo"]) for f in findings] == [("demo", str(folder))]


def test_a_vault_in_a_git_work_tree_fails_whether_or_not_it_exists(tmp_path: Path,
                                                                  env: dict[str, str]) -> None:
    repo = _git_repo(tmp_path / "repo")
    state = tmp_path / "state"
    context(state, "demo", "oss-demo", 1, vault_file=str(repo / "deep" / "v.env"))
    findings = run_check(VAULT, snapshot(state, env=env))
    assert len(findings) == 1 and findings[0].path == str(repo / "deep" / "v.env")


def test_the_key_directory_in_a_folder_in_view_fails(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "project"
    (folder / "keys").mkdir(parents=True)
    state = tmp_path / "state"
    state.mkdir()
    mine = {**env, "SI_PAAS_KEY_DIR": str(folder / "keys")}
    assert run_check(VAULT, snapshot(state, env=mine)) == []
    findings = run_check(VAULT, snapshot(state, repos=(folder,), env=mine))
    assert [f.extra["component"] for f in findings] == ["key directory"]
