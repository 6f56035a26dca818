"""Prune: a dry run unless --confirm; keep rules; the newest verified snapshot always stays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backuphelp import CTX, context_id, create, verify
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.services.backup import plan_prune
from si_paas.state.backupstore import StoredSnapshot

from conftest import Run


def _stored(when: datetime, n: int) -> StoredSnapshot:
    sid = when.strftime("%Y%m%dT%H%M%SZ") + f"-{n:08x}"
    return StoredSnapshot(sid, Path("/x") / sid, {"created_at": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}, None)


def test_daily_weekly_monthly_buckets() -> None:
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    snaps = [_stored(start + timedelta(hours=12 * i), i) for i in range(120)]  # 60 days
    reasons = plan_prune(snaps, 2, {"daily": 3, "weekly": 2, "monthly": 2}, None)
    kept = {sid: why for sid, why in reasons.items() if why}
    newest = [s.snapshot_id for s in reversed(snaps)]
    assert "last" in kept[newest[0]] and "last" in kept[newest[1]]
    daily = [sid for sid, why in kept.items() if "daily" in why]
    assert len(daily) == 3 and daily[0] == newest[0]  # the newest of each of the 3 last days
    assert len([sid for sid, why in kept.items() if "weekly" in why]) == 2
    monthly = [sid for sid, why in kept.items() if "monthly" in why]
    assert len(monthly) == 2 and monthly[1].startswith("20260228T")  # February's newest
    assert len(kept) < len(snaps)


@settings(max_examples=60, deadline=None)
@given(
    hours=st.lists(st.integers(0, 24 * 90), min_size=1, max_size=30, unique=True),
    keep_last=st.integers(0, 5),
    daily=st.integers(0, 5),
    verified=st.integers(0, 29),
)
def test_plan_keeps_the_newest_verified_and_the_last_n(
    hours: list[int], keep_last: int, daily: int, verified: int
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    snaps = sorted(
        (_stored(start + timedelta(hours=h), i) for i, h in enumerate(hours)), key=lambda s: s.snapshot_id
    )
    chosen = snaps[verified % len(snaps)].snapshot_id
    reasons = plan_prune(snaps, keep_last, {"daily": daily} if daily else {}, chosen)
    assert reasons[chosen]
    for s in snaps[len(snaps) - keep_last :] if keep_last else []:
        assert "last" in reasons[s.snapshot_id]
    assert set(reasons) == {s.snapshot_id for s in snaps}


def test_prune_is_a_dry_run_unless_confirmed(
    baseline: Callable[..., Run], home: Path, state_root: Path
) -> None:
    si = baseline
    first = create(si)
    assert verify(si, first).code == 0  # the only read-data verified snapshot
    second, third = create(si), create(si)
    folder = home / ".si" / "backups" / context_id(state_root)
    dry = si("paas", "--context", CTX, "backup", "prune", "--keep-last", "1", "--json")
    assert dry.code == 0 and dry.json["dry_run"] is True
    assert dry.json["remove"] == [second] and dry.json["removed"] == []
    assert {k["snapshot_id"]: k["why"] for k in dry.json["kept"]} == {
        third: ["last"],
        first: ["newest verified"],
    }
    assert sorted(p.name for p in folder.iterdir()) == sorted([first, second, third])
    done = si("paas", "--context", CTX, "backup", "prune", "--keep-last", "1", "--confirm", "--json")
    assert done.code == 0 and done.json["removed"] == [second]
    assert sorted(p.name for p in folder.iterdir() if p.name[0] != ".") == sorted([first, third])
    listed = [
        i["snapshot_id"] for i in si("paas", "--context", CTX, "backup", "list", "--json").json["items"]
    ]
    assert listed == [third, first]


def test_prune_needs_a_keep_rule(baseline: Callable[..., Run]) -> None:
    run = baseline("paas", "--context", CTX, "backup", "prune", "--confirm")
    assert run.code == 2 and "--keep-last" in run.stderr
    run = baseline("paas", "--context", CTX, "backup", "prune", "--keep-last", "-1")
    assert run.code == 2 and "--keep-last -1" in run.stderr
