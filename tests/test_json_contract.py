"""Every command's --json is one object with ok/command/context; reports match their schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from jsonschema import Draft202012Validator

from conftest import Run, write

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


def test_reports_match_the_schema(baseline: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        files={
            ".env": "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC\n",
            "ops/.si/paas/current_context": "oss-demo\n",
        }
    )
    report = _validator("report")
    for args in (
        ("paas", "doctor", "--json"),
        ("paas", "scan", "--json"),
        ("paas", "scan", "--history", "--json"),
        ("paas", "scan", "--staged", "--json"),
    ):
        run = baseline(*args, cwd=repo)
        assert run.code in (0, 1), run.stderr
        report.validate(run.json)
    assert baseline("paas", "doctor", "--json", cwd=repo).json["ok"] is False


def test_every_list_and_show_has_the_envelope(baseline: Callable[..., Run], home: Path) -> None:
    si = baseline
    src = write(home / "web" / "index.html", "x").parent
    si("paas", "--context", "oss-demo", "target", "add", "t", "--host", "t.test", "--disposable")
    si("paas", "--context", "oss-demo", "app", "add", "w", "--source", str(src), "--target", "t")
    events = _validator("event")
    for args, kind in [
        (("context", "list"), "list"),
        (("context", "show"), "show"),
        (("target", "list"), "list"),
        (("target", "show", "t"), "show"),
        (("app", "list"), "list"),
        (("app", "show", "w"), "show"),
        (("events", "list"), "list"),
        (("policy", "list"), "list"),
    ]:
        run = si("paas", "--context", "oss-demo", *args, "--json")
        doc = run.json
        assert run.code == 0 and doc["ok"] is True and doc["context"] in ("oss-demo", None)
        assert doc["command"] == " ".join(a for a in args if a not in ("t", "w"))
        if kind == "list":
            assert doc["count"] == len(doc["items"])
    for event in si("paas", "--context", "oss-demo", "events", "list", "--json").json["items"]:
        events.validate(event)
