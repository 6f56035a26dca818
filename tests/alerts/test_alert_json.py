"""Every new command prints one JSON document with the usual envelope."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from jsonschema import Draft202012Validator

from alerthelp import add_channel, receiver
from conftest import Run

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_envelopes_and_stored_documents_match_schemas(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    with receiver() as rx:
        add_channel(si, "oss-demo", rx.url())
        si(
            "paas",
            "--context",
            "oss-demo",
            "alert",
            "silence",
            "add",
            "--matcher",
            "kind=backup",
            "--until",
            "1h",
            "--comment",
            "maintenance",
        )
        for args, command in [
            (("alert", "channel", "list"), "alert channel list"),
            (("alert", "policy", "show"), "alert policy show"),
            (("alert", "policy", "set", "--repeat-interval", "2h"), "alert policy set"),
            (("alert", "route", "test", "--severity", "info", "--kind", "test"), "alert route test"),
            (("alert", "test"), "alert test"),
            (("alert", "history"), "alert history"),
            (("alert", "silence", "list"), "alert silence list"),
            (("checklist",), "checklist"),
            (("escalation", "check"), "escalation check"),
        ]:
            run = si("paas", "--context", "oss-demo", *args, "--json")
            doc = json.loads(run.stdout)
            assert run.code in (0, 1), run.stderr
            assert doc["command"] == command and doc["context"] == "oss-demo"
            assert isinstance(doc["ok"], bool)
    base = state_root / "contexts" / "oss-demo"
    for name, rel in (("alert-policy", "alerts/policy.json"), ("alert-silences", "alerts/silences.json")):
        schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
        Draft202012Validator(schema).validate(json.loads((base / rel).read_text()))
    event = Draft202012Validator(json.loads((SCHEMAS / "event.schema.json").read_text()))
    for line in (base / "events" / "alerts.jsonl").read_text().splitlines():
        event.validate(json.loads(line))
