"""state.no_cross_context_data on real records: references across contexts and shared hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from si_paas.engine.evaluate import evaluate

from statehelp import app, cid, context, event, events, records, run_check, shipped, snapshot, target

POLICY = shipped("no-cross-context-data")


@pytest.fixture
def two(tmp_path: Path) -> Path:
    """dog (internal-dogfood: target edge, app orders) and demo (oss-demo: target web, app site)."""
    root = tmp_path / "state"
    root.mkdir(mode=0o700)
    context(root, "dog", "internal-dogfood", 1)
    context(root, "demo", "oss-demo", 2)
    records(root, "dog", 1, "targets", [target("edge", "edge.internal.test", "dog", 1)])
    records(root, "dog", 1, "apps", [app("orders", "dog", 1, ["edge"])])
    records(root, "demo", 2, "targets", [target("web", "web.test", "demo", 2)])
    records(root, "demo", 2, "apps", [app("site", "demo", 2, ["web"])])
    return root


def _messages(root: Path, focus: str | None = None) -> list[str]:
    return [f.message for f in run_check(POLICY, snapshot(root, focus=focus))]


def test_separate_contexts_pass(two: Path) -> None:
    events(two, "demo", [event("demo", 2, target="web", app="site")])
    events(two, "dog", [event("dog", 1, target="edge", app="orders")])
    assert _messages(two) == []


@pytest.mark.parametrize(("field", "ref", "owner"), [("target", "edge", "dog"),
                                                      ("app", "orders", "dog")])
def test_an_event_naming_another_contexts_record_fails(two: Path, field: str, ref: str,
                                                       owner: str) -> None:
    events(two, "demo", [event("demo", 2, **{field: ref})])
    findings = run_check(POLICY, snapshot(two))
    assert [(f.message, f.line) for f in findings] == [
        (f"event refers to {field} {ref!r} of context {owner!r}", 1)]
    assert findings[0].path == str(two / "contexts/demo/events/audit.jsonl")
    check = evaluate([POLICY], snapshot(two), "state").checks[0]
    assert check.status == "fail" and check.blocking and check.severity == "critical"


def test_an_event_naming_its_own_record_or_an_unknown_one_passes(two: Path) -> None:
    events(two, "demo", [event("demo", 2, target="web", app="site"),
                         event("demo", 2, target="gone", app="gone")])
    assert _messages(two) == []


def test_a_name_both_contexts_use_is_their_own(two: Path) -> None:
    records(two, "demo", 2, "targets", [target("web", "web.test", "demo", 2),
                                        target("edge", "edge.demo.test", "demo", 2)])
    events(two, "demo", [event("demo", 2, target="edge")])
    assert _messages(two) == []


def test_only_the_focused_context_is_judged_for_references(two: Path) -> None:
    events(two, "demo", [event("demo", 2, target="edge")])
    assert _messages(two, focus="dog") == []
    assert len(_messages(two, focus="demo")) == 1


@pytest.mark.parametrize(("fields", "why"), [
    ({"context": "dog"}, "event: record names context 'dog'"),
    ({"context_id": cid(1)}, "event: record carries context_id of 'dog'"),
    ({"context_id": cid(9)}, "event: record carries a foreign context_id"),
])
def test_an_event_of_another_context(two: Path, fields: dict[str, str], why: str) -> None:
    row = {**event("demo", 2), **fields}
    events(two, "demo", [event("demo", 2), row])
    findings = run_check(POLICY, snapshot(two))
    assert [(f.message, f.line) for f in findings] == [(why, 2)]


@pytest.mark.parametrize("host", ["edge.internal.test", "EDGE.internal.test.", "ops@edge.internal.test"])
def test_a_host_in_two_contexts_fails_on_any_port(two: Path, host: str) -> None:
    records(two, "demo", 2, "targets", [target("web", host, "demo", 2, port=2222)])
    findings = run_check(POLICY, snapshot(two))
    assert len(findings) == 1 and findings[0].extra["kind"] == "shared-host"
    assert findings[0].extra["contexts"] == ["demo", "dog"]


def test_one_vault_file_for_two_contexts(tmp_path: Path) -> None:
    root = tmp_path / "state"
    shared = str(tmp_path / "shared.env")
    context(root, "dog", "internal-dogfood", 1, vault_file=shared)
    context(root, "demo", "oss-demo", 2, vault_file=shared)
    findings = run_check(POLICY, snapshot(root))
    assert [f.extra.get("kind") for f in findings] == ["shared-vault"]


def test_a_copied_context_directory(tmp_path: Path) -> None:
    root = tmp_path / "state"
    context(root, "dog", "internal-dogfood", 1)
    context(root, "copy", "internal-dogfood", 1)
    findings = run_check(POLICY, snapshot(root))
    assert [f.extra.get("kind") for f in findings] == ["copied-context"]


def test_a_record_of_another_context_in_a_collection(two: Path) -> None:
    records(two, "demo", 2, "targets", [target("web", "web.test", "demo", 2),
                                        target("x", "x.test", "dog", 1)])
    assert _messages(two) == ["target 'x': record names context 'dog'"]
