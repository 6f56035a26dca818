"""Adapting a command's document to the verdict shape the renderers take."""

from __future__ import annotations

from si_paas.report.verdict import Location, from_document


def test_items_and_findings_carry_rule_severity_status_message_location() -> None:
    finding = {
        "rule": "generic-secret-assignment",
        "message": "a secret",
        "path": "/r/.env",
        "line": 3,
        "column": 5,
        "excerpt": "API_TOKEN=q8Zt…",
        "severity": "critical",
        "confidence": "low",
        "fingerprint": "abc",
        "extra": {"repo": "/r", "relpath": ".env"},
    }
    doc = {
        "ok": False,
        "command": "doctor",
        "state_root": "/s",
        "repos": ["/r"],
        "summary": {"passed": 0, "failed": 1, "warnings": 1, "disabled": 0},
        "tuning": {"exclude": ["vendor/"]},
        "checks": [
            {
                "id": "no-plaintext-secrets",
                "title": "t",
                "severity": "critical",
                "ok": False,
                "blocking": True,
                "status": "fail",
                "findings": [finding],
                "remediation": "fix",
            },
            {
                "id": "weak",
                "title": "w",
                "severity": "medium",
                "ok": False,
                "blocking": False,
                "status": "warn",
                "findings": [],
                "remediation": "later",
                "note": "n",
            },
        ],
        "items": [{"id": "weak", "evidence": "seen"}],
    }
    verdict = from_document(doc, title="doctor")
    first, second = verdict.items
    assert (first.rule_id, first.severity, first.status, first.failed) == (
        "no-plaintext-secrets",
        "critical",
        "fail",
        True,
    )
    (f,) = first.findings
    assert (f.rule, f.message, f.excerpt, f.confidence) == (
        "generic-secret-assignment",
        "a secret",
        "API_TOKEN=q8Zt…",
        "low",
    )
    assert f.location == Location(path="/r/.env", line=3, column=5, repo="/r", relpath=".env")
    assert (second.failed, second.ok, second.note, second.evidence) == (False, False, "n", "seen")
    assert verdict.summary == "FAILED: 0 policies passed, 1 failed, 1 warnings, 0 disabled"
    assert verdict.tuning[0] == "repository config: exclude 'vendor/' from the secret scan"
    assert (verdict.repos, verdict.state_root, verdict.command) == (("/r",), "/s", "doctor")
