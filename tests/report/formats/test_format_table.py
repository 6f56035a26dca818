"""`--format table` in-process: the header, the checks table and the summary; no secret value."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from si_paas.report.formats.table import RENDERER
from si_paas.report.verdict import from_document

from verdicthelp import SECRET, dirty_repo, doctor_verdict, scan_verdict


def _text(verdict: object) -> str:
    buffer = io.StringIO()
    RENDERER.render(verdict, buffer)  # type: ignore[arg-type]
    return buffer.getvalue()


def test_scan_table_shows_the_finding_redacted(make_repo: Callable[..., Path]) -> None:
    text = _text(scan_verdict(dirty_repo(make_repo)))
    assert SECRET[:8] not in text
    for needle in ("si paas scan", "no-plaintext-secrets", ".env:1", "FAILED: 2 policies passed, 1 failed"):
        assert needle in text, needle
    assert "\x1b[" not in text  # a stream that is not the terminal gets no colour


def test_doctor_table_starts_with_what_was_judged(
    make_repo: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _text(doctor_verdict(dirty_repo(make_repo), tmp_path / "state", monkeypatch))
    assert SECRET[:8] not in text
    assert text.startswith(f"state root  {tmp_path / 'state'}\n")
    assert "si paas doctor" in text and "no-plaintext-secrets" in text


def _check(cid: str, ok: bool, findings: list[dict[str, object]]) -> dict[str, object]:
    return {
        "id": cid,
        "title": f"title of {cid}",
        "severity": "high",
        "ok": ok,
        "blocking": True,
        "status": "pass" if ok else "fail",
        "findings": findings,
        "remediation": "do it",
    }


def test_checklist_and_escalation_views() -> None:
    summary = {"passed": 1, "failed": 1, "warnings": 0, "disabled": 0}
    checks = [_check("item-1", True, []), _check("item-2", False, [{"rule": "r", "message": "late"}])]
    doc = {
        "ok": False,
        "command": "checklist",
        "as_of": "2026-03-10T12:00:00.000000Z",
        "checks": checks,
        "summary": summary,
        "items": [{"id": "item-1", "evidence": "snap-9 verified"}, {"id": "item-2"}],
    }
    text = _text(from_document(doc, title="checklist", view="checklist"))
    for needle in (
        "as of 2026-03-10T12:00:00Z",
        "snap-9 verified",
        "- late",
        "do it",
        "checklist red: 1 of 2 items pass",
    ):
        assert needle in text, needle
    doc = {
        "ok": False,
        "command": "escalation check",
        "checks": checks,
        "summary": summary,
        "hits": ["item-2"],
        "runbook": "docs/RUNBOOK.md",
    }
    text = _text(from_document(doc, title="escalation check", view="escalation"))
    assert "ESCALATE" in text and "clear" in text and "follow docs/RUNBOOK.md" in text
