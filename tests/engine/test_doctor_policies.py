"""Each default policy passes and fails on real directories and real git repos."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import Run, git


def _check(doc: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(c for c in doc["checks"] if c["id"] == pid)


def _failing(doc: dict[str, Any]) -> set[str]:
    return {c["id"] for c in doc["checks"] if not c["ok"]}


def test_clean_baseline_is_ok(baseline: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={"app.py": "print('hi')\n", ".env.example": "API_TOKEN=${API_TOKEN}\n"})
    run = baseline("paas", "doctor", "--json", cwd=repo)
    assert run.code == 0, run.stdout
    doc = run.json
    assert doc["ok"] is True and doc["repos"] == [str(repo.resolve())]
    assert doc["summary"]["failed"] == 0 and doc["summary"]["total"] >= 7
    human = baseline("paas", "doctor", cwd=repo)
    assert human.code == 0 and "PASS" in human.stdout and "ok:" in human.stdout


def test_state_root_inside_repo(si: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo()
    inside = {"SI_PAAS_STATE_ROOT": str(repo / "ops" / "state")}
    refused = si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", extra_env=inside)
    assert refused.code == 1 and "state-root-outside-repo" in refused.stderr
    assert not (repo / "ops").exists()
    override = {**inside, "SI_PAAS_ALLOW_REPO_STATE": "true"}
    run = si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", extra_env=override)
    assert run.code == 0, run.stderr
    assert "UNSAFE" in run.stderr and "SI_PAAS_ALLOW_REPO_STATE" in run.stderr
    audit = (repo / "ops/state/contexts/oss-demo/events/audit.jsonl").read_text()
    assert "unsafe_override" in audit
    doctor = si("paas", "doctor", "--json", extra_env=override)
    assert doctor.code == 1 and "state-root-outside-repo" in _failing(doctor.json)


def test_symlinked_state_root_into_repo(
    si: Callable[..., Run], make_repo: Callable[..., Path], home: Path
) -> None:
    repo = make_repo()
    (repo / "hidden").mkdir()
    link = home / "paas-link"
    link.symlink_to(repo / "hidden")
    env = {"SI_PAAS_STATE_ROOT": str(link), "SI_PAAS_ALLOW_REPO_STATE": "1"}
    assert si("paas", "context", "init", "--name", "a", "--type", "oss-demo", extra_env=env).code == 0
    doc = si("paas", "doctor", "--json", extra_env=env).json
    finding = _check(doc, "state-root-outside-repo")["findings"][0]
    assert "resolves to" in finding["message"] and str(repo) in finding["message"]


def test_vault_mapped_into_repo(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path, env: dict[str, str]
) -> None:
    repo = make_repo()
    refused = si(
        "paas",
        "context",
        "init",
        "--name",
        "internal-dogfood",
        "--type",
        "internal-dogfood",
        "--vault-file",
        str(repo / "secrets.env"),
    )
    assert refused.code == 1 and "vault-outside-repo" in refused.stderr
    vaults = tmp_path / "vaults"
    vaults.mkdir()
    assert (
        si(
            "paas",
            "context",
            "init",
            "--name",
            "internal-dogfood",
            "--type",
            "internal-dogfood",
            "--vault-file",
            str(vaults / "v.env"),
        ).code
        == 0
    )
    assert si("paas", "doctor", "--json").code == 0
    git(vaults, env, "init", "-q")  # the folder later becomes a work tree
    doc = si("paas", "doctor", "--json").json
    assert _failing(doc) == {"vault-outside-repo"}


def test_context_dir_copied_into_repo(
    baseline: Callable[..., Run], make_repo: Callable[..., Path], state_root: Path, env: dict[str, str]
) -> None:
    repo = make_repo(files={".gitignore": "ignored/\n", "README.md": "x\n"})
    src = state_root / "contexts" / "oss-demo"
    for sub in ("tracked", "untracked", "ignored"):
        shutil.copytree(src, repo / sub / ".si" / "paas" / "contexts" / "oss-demo")
    git(repo, env, "add", "tracked")
    doc = baseline("paas", "doctor", "--json", cwd=repo).json
    check = _check(doc, "no-repo-private-state")
    assert check["ok"] is False and doc["ok"] is False
    statuses = {
        f["path"].split(str(repo) + "/")[1].split("/")[0]: f["extra"]["git_status"] for f in check["findings"]
    }
    assert statuses == {"tracked": "tracked", "untracked": "untracked", "ignored": "ignored"}


def test_env_file_with_api_token(baseline: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    token = "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"
    repo = make_repo(files={".env": f"API_TOKEN={token}\n"})
    run = baseline("paas", "doctor", "--json", cwd=repo)
    assert run.code == 1
    check = _check(run.json, "no-plaintext-secrets")
    assert check["findings"][0]["path"].endswith("/.env") and check["findings"][0]["line"] == 1
    assert token not in run.stdout and token not in run.stderr
    human = baseline("paas", "doctor", cwd=repo)
    assert human.code == 1 and token not in human.stdout and "secret set" in human.stdout


def test_same_host_in_both_contexts(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    assert (
        si(
            "paas",
            "--context",
            "internal-dogfood",
            "target",
            "add",
            "web",
            "--host",
            "10.0.0.5",
            "--port",
            "22",
        ).code
        == 0
    )
    refused = si(
        "paas",
        "--context",
        "oss-demo",
        "target",
        "add",
        "web",
        "--host",
        "10.0.0.5",
        "--port",
        "22",
        "--disposable",
    )
    assert refused.code == 1 and "no-cross-context-data" in refused.stderr
    # Contamination made by hand is still found.
    internal = json.loads((state_root / "contexts/internal-dogfood/targets.json").read_text())
    oss_cfg = json.loads((state_root / "contexts/oss-demo/config.json").read_text())
    record = {
        **internal["items"][0],
        "context": "oss-demo",
        "context_id": oss_cfg["context_id"],
        "disposable": True,
    }
    doc = {"schema_version": 1, "context": "oss-demo", "context_id": oss_cfg["context_id"], "items": [record]}
    path = state_root / "contexts/oss-demo/targets.json"
    path.write_text(json.dumps(doc))
    os.chmod(path, 0o600)
    run = si("paas", "doctor", "--json")
    assert run.code == 1
    assert _failing(run.json) == {"no-cross-context-data", "oss-demo-public-safe"}
    msg = _check(run.json, "no-cross-context-data")["findings"][0]["message"]
    assert "host 10.0.0.5 " in msg and "internal-dogfood" in msg and "oss-demo" in msg


def test_context_copied_by_hand(baseline: Callable[..., Run], state_root: Path) -> None:
    shutil.copytree(state_root / "contexts/oss-demo", state_root / "contexts/oss-demo-2")
    run = baseline("paas", "doctor", "--json")
    messages = [f["message"] for f in _check(run.json, "no-cross-context-data")["findings"]]
    assert any("share context_id" in m for m in messages)
    assert any("config.json names 'oss-demo' but lives in 'oss-demo-2'" in m for m in messages)
    assert run.code == 1


def test_event_with_another_contexts_id(baseline: Callable[..., Run], state_root: Path) -> None:
    internal = json.loads((state_root / "contexts/internal-dogfood/config.json").read_text())
    line = {
        "time": "2026-01-01T00:00:00Z",
        "kind": "deploy",
        "context": "oss-demo",
        "context_id": internal["context_id"],
        "actor": "x",
        "command": "deploy",
        "status": "ok",
    }
    log = state_root / "contexts/oss-demo/events/deployments.jsonl"
    with log.open("a") as handle:
        handle.write(json.dumps(line) + "\n")
    os.chmod(log, 0o600)
    run = baseline("paas", "--context", "oss-demo", "doctor", "--json")
    assert run.code == 1
    finding = _check(run.json, "no-cross-context-data")["findings"][0]
    assert "internal-dogfood" in finding["message"] and finding["line"] == 1
    # Judging only the other context does not blame it for oss-demo's log.
    other = baseline("paas", "--context", "internal-dogfood", "doctor", "--json")
    assert other.code == 0, other.stdout


def test_oss_demo_target_not_disposable(baseline: Callable[..., Run]) -> None:
    refused = baseline("paas", "--context", "oss-demo", "target", "add", "t", "--host", "t.test")
    assert refused.code == 1 and "oss-demo-public-safe" in refused.stderr
    prod = baseline(
        "paas",
        "--context",
        "oss-demo",
        "target",
        "add",
        "t",
        "--host",
        "t.test",
        "--disposable",
        "--label",
        "env=production",
    )
    assert prod.code == 1 and "production" in prod.stderr
    ok = baseline("paas", "--context", "oss-demo", "target", "add", "t", "--host", "t.test", "--disposable")
    assert ok.code == 0
    # internal-dogfood targets need not be disposable.
    assert (
        baseline("paas", "--context", "internal-dogfood", "target", "add", "i", "--host", "i.test").code == 0
    )


def test_vault_file_0644_is_critical(baseline: Callable[..., Run], state_root: Path) -> None:
    vault = state_root / "contexts/internal-dogfood/vault/secrets.env"
    vault.write_text("# empty\n")
    os.chmod(vault, 0o644)
    run = baseline("paas", "doctor", "--json")
    assert run.code == 1
    check = _check(run.json, "state-permissions")
    assert check["severity"] == "critical" and check["blocking"] is True
    assert any("vault readable by others" in f["message"] for f in check["findings"])
    os.chmod(vault, 0o600)
    assert baseline("paas", "doctor", "--json").code == 0


def test_loose_directory_mode_fails(baseline: Callable[..., Run], state_root: Path) -> None:
    os.chmod(state_root / "contexts", 0o755)
    doc = baseline("paas", "doctor", "--json").json
    finding = _check(doc, "state-permissions")["findings"][0]
    assert finding["path"] == str(state_root / "contexts") and "0755" in finding["message"]


def test_read_commands_warn_but_run(baseline: Callable[..., Run], state_root: Path) -> None:
    os.chmod(state_root / "contexts", 0o755)
    run = baseline("paas", "--context", "oss-demo", "target", "list", "--json")
    assert run.code == 0 and any("state-permissions" in w for w in run.json["warnings"])
    # The state already fails; a change that does not make it worse runs with a warning.
    add = baseline("paas", "--context", "oss-demo", "target", "add", "d", "--host", "d.test", "--disposable")
    assert add.code == 0 and "already fails" in add.stderr
