"""Verdict: ok iff no blocking check failed; summary counts; fingerprints of blocking findings."""

from __future__ import annotations

from si_paas.engine.verdict import CheckResult, Verdict
from si_paas.findings import Finding


def _check(
    cid: str, *, ok: bool, blocking: bool, status: str = "", findings: int = 0, fingerprint: str | None = None
) -> CheckResult:
    found = tuple(
        Finding(rule=cid, message=f"m{i}", path=f"/p{i}", fingerprint=fingerprint) for i in range(findings)
    )
    return CheckResult(
        cid,
        cid.title(),
        "high",
        ok,
        blocking,
        found,
        "fix",
        status=status or ("pass" if ok else "fail" if blocking else "warn"),
    )


def test_ok_is_false_only_for_a_failed_blocking_check() -> None:
    assert Verdict(()).ok
    assert Verdict((_check("a", ok=True, blocking=True),)).ok
    assert Verdict((_check("a", ok=False, blocking=False, findings=1),)).ok
    assert not Verdict(
        (_check("a", ok=True, blocking=True), _check("b", ok=False, blocking=True, findings=1))
    ).ok


def test_failed_lists_blocking_failures_or_all_failures() -> None:
    a = _check("a", ok=False, blocking=True, findings=1)
    b = _check("b", ok=False, blocking=False, findings=1)
    c = _check("c", ok=True, blocking=True)
    v = Verdict((a, b, c))
    assert v.failed() == [a]
    assert v.failed(blocking_only=False) == [a, b]


def test_summary_counts_each_status_once() -> None:
    v = Verdict(
        (
            _check("a", ok=False, blocking=True, findings=2),
            _check("b", ok=False, blocking=False, findings=1),
            _check("c", ok=True, blocking=True),
            _check("d", ok=True, blocking=False, status="disabled"),
        )
    )
    assert v.summary() == {"total": 4, "passed": 1, "failed": 1, "warnings": 1, "disabled": 1, "findings": 3}


def test_fingerprints_are_those_of_blocking_findings() -> None:
    v = Verdict(
        (
            _check("a", ok=False, blocking=True, findings=2),
            _check("b", ok=False, blocking=False, findings=1),
            _check("c", ok=False, blocking=True, findings=1, fingerprint="fp"),
        )
    )
    assert v.fingerprints() == {("a", "a:/p0:m0"), ("a", "a:/p1:m1"), ("c", "fp")}


def test_to_dict_carries_every_field_and_a_note_only_when_set() -> None:
    c = _check("a", ok=False, blocking=True, findings=1)
    d = c.to_dict()
    assert d == {
        "id": "a",
        "title": "A",
        "severity": "high",
        "ok": False,
        "blocking": True,
        "status": "fail",
        "findings": [{"rule": "a", "message": "m0", "path": "/p0"}],
        "remediation": "fix",
    }
    noted = CheckResult("b", "B", "low", True, False, (), "r", status="disabled", note="off")
    assert noted.to_dict()["note"] == "off"
