"""Real verdicts for renderer tests: a git repository with a planted secret, judged in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from si_paas.cli.output import verdict_document
from si_paas.report.verdict import VerdictDoc, from_document
from si_paas.services import doctor, scan
from si_paas.services.invocation import Invocation
from si_paas.state.layout import StateLayout

# A generic secret assignment the rules find (split so this file holds no literal secret).
SECRET = "q8Zt3LmW9xK2vB7n" + "R4pH6sJ1dF5gT0yC"
PLANTED = f"API_TOKEN={SECRET}\n"
SCHEMA = Path(__file__).resolve().parents[2] / "data" / "sarif-schema-2.1.0.json"


def dirty_repo(make_repo: Callable[..., Path]) -> Path:
    """A repository whose `.env` holds the planted secret."""
    return make_repo(files={".env": PLANTED, "app.py": "print('ok')\n"})


def scan_verdict(repo: Path) -> VerdictDoc:
    """`si paas scan REPO` as renderers receive it."""
    result = scan.run(Invocation(command="scan"), (str(repo),))
    doc = verdict_document("scan", {"ok": result.ok, "context": None, **result.payload})
    return from_document(doc, title="scan")


def doctor_verdict(repo: Path, state_root: Path, monkeypatch: pytest.MonkeyPatch) -> VerdictDoc:
    """`si paas doctor --repo REPO` (no contexts yet) as renderers receive it."""
    monkeypatch.chdir(repo)
    inv = Invocation(command="doctor", layout=StateLayout(state_root))
    try:
        result = doctor.run(inv, (), ())
    finally:
        inv.close()
    doc = verdict_document("doctor", {"ok": result.ok, "context": None, **result.payload})
    return from_document(
        doc, title="doctor", suite="si-paas-doctor", header=[("state root", str(state_root))]
    )
