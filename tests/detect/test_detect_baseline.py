"""Baselines: round trip, filtering, stale entries, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from si_paas.detect.baseline import Baseline, filter_findings, load_baseline, write_baseline
from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner
from si_paas.errors import InputError
from si_paas.findings import Finding


def findings(text: str, path: str = "app/.env") -> list[Finding]:
    return SecretScanner(load_secret_rules()).scan_text(path, text)


OLD = "DB_PASSWORD=Xk9vQ2mL7pR4tZ8w\nAPI_TOKEN=Lm4Qz8Kp2Xv7Rt1Wn5Bc9Df3\n"


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "baseline" / "secrets.json"
    found = findings(OLD)
    written = write_baseline(path, found)
    assert len(written) == 2
    doc = json.loads(path.read_text())
    assert doc["version"] == 2
    assert doc["fingerprints"] == {f.fingerprint: {"rule": f.rule, "path": "app/.env"} for f in found}
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = load_baseline(path)
    assert dict(loaded.entries) == dict(written.entries)
    assert all(f.fingerprint in loaded for f in found)
    assert "Xk9vQ2mL7pR4tZ8w" not in path.read_text()


def test_filter_keeps_new_ignores_known_and_reports_stale(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, findings(OLD))
    # The password moved down two lines, the token was removed, a new secret appeared.
    now = findings("\n\nDB_PASSWORD=Xk9vQ2mL7pR4tZ8w\nSMTP_PASSWORD=Qw3Er5Ty7Ui9Op1As\n")
    kept, ignored, stale = filter_findings(now, load_baseline(path))
    assert [f.line for f in ignored] == [3]
    assert [f.line for f in kept] == [4]
    token_fp = findings(OLD)[1].fingerprint
    assert stale == [token_fp]


def test_empty_and_missing_ok(tmp_path: Path) -> None:
    empty = load_baseline(tmp_path / "none.json", missing_ok=True)
    assert len(empty) == 0
    kept, ignored, stale = filter_findings(findings(OLD), Baseline())
    assert len(kept) == 2 and ignored == [] and stale == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"version": 3, "fingerprints": {}}', "field 'version'"),
        ('{"version": 1}', "field 'fingerprints'"),
        ('{"version": 1, "fingerprints": {"abc": {"rule": 1}}}', "fingerprint 'abc'"),
    ],
)
def test_bad_baseline_is_input_error_naming_it(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_baseline(path)
    assert err.value.message.startswith(f"{path}: ") and expected in err.value.message


def test_missing_baseline_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="baseline not found"):
        load_baseline(tmp_path / "absent.json")
