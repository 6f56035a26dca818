"""state.records_intact: unreadable selections, torn event lines, apps on missing targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from statehelp import app, context, event, events, put, records, run_check, shipped, snapshot, target

POLICY = shipped("state-records-intact")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    root = tmp_path / "state"
    context(root, "demo", "oss-demo", 2)
    return root


def _kinds(root: Path) -> list[tuple[str, str]]:
    return [(f.extra["kind"], f.message) for f in run_check(POLICY, snapshot(root))]


def test_intact_records_pass(state: Path) -> None:
    put(state, "current_context", "demo\n")
    records(state, "demo", 2, "targets", [target("web", "web.test", "demo", 2)])
    records(state, "demo", 2, "apps", [app("site", "demo", 2, ["web"])])
    events(state, "demo", [event("demo", 2)])
    assert _kinds(state) == []


def test_an_unreadable_selection(state: Path) -> None:
    (state / "current_context").write_bytes(b"\xff\xfe\n")
    found = _kinds(state)
    assert [k for k, _ in found] == ["unreadable-selection"]
    assert found[0][1].endswith(
        "; commands without --context fail until `si paas context use NAME` rewrites it"
    )
    assert not found[0][1].startswith(str(state))


def test_a_torn_event_line_and_an_app_on_a_missing_target(state: Path) -> None:
    put(state, "contexts/demo/events/audit.jsonl", '{"time": "2026\n')
    records(state, "demo", 2, "apps", [app("site", "demo", 2, ["gone"])])
    findings = run_check(POLICY, snapshot(state))
    assert sorted((f.extra["kind"], f.line) for f in findings) == [
        ("dangling-reference", None),
        ("malformed-event", 1),
    ]
    torn = next(f for f in findings if f.extra["kind"] == "malformed-event")
    assert torn.message.endswith("; readers skip this line") and not torn.message.startswith(
        "line "
    )  # the line is in `line`, not repeated in the message
    dangling = next(f for f in findings if f.extra["kind"] == "dangling-reference")
    assert dangling.message == ("app demo/site is bound to target 'gone', which context 'demo' does not have")
