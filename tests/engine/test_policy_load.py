"""Loading policies: schema errors are one line with file and line; user folders and config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from si_paas.engine.policy import load_policies, load_policy_file
from si_paas.errors import InputError

from conftest import Run, write

GOOD = """\
id: no-demo-hosts-in-internal
title: internal contexts do not use demo hosts
severity: medium
scopes: [doctor]
check: state.permissions
with:
  dir_mode: "0700"
remediation: fix it
"""


def test_default_pack_loads_with_the_contract_ids() -> None:
    policies = load_policies()
    ids = {p.id for p in policies if "doctor" in p.scopes}
    assert ids == {
        "state-root-outside-repo",
        "vault-outside-repo",
        "no-repo-private-state",
        "no-plaintext-secrets",
        "no-cross-context-data",
        "oss-demo-public-safe",
        "state-permissions",
        "state-records-intact",
        "backup-outside-repo",
        "backup-latest-verifies",
    }
    assert sorted(p.id for p in policies if "checklist" in p.scopes) == [
        "checklist-1-doctor-ok",
        "checklist-2-contexts-separated",
        "checklist-3-backups-verified",
        "checklist-4-alerting-ready",
        "checklist-5-rollback-drill",
    ]
    assert sorted(p.id for p in policies if "escalation" in p.scopes) == [
        "escalate-1-repo-exposure",
        "escalate-2-internal-vault-in-repo",
        "escalate-3-cross-context-data",
        "escalate-4-backup-checksum",
    ]


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        (GOOD.replace("severity: medium", "severity: urgent"), ":3: field severity: 'urgent' is not one of"),
        (
            GOOD.replace("check: state.permissions", "check: nope.nothing"),
            ":5: field check: unknown check kind",
        ),
        (
            GOOD.replace('dir_mode: "0700"', "dir_mode: 700"),
            ":7: field with.dir_mode: must be of string type",
        ),
        (GOOD.replace("scopes: [doctor]", "scopes: [everywhere]"), ":4: field scopes[0]:"),
        (GOOD + "  bad: [\n", "invalid YAML"),
        (
            GOOD.replace("remediation: fix it\n", ""),
            "field (top level): 'remediation' is a required property",
        ),
    ],
)
def test_broken_policy_is_one_line(tmp_path: Path, text: str, expect: str) -> None:
    path = write(tmp_path / "p.yaml", text)
    with pytest.raises(InputError) as info:
        load_policy_file(path)
    message = info.value.message
    assert message.startswith(str(path)) and expect in message
    assert "\n" not in message


def test_defaults_are_normalized(tmp_path: Path) -> None:
    policy = load_policy_file(write(tmp_path / "p.yaml", GOOD))
    assert policy.params == {"dir_mode": "0700", "file_mode": "0600"}
    assert policy.blocking is False  # medium is a warning unless it says blocking: true


def test_user_policy_folder_and_broken_file_via_cli(
    baseline: Callable[..., Run], tmp_path: Path, state_root: Path
) -> None:
    folder = tmp_path / "mypolicies"
    write(folder / "strict-modes.yaml", GOOD.replace("id: no-demo-hosts-in-internal", "id: strict-modes"))
    import os

    os.chmod(state_root / "contexts", 0o750)
    run = baseline("paas", "doctor", "--policies", str(folder), "--json")
    check = next(c for c in run.json["checks"] if c["id"] == "strict-modes")
    assert check["status"] == "warn" and check["blocking"] is False
    write(folder / "broken.yaml", "id: [")
    bad = baseline("paas", "doctor", "--policies", str(folder))
    assert bad.code == 2 and str(folder / "broken.yaml") in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    missing = baseline("paas", "doctor", "--policies", str(tmp_path / "nope"))
    assert missing.code == 2 and "--policies" in missing.stderr


def test_repo_config_disables_visibly(baseline: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={".si-paas.yaml": "disable: [oss-demo-public-safe]\n"})
    doc = baseline("paas", "doctor", "--json", cwd=repo).json
    check = next(c for c in doc["checks"] if c["id"] == "oss-demo-public-safe")
    assert check["status"] == "disabled" and doc["summary"]["disabled"] == 1
    assert doc["config"] == str(repo / ".si-paas.yaml")
    (repo / ".si-paas.yaml").write_text("disable: [no-plaintext-secrets]\n")
    refused = baseline("paas", "doctor", cwd=repo)
    assert refused.code == 2 and "critical and cannot be disabled" in refused.stderr


def test_each_kind_is_declared_by_the_module_that_registers_it() -> None:
    from si_paas.engine.registry import declared_kinds, load_builtin

    declared = declared_kinds()
    registered = load_builtin()
    assert set(registered) == set(declared) and len(declared) >= 18
    for name, kind in registered.items():
        assert kind.fn.__module__ == f"si_paas.engine.checks.{declared[name]}", name
