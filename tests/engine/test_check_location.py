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
    return {
        **CLEAN,
        "SI_PAAS_KEY_DIR": str(tmp_path / "keys"),
        "SI_PAAS_FINGERPRINT_KEY_FILE": str(tmp_path / "fingerprint.key"),
    }


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


def test_a_state_root_inside_a_plain_folder_in_view_fails(tmp_path: Path, env: dict[str, str]) -> None:
    """A folder judged as a repository (`scan DIR` of a plain folder) holds the state root."""
    folder = tmp_path / "project"
    state = folder / "ops" / "state"
    context(state, "demo", "oss-demo", 1)
    assert run_check(ROOT, snapshot(state, env=env)) == []  # not in view: no work tree above
    findings = run_check(ROOT, snapshot(state, repos=(folder,), env=env))
    assert [(f.path, f.extra["repo"]) for f in findings] == [(str(state), str(folder))]
    assert "inside git work tree" in findings[0].message


def test_a_state_root_linked_into_a_folder_in_view_fails(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "project"
    real_state = folder / "state"
    context(real_state, "demo", "oss-demo", 1)
    link = tmp_path / "paas"
    link.symlink_to(real_state)
    findings = run_check(ROOT, snapshot(link, repos=(folder,), env=env))
    assert len(findings) == 1 and "resolves to" in findings[0].message


def test_a_component_linked_into_a_folder_in_view_fails(tmp_path: Path, env: dict[str, str]) -> None:
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


def test_a_vault_in_a_git_work_tree_fails_whether_or_not_it_exists(
    tmp_path: Path, env: dict[str, str]
) -> None:
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


def test_a_state_root_not_made_yet_passes(tmp_path: Path, env: dict[str, str]) -> None:
    assert run_check(ROOT, snapshot(tmp_path / "not-yet", env=env)) == []
    assert run_check(VAULT, snapshot(tmp_path / "not-yet", env=env)) == []


def test_every_link_is_judged_after_one_that_stays_outside(tmp_path: Path, env: dict[str, str]) -> None:
    repo = _git_repo(tmp_path / "repo")
    (repo / "logs").mkdir()
    (tmp_path / "private").mkdir()
    state = tmp_path / "state"
    ctx = context(state, "demo", "oss-demo", 1)
    (ctx / "a-outside").symlink_to(tmp_path / "private")
    (ctx / "b-inside").symlink_to(repo / "logs")
    findings = run_check(ROOT, snapshot(state, env=env))
    assert [f.extra["component"] for f in findings] == ["contexts/demo/b-inside"]


def test_a_key_linked_into_a_repository_from_a_key_directory_outside(
    tmp_path: Path, env: dict[str, str]
) -> None:
    repo = _git_repo(tmp_path / "repo")
    (repo / "k.key").write_text("a2V5\n")
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "ctx_1.key").symlink_to(repo / "k.key")
    state = tmp_path / "state"
    state.mkdir()
    findings = run_check(VAULT, snapshot(state, env=env))
    assert [f.extra.get("component") for f in findings] == ["ctx_1.key"]
    assert "of the key directory" in findings[0].message


@pytest.mark.parametrize("linked", [False, True])
def test_a_key_directory_in_a_repository_says_how(tmp_path: Path, env: dict[str, str], linked: bool) -> None:
    repo = _git_repo(tmp_path / "repo")
    (repo / "keys").mkdir()
    keys = tmp_path / "keys-link" if linked else repo / "keys"
    if linked:
        keys.symlink_to(repo / "keys")
    state = tmp_path / "state"
    state.mkdir()
    findings = run_check(VAULT, snapshot(state, env={**env, "SI_PAAS_KEY_DIR": str(keys)}))
    assert len(findings) == 1 and findings[0].path == str(keys)
    assert ("(resolves to " in findings[0].message) is linked


@pytest.mark.parametrize("linked", [False, True])
def test_a_fingerprint_key_file_in_a_repository(tmp_path: Path, env: dict[str, str], linked: bool) -> None:
    repo = _git_repo(tmp_path / "repo")
    (repo / "fingerprint.key").write_text("a2V5\n")
    path = tmp_path / "fp-link" if linked else repo / "fingerprint.key"
    if linked:
        path.symlink_to(repo / "fingerprint.key")
    state = tmp_path / "state"
    state.mkdir()
    mine = {**env, "SI_PAAS_FINGERPRINT_KEY": "", "SI_PAAS_FINGERPRINT_KEY_FILE": str(path)}
    findings = run_check(VAULT, snapshot(state, env=mine))
    assert [(f.path, f.extra["component"]) for f in findings] == [(str(path), "fingerprint key")]
    assert ("(resolves to " in findings[0].message) is linked
    # a key given in the environment is the key's source: the file is not used, not judged
    given = {**mine, "SI_PAAS_FINGERPRINT_KEY": "dGVzdA=="}
    assert run_check(VAULT, snapshot(state, env=given)) == []


def test_a_fingerprint_key_file_outside_or_missing_passes(tmp_path: Path, env: dict[str, str]) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (tmp_path / "fingerprint.key").write_text("a2V5\n")
    mine = {**env, "SI_PAAS_FINGERPRINT_KEY": ""}
    assert run_check(VAULT, snapshot(state, env=mine)) == []
    missing = {**mine, "SI_PAAS_FINGERPRINT_KEY_FILE": str(tmp_path / "none.key")}
    assert run_check(VAULT, snapshot(state, env=missing)) == []
