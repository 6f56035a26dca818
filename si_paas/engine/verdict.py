"""The verdict: every check's result; `ok` is false iff a blocking check failed."""

from __future__ import annotations

from dataclasses import field
from typing import Any

from si_paas.findings import Finding
from si_paas.records import record


@record(frozen=True)
class CheckResult:
    """One policy's outcome."""

    id: str
    title: str
    severity: str
    ok: bool
    blocking: bool
    findings: tuple[Finding, ...]
    remediation: str
    status: str = "pass"  # pass | fail | warn | disabled | overridden
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "ok": self.ok,
            "blocking": self.blocking,
            "status": self.status,
            "findings": [f.to_dict() for f in self.findings],
            "remediation": self.remediation,
        }
        if self.note:
            data["note"] = self.note
        return data


@record(frozen=True)
class Verdict:
    """All check results of one evaluation."""

    checks: tuple[CheckResult, ...]
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(c.blocking and not c.ok for c in self.checks)

    def failed(self, *, blocking_only: bool = True) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok and (c.blocking or not blocking_only)]

    def summary(self) -> dict[str, int]:
        counts = {
            "total": len(self.checks),
            "passed": 0,
            "failed": 0,
            "warnings": 0,
            "disabled": 0,
            "findings": 0,
        }
        for c in self.checks:
            counts["findings"] += len(c.findings)
            if c.status == "disabled":
                counts["disabled"] += 1
            elif c.ok:
                counts["passed"] += 1
            elif c.blocking:
                counts["failed"] += 1
            else:
                counts["warnings"] += 1
        return counts

    def fingerprints(self) -> set[tuple[str, str]]:
        """(check id, finding key) of every blocking finding: used to tell 'made worse'."""
        return {
            (c.id, f.fingerprint or f"{f.rule}:{f.path}:{f.message}")
            for c in self.checks
            if c.blocking
            for f in c.findings
        }
