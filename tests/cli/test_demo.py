"""`si paas demo`: the walk-through runs every step as expected and cleans up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run


def test_demo_runs_clean_then_catches_contamination(si: Callable[..., Run], state_root: Path) -> None:
    run = si("paas", "demo", "--json")
    assert run.code == 0, run.stdout + run.stderr
    doc = run.json
    assert doc["ok"] is True and all(step["ok"] for step in doc["steps"])
    titles = [s["title"] for s in doc["steps"]]
    assert titles[2] == "Run isolation checks" and doc["steps"][2]["exit"] == 0
    planted = next(s for s in doc["steps"] if s["title"].startswith("Plant"))
    assert planted["exit"] == 1
    assert "no-repo-private-state" in planted["summary"]
    assert "no-plaintext-secrets" in planted["summary"]
    steps = {s["title"]: s for s in doc["steps"]}
    assert steps["Deploy a second release"]["summary"] == "r000002-edge-local is current"
    failed = steps["Deploy a release that fails its health check"]
    assert failed["exit"] == 1 and "switched back to r000002-edge-local" in failed["summary"]
    assert steps["Rehearse a rollback (drill)"]["summary"].startswith("drill completed")
    refused = steps["Guardrail: deploy after contamination"]
    assert refused["exit"] == 1
    assert "refused by the doctor gate" in refused["summary"]
    checklists = [s for s in doc["steps"] if s["command"] == "si paas checklist"]
    assert [s["exit"] for s in checklists] == [0, 1]
    assert checklists[0]["summary"] == "green: all 5 items pass"
    assert checklists[1]["summary"].startswith("red: 4. each context has an alert channel")
    assert doc["steps"][-1] == checklists[1]
    assert not Path(doc["workdir"]).exists()
    assert not state_root.exists()  # the user's own state root is never touched


def test_demo_human_output(si: Callable[..., Run]) -> None:
    run = si("paas", "demo")
    assert run.code == 0
    assert "$ si paas context init --name internal-dogfood" in run.stdout
    assert "Every guardrail held." in run.stdout
