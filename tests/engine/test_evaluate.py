"""evaluate: scope, order, severity raised by a finding, blocking, disabled policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from si_paas.engine.evaluate import evaluate, in_scope

from statehelp import context, records, shipped, snapshot, target


@pytest.fixture
def state(tmp_path: Path) -> Path:
    root = tmp_path / "state"
    root.mkdir(mode=0o700)
    context(root, "demo", "oss-demo", 1)
    return root


def _snap(state: Path) -> object:
    return snapshot(state, env={"SI_PAAS_KEY_DIR": str(state.parent / "keys")})


def _expose_vault(state: Path) -> None:
    (state / "contexts/demo/vault/secrets.env").chmod(0o640)


def test_in_scope_filters_and_orders_by_severity_then_id() -> None:
    pols = [
        shipped("state-records-intact"),
        shipped("oss-demo-public-safe"),
        shipped("state-permissions"),
        shipped("no-cross-context-data"),
        shipped("no-plaintext-secrets"),
    ]
    assert [p.id for p in in_scope(pols, "state")] == [
        "no-cross-context-data",
        "oss-demo-public-safe",
        "state-permissions",
        "state-records-intact",
    ]
    assert [p.id for p in in_scope(pols, "pre-commit")] == ["no-plaintext-secrets"]
    assert in_scope(pols, "checklist") == []


@pytest.mark.parametrize("severity", ["high", "medium", "low"])
def test_a_finding_raised_to_critical_blocks_a_non_blocking_policy(state: Path, severity: str) -> None:
    _expose_vault(state)
    policy = shipped("state-permissions", severity=severity, blocking=False)
    verdict = evaluate([policy], _snap(state), "doctor")
    check = verdict.checks[0]
    assert (check.severity, check.blocking, check.ok, check.status) == ("critical", True, False, "fail")
    assert not verdict.ok and verdict.failed() == [check]
    assert verdict.summary()["failed"] == 1 and verdict.summary()["warnings"] == 0
    assert len(verdict.fingerprints()) == 1


def test_a_non_blocking_policy_without_a_raised_finding_only_warns(state: Path) -> None:
    (state / "contexts").chmod(0o750)
    policy = shipped("state-permissions", severity="medium", blocking=False)
    verdict = evaluate([policy], _snap(state), "doctor")
    check = verdict.checks[0]
    assert (check.severity, check.blocking, check.ok, check.status) == ("medium", False, False, "warn")
    assert verdict.ok and verdict.failed() == [] and verdict.failed(blocking_only=False) == [check]
    assert verdict.summary()["warnings"] == 1 and verdict.fingerprints() == set()


def test_a_critical_policy_declared_non_blocking_stays_a_warning(state: Path) -> None:
    """Only a raise blocks: a policy the user made non-blocking at critical is theirs to keep."""
    _expose_vault(state)
    policy = shipped("state-permissions", severity="critical", blocking=False)
    check = evaluate([policy], _snap(state), "doctor").checks[0]
    assert (check.severity, check.blocking, check.status) == ("critical", False, "warn")


def test_a_blocking_policy_fails_at_its_own_severity(state: Path) -> None:
    records(state, "demo", 1, "targets", [target("web", "web.test", "demo", 1, disposable=False)])
    verdict = evaluate([shipped("oss-demo-public-safe")], _snap(state), "state")
    check = verdict.checks[0]
    assert (check.severity, check.blocking, check.ok, check.status) == ("high", True, False, "fail")
    assert not verdict.ok and check.remediation and check.title


def test_a_passing_policy(state: Path) -> None:
    verdict = evaluate([shipped("state-permissions")], _snap(state), "state")
    check = verdict.checks[0]
    assert (check.ok, check.status, check.findings, check.severity) == (True, "pass", (), "high")
    assert verdict.ok and verdict.summary()["passed"] == 1


def test_a_disabled_policy_is_listed_not_run(state: Path) -> None:
    _expose_vault(state)
    verdict = evaluate(
        [shipped("state-permissions"), shipped("oss-demo-public-safe")],
        _snap(state),
        "state",
        disabled=["state-permissions"],
    )
    off = next(c for c in verdict.checks if c.id == "state-permissions")
    assert (off.status, off.ok, off.blocking, off.findings) == ("disabled", True, False, ())
    assert off.note == "disabled by repository config"
    assert verdict.ok and verdict.summary()["disabled"] == 1


def test_out_of_scope_policies_are_not_run(state: Path) -> None:
    _expose_vault(state)
    verdict = evaluate([shipped("state-permissions")], _snap(state), "pre-commit")
    assert verdict.checks == () and verdict.ok


def test_the_same_snapshot_gives_the_same_verdict(state: Path) -> None:
    _expose_vault(state)
    snap = _snap(state)
    pols = [shipped("state-permissions"), shipped("oss-demo-public-safe")]
    assert evaluate(pols, snap, "state") == evaluate(pols, snap, "state")


def test_policies_after_a_disabled_one_still_run(state: Path) -> None:
    _expose_vault(state)
    verdict = evaluate(
        [shipped("oss-demo-public-safe"), shipped("state-permissions")],
        _snap(state),
        "state",
        disabled=["oss-demo-public-safe"],
    )
    assert [(c.id, c.status) for c in verdict.checks] == [
        ("oss-demo-public-safe", "disabled"),
        ("state-permissions", "fail"),
    ]
    assert not verdict.ok
