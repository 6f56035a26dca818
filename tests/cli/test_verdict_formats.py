"""Every verdict command in every `--format`, through the installed `si`, with a planted secret."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from conftest import Run

SCHEMA = Path(__file__).resolve().parents[2] / "tests" / "data" / "sarif-schema-2.1.0.json"
SECRET = "q8Zt3LmW9xK2vB7n" + "R4pH6sJ1dF5gT0yC"


@pytest.mark.parametrize("command", [("doctor",), ("scan",), ("checklist",), ("escalation", "check")])
def test_command_in_every_format_keeps_the_secret_out(
    si: Callable[..., Run], make_repo: Callable[..., Path], command: tuple[str, ...]
) -> None:
    repo = make_repo(files={".env": f"API_TOKEN={SECRET}\n"})
    runs = {
        fmt: si("paas", *command, "--format", fmt, cwd=repo) for fmt in ("table", "json", "sarif", "junit")
    }
    runs["--json"] = si("paas", *command, "--json", cwd=repo)
    for fmt, run in runs.items():
        assert run.code == 1, (fmt, run.stderr)
        assert SECRET[:8] not in run.stdout + run.stderr, fmt
    doc = runs["json"].json
    alias = runs["--json"].json
    for one in (doc, alias):
        one.pop("as_of", None)  # the checklist's "now"
    assert doc == alias
    assert (doc["ok"], doc["command"]) == (False, " ".join(command))
    assert f"si paas {' '.join(command)}" in runs["table"].stdout
    sarif = runs["sarif"].json
    Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    assert [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]] == [c["id"] for c in doc["checks"]]
    cases = ET.fromstring(runs["junit"].stdout).findall(".//testcase")
    assert [c.get("name") for c in cases] == [c["id"] for c in doc["checks"]]
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {c["id"] for c in doc["checks"] if not c["ok"] and c["blocking"]} != set()


def test_json_with_another_format_is_refused(si: Callable[..., Run]) -> None:
    run = si("paas", "doctor", "--json", "--format", "junit")
    assert run.code == 2 and run.json["ok"] is False
    assert "--json and --format junit" in run.json["error"]["message"]
