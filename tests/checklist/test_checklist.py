"""`si paas checklist`: each item failing alone, and the 7-day window's boundary."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from conftest import Run, write
from opshelp import stamp, write_backup, write_drill

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "alerts"))
from alerthelp import add_channel, receiver  # noqa: E402

INSIDE = timedelta(days=6, hours=23)
OUTSIDE = timedelta(days=7, hours=1)
CONTEXTS = ("internal-dogfood", "oss-demo")


@pytest.fixture
def t0(baseline: Callable[..., Run]) -> datetime:
    """Both contexts with a channel and a real successful `alert test`, made right after t0."""
    start = datetime.now(UTC)
    with receiver() as rx:
        for ctx in CONTEXTS:
            add_channel(baseline, ctx, rx.url(f"/{ctx}"))
            run = baseline("paas", "--context", ctx, "alert", "test")
            assert run.code == 0, run.stderr
    return start


def _records(
    state_root: Path, ok_at: datetime, *, backup_at: datetime | None = None, drill_at: datetime | None = None
) -> None:
    for ctx in CONTEXTS:
        write_backup(state_root, ctx, backup_at or ok_at)
    write_drill(state_root, drill_at or ok_at)


def _checklist(si: Callable[..., Run], as_of: datetime, *args: str) -> Run:
    return si("paas", "checklist", "--as-of", stamp(as_of), *args)


def _status(run: Run) -> dict[str, str]:
    return {i["id"].split("-")[1]: i["status"] for i in run.json["items"]}


def test_green_at_the_window_boundary(baseline: Callable[..., Run], state_root: Path, t0: datetime) -> None:
    as_of = t0 + INSIDE  # the alert test happened just after t0: 6d23h minus seconds ago
    _records(state_root, as_of - INSIDE)
    run = _checklist(baseline, as_of, "--json")
    assert run.code == 0, run.stdout
    assert _status(run) == dict.fromkeys("12345", "pass")
    assert run.json["count"] == 5 and run.json["as_of"].startswith(stamp(as_of)[:19])


@pytest.mark.parametrize("item", ["3", "4", "5"])
def test_each_time_item_fails_alone_past_the_window(
    baseline: Callable[..., Run], state_root: Path, t0: datetime, item: str
) -> None:
    as_of = t0 + (OUTSIDE if item == "4" else INSIDE)
    fresh, stale = as_of - INSIDE, as_of - OUTSIDE
    _records(
        state_root, fresh, backup_at=stale if item == "3" else fresh, drill_at=stale if item == "5" else fresh
    )
    run = _checklist(baseline, as_of, "--json")
    assert run.code == 1
    expected = dict.fromkeys("12345", "pass")
    expected[item] = "fail"
    assert _status(run) == expected
    (bad,) = [i for i in run.json["items"] if i["status"] == "fail"]
    assert bad["remediation"] and bad["findings"]


def test_item_1_fails_alone_on_a_contaminated_repo(
    baseline: Callable[..., Run], state_root: Path, t0: datetime, make_repo: Callable[..., Path]
) -> None:
    as_of = t0 + INSIDE
    _records(state_root, as_of - INSIDE)
    repo = make_repo(files={".si/paas/current_context": "internal-dogfood\n"})
    run = baseline("paas", "checklist", "--as-of", stamp(as_of), "--json", cwd=repo)
    assert run.code == 1
    assert _status(run) == {"1": "fail", "2": "pass", "3": "pass", "4": "pass", "5": "pass"}
    assert "no-repo-private-state" in run.json["items"][0]["findings"][0]


def test_item_2_fails_alone_without_oss_demo(
    baseline: Callable[..., Run], state_root: Path, t0: datetime
) -> None:
    as_of = t0 + INSIDE
    _records(state_root, as_of - INSIDE)
    assert baseline("paas", "context", "remove", "oss-demo", "--force").code == 0
    run = _checklist(baseline, as_of, "--json")
    assert run.code == 1
    assert _status(run) == {"1": "pass", "2": "fail", "3": "pass", "4": "pass", "5": "pass"}


def test_failed_or_shallow_verification_and_failed_drill_fail(
    baseline: Callable[..., Run], state_root: Path, t0: datetime
) -> None:
    as_of = t0 + timedelta(hours=1)
    _records(state_root, t0)
    write_backup(state_root, "oss-demo", t0 + timedelta(minutes=5), snapshot="snap-2", ok=False)
    write_backup(
        state_root, "internal-dogfood", t0 + timedelta(minutes=5), snapshot="snap-2", level="archive"
    )
    write_drill(state_root, t0 + timedelta(minutes=10), status="failed", drill_id="drl_0002")
    run = _checklist(baseline, as_of, "--json")
    status = _status(run)
    assert status["3"] == "fail" and status["5"] == "pass"  # the older completed drill still counts
    findings = " ".join(run.json["items"][2]["findings"])
    assert "oss-demo: newest snapshot snap-2 failed read-data" in findings
    assert "internal-dogfood: newest snapshot snap-2 has no read-data verification" in findings


def test_missing_channel_secret_fails_item_4(
    baseline: Callable[..., Run], state_root: Path, t0: datetime
) -> None:
    _records(state_root, t0)
    assert baseline("paas", "--context", "oss-demo", "secret", "unset", "OSS_DEMO_OPS_URL").code == 0
    run = _checklist(baseline, t0 + timedelta(hours=1), "--json")
    assert _status(run)["4"] == "fail"
    assert "oss-demo: no channel whose vault keys are present" in run.json["items"][3]["findings"][0]


def test_human_table_junit_sarif_and_one_audit_row(
    baseline: Callable[..., Run], state_root: Path, t0: datetime
) -> None:
    as_of = t0 + timedelta(hours=1)
    _records(state_root, t0, drill_at=t0 - OUTSIDE)
    audit = state_root / "contexts" / "internal-dogfood" / "events" / "audit.jsonl"
    before = len(audit.read_text().splitlines())
    human = _checklist(baseline, as_of)
    assert human.code == 1
    for needle in (
        "1. si paas doctor",
        "5. a rollback drill",
        "FAIL",
        "snap-1",
        "verified",
        "--app APP",
        "checklist red: 4 of 5",
    ):
        assert needle in human.stdout, needle
    rows = [json.loads(line) for line in audit.read_text().splitlines()][before:]
    assert [(r["command"], r["exit_code"]) for r in rows] == [("checklist", 1)]
    junit = ET.fromstring(_checklist(baseline, as_of, "--format", "junit").stdout)
    assert junit.get("tests") == "5" and junit.get("failures") == "1"
    sarif = json.loads(_checklist(baseline, as_of, "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["checklist-5-rollback-drill"]


def test_window_is_tuned_in_the_policy_yaml(
    baseline: Callable[..., Run], state_root: Path, t0: datetime, make_repo: Callable[..., Path]
) -> None:
    as_of = t0 + INSIDE
    _records(state_root, as_of - INSIDE, drill_at=as_of - timedelta(days=20))
    shipped = Path(__file__).resolve().parents[2] / "policies" / "checklist-5-rollback-drill.yaml"
    repo = make_repo()
    write(repo / ".si-paas.yaml", "policies: [ops/policies]\n")
    (repo / "ops" / "policies").mkdir(parents=True)
    tuned = repo / "ops" / "policies" / shipped.name
    shutil.copy(shipped, tuned)
    assert baseline("paas", "checklist", "--as-of", stamp(as_of), cwd=repo).code == 1
    tuned.write_text(shipped.read_text().replace("max_age: 7d", "max_age: 30d"))
    run = baseline("paas", "checklist", "--as-of", stamp(as_of), "--json", cwd=repo)
    assert run.code == 0, run.stdout


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", ""])
def test_malformed_as_of_is_exit_2(baseline: Callable[..., Run], state_root: Path, value: str) -> None:
    audit = state_root / "contexts" / "internal-dogfood" / "events" / "audit.jsonl"
    run = baseline("paas", "checklist", "--as-of", value)
    assert run.code == 2 and len(run.stderr.strip().splitlines()) == 1 and "--as-of" in run.stderr
    assert not (state_root / "contexts" / "internal-dogfood" / "events" / "alerts.jsonl").exists()
    assert "checklist" not in audit.read_text()
