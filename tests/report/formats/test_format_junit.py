"""`--format junit` in-process: one testcase per policy, a failure for each failed one."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from si_paas.report.formats.junit import RENDERER
from si_paas.report.verdict import VerdictDoc

from verdicthelp import SECRET, dirty_repo, doctor_verdict, scan_verdict


def _xml(verdict: VerdictDoc) -> tuple[str, ET.Element]:
    buffer = io.StringIO()
    RENDERER.render(verdict, buffer)
    return buffer.getvalue(), ET.fromstring(buffer.getvalue())


def test_scan_failure_names_the_file_without_the_value(make_repo: Callable[..., Path]) -> None:
    verdict = scan_verdict(dirty_repo(make_repo))
    text, root = _xml(verdict)
    assert SECRET[:8] not in text
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert list(cases) == [i.rule_id for i in verdict.items]
    failure = cases["no-plaintext-secrets"].find("failure")
    assert failure is not None and ".env:1" in (failure.text or "")
    assert cases["no-repo-private-state"].find("failure") is None
    assert root.get("tests") == str(len(cases)) and root.get("failures") == "1"


def test_doctor_suite_counts_every_policy(
    make_repo: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = doctor_verdict(dirty_repo(make_repo), tmp_path / "state", monkeypatch)
    text, root = _xml(verdict)
    assert SECRET[:8] not in text
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "si-paas-doctor"
    cases = list(root.iter("testcase"))
    assert [c.get("name") for c in cases] == [i.rule_id for i in verdict.items]
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {i.rule_id for i in verdict.items if i.failed}
    assert "no-plaintext-secrets" in failed and root.get("failures") == str(len(failed))
