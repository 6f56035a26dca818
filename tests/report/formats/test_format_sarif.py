"""`--format sarif` in-process: a schema-valid log, one rule per policy, no secret value."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from si_paas.report.formats.sarif import RENDERER
from si_paas.report.verdict import VerdictDoc

from verdicthelp import SCHEMA, SECRET, dirty_repo, doctor_verdict, scan_verdict


def _log(verdict: VerdictDoc) -> tuple[str, dict]:  # type: ignore[type-arg]
    buffer = io.StringIO()
    RENDERER.render(verdict, buffer)
    text = buffer.getvalue()
    doc = json.loads(text)
    Draft4Validator(json.loads(SCHEMA.read_text())).validate(doc)
    return text, doc


def test_scan_log_locates_the_secret_without_its_value(make_repo: Callable[..., Path]) -> None:
    repo = dirty_repo(make_repo)
    text, doc = _log(scan_verdict(repo))
    assert SECRET[:8] not in text
    run = doc["runs"][0]
    assert {"no-plaintext-secrets", "no-repo-private-state"} <= {
        r["id"] for r in run["tool"]["driver"]["rules"]
    }
    (result,) = run["results"]
    loc = result["locations"][0]["physicalLocation"]
    assert (result["ruleId"], loc["artifactLocation"]["uri"], loc["region"]["startLine"]) == (
        "no-plaintext-secrets",
        ".env",
        1,
    )
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"


def test_doctor_log_has_a_rule_per_policy(
    make_repo: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = doctor_verdict(dirty_repo(make_repo), tmp_path / "state", monkeypatch)
    text, doc = _log(verdict)
    assert SECRET[:8] not in text
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [i.rule_id for i in verdict.items]
    assert "no-plaintext-secrets" in {r["ruleId"] for r in run["results"]}
    assert all(r["partialFingerprints"] for r in run["results"])
