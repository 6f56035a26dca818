"""`si paas demo`: the walk-through runs every step as expected and cleans up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run


def test_demo_runs_clean_then_catches_contamination(si: Callable[..., Run],
                                                    state_root: Path) -> None:
    run = si("paas", "demo", "--json")
    assert run.code == 0, run.stdout + run.stderr
    doc = run.json
    assert doc["ok"] is True and all(step["ok"] for step in doc["steps"])
    titles = [s["title"] for s in doc["steps"]]
    assert titles[2] == "Run isolation checks" and doc["steps"][2]["exit"] == 0
    last = doc["steps"][-1]
    assert last["exit"] == 1
    assert "no-repo-private-state" in last["summary"] and "no-plaintext-secrets" in last["summary"]
    assert not Path(doc["workdir"]).exists()
    assert not state_root.exists()  # the user's own state root is never touched


def test_demo_human_output(si: Callable[..., Run]) -> None:
    run = si("paas", "demo")
    assert run.code == 0
    assert "$ si paas context init --name internal-dogfood" in run.stdout
    assert "Every guardrail held." in run.stdout
