"""Evaluate policies against a snapshot: pure, so the same input gives the same verdict."""

from __future__ import annotations

from collections.abc import Iterable

from si_paas.engine.policy import Policy
from si_paas.engine.registry import get_check
from si_paas.engine.verdict import CheckResult, Verdict
from si_paas.findings import SEVERITY_ORDER, Finding
from si_paas.snapshot.snapshot import Snapshot


def in_scope(policies: Iterable[Policy], scope: str) -> list[Policy]:
    """Policies that run in `scope`, in a stable order (severity, then id)."""
    chosen = [p for p in policies if scope in p.scopes]
    return sorted(chosen, key=lambda p: (SEVERITY_ORDER[p.severity], p.id))


def _severity(policy: Policy, findings: list[Finding]) -> str:
    """A finding may raise the check's severity (a world-readable vault is critical)."""
    levels = [policy.severity, *(f.severity for f in findings if f.severity)]
    return min(levels, key=lambda s: SEVERITY_ORDER[s])


def evaluate(policies: Iterable[Policy], snap: Snapshot, scope: str, disabled: Iterable[str] = ()) -> Verdict:
    """Run every policy of `scope`; disabled ones are listed, never silently dropped."""
    off = set(disabled)
    results = []
    for policy in in_scope(policies, scope):
        if policy.id in off:
            results.append(
                CheckResult(
                    policy.id,
                    policy.title,
                    policy.severity,
                    True,
                    False,
                    (),
                    policy.remediation,
                    status="disabled",
                    note="disabled by repository config",
                )
            )
            continue
        findings = get_check(policy.check).fn(snap, policy.params, policy)
        severity = _severity(policy, findings)
        blocking = policy.blocking or (severity != policy.severity and severity == "critical")
        ok = not findings
        status = "pass" if ok else ("fail" if blocking else "warn")
        results.append(
            CheckResult(
                policy.id,
                policy.title,
                severity,
                ok,
                blocking,
                tuple(findings),
                policy.remediation,
                status=status,
            )
        )
    return Verdict(tuple(results), stats=snap.stats())
