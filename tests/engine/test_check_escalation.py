"""escalation.condition: the findings of named check kinds, kept for one context type by
the finding's context, else by the vault file it names."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

from si_paas.engine.checks.escalation import _of_type
from si_paas.findings import Finding

from statehelp import context, put, run_check, shipped, snapshot

CONDITION = shipped("escalate-2-internal-vault-in-repo")


def _condition(checks: list[str], context_type: str | None) -> Any:
    return replace(CONDITION, params={"checks": checks, "context_type": context_type})


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "GIT_DIR": "",
        "GIT_WORK_TREE": "",
        "SI_PAAS_KEY_DIR": str(tmp_path / "keys"),
        "SI_PAAS_FINGERPRINT_KEY_FILE": str(tmp_path / "fingerprint.key"),
    }


def test_a_finding_naming_its_context_is_kept_by_that_context_type(tmp_path: Path) -> None:
    """Two contexts share one vault file inside a repository: each finding names its own
    context, so each type keeps its own finding, not the other's."""
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    state = tmp_path / "state"
    shared = str(repo / "ops" / "shared.env")
    context(state, "dog", "internal-dogfood", 1, vault_file=shared)
    context(state, "demo", "oss-demo", 2, vault_file=shared)
    snap = snapshot(state, env=_env(tmp_path))
    for ctype, name in (("internal-dogfood", "dog"), ("oss-demo", "demo")):
        found = run_check(_condition(["vault.outside_repo"], ctype), snap)
        assert [f.extra["context"] for f in found] == [name]
        assert all(f.extra["check"] == "vault.outside_repo" and f.rule == CONDITION.id for f in found)
    assert len(run_check(_condition(["vault.outside_repo"], None), snap)) == 2


def test_a_finding_on_a_vault_file_is_kept_by_its_context_type(tmp_path: Path) -> None:
    """Group-readable vaults of both types: a permissions finding names no context, only
    the vault file, and is kept for the type of the context whose vault it is."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    context(state, "dog", "internal-dogfood", 1)
    context(state, "demo", "oss-demo", 2)
    put(state, "contexts/dog/vault/secrets.env", "x", mode=0o640)
    put(state, "contexts/demo/vault/secrets.env", "x", mode=0o640)
    snap = snapshot(state, env=_env(tmp_path))
    every = run_check(_condition(["state.permissions"], None), snap)
    assert sorted(Path(f.path).parts[-3] for f in every) == ["demo", "dog"]
    for ctype, name in (("internal-dogfood", "dog"), ("oss-demo", "demo")):
        found = run_check(_condition(["state.permissions"], ctype), snap)
        assert [Path(str(f.path)).parts[-3] for f in found] == [name], ctype


def test_a_finding_with_neither_context_nor_path_is_of_no_type(tmp_path: Path) -> None:
    state = tmp_path / "state"
    context(state, "dog", "internal-dogfood", 1)
    snap = snapshot(state, env=_env(tmp_path))
    assert _of_type(snap, Finding(rule="r", message="m"), "internal-dogfood") is False
    assert _of_type(snap, Finding(rule="r", message="m", extra={"context": "dog"}), "internal-dogfood")
    assert not _of_type(snap, Finding(rule="r", message="m", extra={"context": "gone"}), "internal-dogfood")
