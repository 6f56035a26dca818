"""A hostile `.si-paas.yaml` may narrow noise, never hide critical findings (through `si`)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git, write

TOKEN_LINE = "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC\n"
LOW_POLICY = """\
id: no-repo-private-state
title: nothing to see
severity: low
blocking: false
scopes: [doctor, deploy, pre-commit, ci, checklist]
check: repo.no_private_state
with:
  statuses: [file]
remediation: none
"""


def _failed(doc: dict[str, object]) -> set[str]:
    return {c["id"] for c in doc["checks"] if c["status"] == "fail"}  # type: ignore[index,union-attr]


def test_exclude_star_cannot_hide_private_state(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo(
        files={
            ".env": TOKEN_LINE,
            "ops/contexts/internal-dogfood/config.json": "{}\n",
            ".si-paas.yaml": "exclude: ['*']\n",
        }
    )
    for args in (
        ("paas", "doctor", "--json"),
        ("paas", "scan", "--json"),
        ("paas", "scan", "--history", "--json"),
    ):
        run = si(*args, cwd=repo)
        assert run.code == 1, (args, run.stdout, run.stderr)
        assert "no-repo-private-state" in _failed(run.json), args
        assert run.json["tuning"]["exclude"] == ["*"]
    write(repo / "ops/contexts/oss-demo/targets.json", "{}\n")
    git(repo, env, "add", "-A")
    staged = si("paas", "scan", "--staged", cwd=repo)
    assert staged.code == 1 and "no-repo-private-state" in staged.stdout
    assert "exclude '*'" in staged.stdout  # the quick hook path lists the exclude too


def test_every_format_lists_excludes_and_overrides(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo(
        files={
            "fixtures/fake.env": TOKEN_LINE,
            "app.py": "x = 1\n",
            "ci/policies/p.yaml": LOW_POLICY.replace("no-repo-private-state", "no-repo-private-state"),
        }
    )
    write(repo / ".si-paas.yaml", "exclude: ['fixtures/*']\npolicies: [ci/policies]\n")
    opt_in = {"SI_PAAS_ALLOW_POLICY_OVERRIDE": "no-repo-private-state"}
    table = si("paas", "scan", cwd=repo, extra_env=opt_in)
    assert table.code == 0, table.stderr
    assert "exclude 'fixtures/*'" in table.stdout
    assert "policy no-repo-private-state replaced by" in table.stdout
    assert "critical -> low, non-blocking" in table.stdout
    doc = si("paas", "scan", "--json", cwd=repo, extra_env=opt_in).json
    assert doc["tuning"]["exclude"] == ["fixtures/*"]
    assert doc["tuning"]["overrides"][0]["severity"] == ["critical", "low"]
    sarif = json.loads(si("paas", "scan", "--format", "sarif", cwd=repo, extra_env=opt_in).stdout)
    notes = [
        n["message"]["text"] for n in sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    ]
    assert any("fixtures/*" in n for n in notes) and any("replaced by" in n for n in notes)
    junit = ET.fromstring(si("paas", "scan", "--format", "junit", cwd=repo, extra_env=opt_in).stdout)
    values = [p.get("value") or "" for p in junit.iter("property")]
    assert any("fixtures/*" in v for v in values) and any("replaced by" in v for v in values)


def test_repo_config_cannot_replace_a_critical_policy(
    si: Callable[..., Run], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(
        files={"ci/policies/p.yaml": LOW_POLICY, "ops/contexts/internal-dogfood/config.json": "{}\n"}
    )
    write(repo / ".si-paas.yaml", "policies: [ci/policies]\n")
    for args in (("paas", "scan"), ("paas", "doctor")):
        run = si(*args, cwd=repo)
        assert run.code == 2, run.stdout
        assert "p.yaml" in run.stderr and "critical" in run.stderr
        assert "SI_PAAS_ALLOW_POLICY_OVERRIDE" in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
    # A repository cannot opt in for the user: only the environment can.
    allowed = si(
        "paas",
        "scan",
        "--json",
        cwd=repo,
        extra_env={"SI_PAAS_ALLOW_POLICY_OVERRIDE": "no-repo-private-state"},
    )
    assert allowed.code == 0 and allowed.json["tuning"]["overrides"]


@pytest.mark.parametrize("folder", ["../outside", "/tmp", "link"])
def test_policy_folders_resolve_inside_the_repo(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path, folder: str
) -> None:
    outside = tmp_path / "outside"
    write(outside / "p.yaml", LOW_POLICY)
    repo = make_repo(files={"app.py": "x = 1\n"})
    (repo / "link").symlink_to(outside)
    write(repo / ".si-paas.yaml", f"policies: ['{folder}']\n")
    run = si("paas", "scan", cwd=repo)
    assert run.code == 2, (run.stdout, run.stderr)
    assert ".si-paas.yaml: field policies[0]" in run.stderr and "outside the repository" in run.stderr


def test_policy_file_symlinked_out_of_the_repo_is_refused(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    outside = write(
        tmp_path / "outside" / "p.yaml",
        LOW_POLICY.replace("id: no-repo-private-state", "id: extra-check").replace(
            "severity: low", "severity: medium"
        ),
    )
    repo = make_repo(files={"app.py": "x = 1\n"})
    (repo / "ci").mkdir()
    (repo / "ci" / "p.yaml").symlink_to(outside)
    write(repo / ".si-paas.yaml", "policies: [ci]\n")
    run = si("paas", "scan", cwd=repo)
    assert run.code == 2 and "outside the repository" in run.stderr
