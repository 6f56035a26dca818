"""The runbook's sections 3 and 4 run verbatim, each command printing valid JSON."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from conftest import Run

SECTION_3 = """
si paas context init --name internal-dogfood --type internal-dogfood
si paas context init --name oss-demo --type oss-demo
si paas doctor --json
"""

SECTION_4 = """
si paas --context internal-dogfood target list --json
si paas --context internal-dogfood app list --json
si paas --context internal-dogfood events list --limit 50 --json
si paas --context oss-demo target list --json
si paas --context oss-demo app list --json
si paas --context oss-demo events list --limit 50 --json
"""

SECTION_7 = """
si paas --context internal-dogfood doctor --json
si paas --context internal-dogfood context show --json
"""


def _lines(block: str) -> list[list[str]]:
    return [shlex.split(line)[1:] for line in block.strip().splitlines()]


def test_runbook_sections_3_4_7_verbatim(si: Callable[..., Run], state_root: Path) -> None:
    for args in _lines(SECTION_3)[:2]:
        run = si(*args)
        assert run.code == 0, run.stderr
    for args in _lines(SECTION_3)[2:] + _lines(SECTION_4) + _lines(SECTION_7):
        run = si(*args)
        assert run.code == 0, (args, run.stderr)
        doc = run.json
        assert doc["ok"] is True
        assert doc["command"] in {"doctor", "target list", "app list", "events list", "context show"}
    doctor = si("paas", "doctor", "--json").json
    assert {c["id"] for c in doctor["checks"]} >= {
        "state-root-outside-repo",
        "vault-outside-repo",
        "no-repo-private-state",
        "no-plaintext-secrets",
        "no-cross-context-data",
        "oss-demo-public-safe",
        "state-permissions",
    }
    assert doctor["state_root"] == str(state_root)
    events = si("paas", "--context", "oss-demo", "events", "list", "--json").json
    assert events["count"] >= 1 and all(e["context"] == "oss-demo" for e in events["items"])


def test_state_layout_and_permissions(baseline: Callable[..., Run], state_root: Path) -> None:
    ctx = state_root / "contexts" / "internal-dogfood"
    assert (ctx / "config.json").is_file()
    assert (state_root / "current_context").read_text().strip() == "internal-dogfood"
    for path in [state_root, *state_root.rglob("*")]:
        if path.name == ".lock":
            continue
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
