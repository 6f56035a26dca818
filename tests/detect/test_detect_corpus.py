"""Quality on the labeled corpus must not regress: recall >= 0.95, false positives <= 2%."""

from __future__ import annotations

import json
from pathlib import Path

from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def labels() -> tuple[Path, set[tuple[str, int]], set[tuple[str, int]]]:
    doc = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))
    root = CORPUS / doc["root"]
    secrets = {(s["path"], s["line"]) for s in doc["secrets"]}
    lookalikes = {(s["path"], s["line"]) for s in doc["lookalikes"]}
    return root, secrets, lookalikes


def test_labels_point_at_real_lines() -> None:
    root, secrets, lookalikes = labels()
    assert len(secrets) >= 60 and len(lookalikes) >= 100
    assert not secrets & lookalikes
    for rel, line in secrets | lookalikes:
        lines = (root / rel).read_text(encoding="utf-8").splitlines()
        assert 1 <= line <= len(lines) and lines[line - 1].strip(), f"{rel}:{line}"


def test_recall_and_false_positive_rate() -> None:
    root, secrets, _ = labels()
    scanner = SecretScanner(load_secret_rules())
    found: set[tuple[str, int]] = set()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        found |= {(rel, f.line or 0) for f in scanner.scan_bytes(rel, path.read_bytes())}
    recall = len(found & secrets) / len(secrets)
    false = sorted(found - secrets)
    fp_rate = len(false) / len(found)
    missed = sorted(secrets - found)
    assert recall >= 0.95, f"recall {recall:.3f}; missed {missed}"
    assert fp_rate <= 0.02, f"false-positive rate {fp_rate:.3f}; false {false}"
