"""The weekly checklist's check kinds on real state roots, at a fixed `now`: findings and evidence."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from si_paas.engine.checks.checklist import failure_text, latest_backup
from si_paas.snapshot.snapshot import Snapshot

from statehelp import cid, context, events, put, records, run_check, shipped, snapshot, target

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DOCTOR = shipped("checklist-1-doctor-ok")
SEPARATED = shipped("checklist-2-contexts-separated")
BACKUPS = shipped("checklist-3-backups-verified")
ALERTING = shipped("checklist-4-alerting-ready")
DRILL = shipped("checklist-5-rollback-drill")


def at(**ago: float) -> str:
    """The time `ago` before NOW (negative: after), as the records write it."""
    return (NOW - timedelta(**ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _snap(state: Path, tmp_path: Path, **memo: Any) -> Snapshot:
    env = {"SI_PAAS_BACKUP_ROOT": str(tmp_path / "backups"), "SI_PAAS_KEY_DIR": str(tmp_path / "keys")}
    snap = snapshot(state, env=env)
    snap.memo.update(memo)
    return replace(snap, now=NOW)


def _evidence(snap: Snapshot, pid: str) -> str:
    text: str = snap.memo["evidence"][pid]
    return text


def _state(tmp_path: Path, *names: str) -> Path:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    for n, name in enumerate(names, start=1):
        context(state, name, "oss-demo", n)
    return state


def _messages(found: list[Any]) -> list[str]:
    return [f.message for f in found]


# -- item 1: doctor ----------------------------------------------------------------------


def test_doctor_verdict_from_the_memo_is_reported_with_its_counts(tmp_path: Path) -> None:
    state = _state(tmp_path)
    failing = {"ok": False, "failed": ["a-1", "b-2"], "summary": {"passed": 3, "failed": 2}}
    snap = _snap(state, tmp_path, doctor=failing)
    (found,) = run_check(DOCTOR, snap)
    assert (found.rule, found.message, found.extra) == (
        DOCTOR.id,
        "doctor fails: a-1, b-2",
        {"failed": ["a-1", "b-2"]},
    )
    assert _evidence(snap, DOCTOR.id) == f"doctor over {state}: 3 passed, 2 failed"
    passing = {"ok": True, "failed": [], "summary": {"passed": 5, "failed": 0}}
    snap = _snap(state, tmp_path, doctor=passing)
    assert run_check(DOCTOR, snap) == []
    assert _evidence(snap, DOCTOR.id) == f"doctor over {state}: 5 passed, 0 failed"


def test_doctor_without_a_memo_evaluates_the_doctor_scope(tmp_path: Path) -> None:
    state = _state(tmp_path)
    snap = _snap(state, tmp_path)
    assert run_check(DOCTOR, snap) == []
    assert _evidence(snap, DOCTOR.id).startswith(f"doctor over {state}: ")
    assert _evidence(snap, DOCTOR.id).endswith(" passed, 0 failed")


# -- item 2: contexts separated ------------------------------------------------------------


def test_a_missing_context_and_a_wrong_type_are_both_reported(tmp_path: Path) -> None:
    state = _state(tmp_path)
    context(state, "oss-demo", "internal-dogfood", 2)
    snap = _snap(state, tmp_path)
    found = run_check(SEPARATED, snap)
    assert _messages(found) == [
        "context 'internal-dogfood' does not exist",
        "context 'oss-demo' is of type internal-dogfood, expected oss-demo",
    ]
    assert [f.extra for f in found] == [{"context": "internal-dogfood"}, {"context": "oss-demo"}]
    vault = state / "contexts" / "oss-demo" / "vault" / "secrets.env"
    assert _evidence(snap, SEPARATED.id) == f"oss-demo (internal-dogfood): 0 target(s), vault {vault}"


def test_separate_contexts_pass_with_their_evidence(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    context(state, "internal-dogfood", "internal-dogfood", 1)
    context(state, "oss-demo", "oss-demo", 2)
    records(state, "oss-demo", 2, "targets", [target("demo-a", "demo.example", "oss-demo", 2)])
    snap = _snap(state, tmp_path)
    assert run_check(SEPARATED, snap) == []
    dirs = state / "contexts"
    assert _evidence(snap, SEPARATED.id) == (
        f"internal-dogfood (internal-dogfood): 0 target(s), vault {dirs}/internal-dogfood/vault/secrets.env; "
        f"oss-demo (oss-demo): 1 target(s), vault {dirs}/oss-demo/vault/secrets.env"
    )


def test_a_shared_vault_and_a_shared_host_are_found(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    shared = put(tmp_path, "vaults/shared.env", "si-paas-vault v1\n")
    (tmp_path / "vaults" / "link.env").symlink_to(shared)
    context(state, "internal-dogfood", "internal-dogfood", 1, vault_file=str(shared))
    context(state, "oss-demo", "oss-demo", 2, vault_file=str(tmp_path / "vaults" / "link.env"))
    records(
        state,
        "internal-dogfood",
        1,
        "targets",
        [
            target("edge-a", "Shared.Example", "internal-dogfood", 1),
            target("own", "a.example", "internal-dogfood", 1),
        ],
    )
    records(
        state,
        "oss-demo",
        2,
        "targets",
        [target("demo-b", "b.example", "oss-demo", 2), target("demo-s", "shared.example", "oss-demo", 2)],
    )
    found = run_check(SEPARATED, _snap(state, tmp_path))
    assert _messages(found) == [
        "internal-dogfood and oss-demo share a vault file",
        "internal-dogfood/edge-a and oss-demo/demo-s share target host shared.example",
    ]
    assert found[0].path == str(shared)


# -- item 3: backups verified --------------------------------------------------------------


def _backup(name: str, n: int, time: str, **fields: Any) -> dict[str, Any]:
    return {
        "time": time,
        "kind": "backup",
        "context": name,
        "context_id": cid(n),
        "actor": "op",
        "status": "ok",
        **fields,
    }


def _create(name: str, n: int, time: str, snap: str, **fields: Any) -> dict[str, Any]:
    return _backup(name, n, time, command="backup create", snapshot=snap, **fields)


def _verify(name: str, n: int, time: str, snap: str, ok: bool = True, **fields: Any) -> dict[str, Any]:
    level = fields.pop("level", "read-data")
    return _backup(name, n, time, command="backup verify", snapshot=snap, level=level, ok=ok, **fields)


def _folder(tmp_path: Path, n: int, snap: str) -> None:
    put(tmp_path, f"backups/{cid(n)}/{snap}/manifest.json", "{}\n")


def test_latest_backup_prefers_the_newest_successful_create() -> None:
    rows = [
        _create("a", 1, at(days=3), "snap-b"),
        _create("a", 1, at(days=2), "snap-a"),
        _create("a", 1, at(days=1), "snap-c", status="error"),
        _verify("a", 1, at(hours=1), "snap-d"),
        _create("a", 1, "not a time", "snap-e"),
    ]
    assert latest_backup(rows) == ("snap-a", NOW - timedelta(days=2))
    no_status = [{k: v for k, v in rows[0].items() if k != "status"}]
    assert latest_backup(no_status) == ("snap-b", NOW - timedelta(days=3))


def test_latest_backup_without_a_create_takes_the_newest_verified_snapshot() -> None:
    rows = [
        _verify("a", 1, at(days=2), "snap-b"),
        _verify("a", 1, at(days=1), "snap-a"),
        _verify("a", 1, "never", "snap-z"),
        _backup("a", 1, at(hours=1), command="backup verify"),
    ]
    assert latest_backup(rows) == ("snap-a", None)
    assert latest_backup([]) == (None, None)


def test_failure_text_reads_each_shape() -> None:
    assert failure_text({"failed": ["chunk 3: tag mismatch", "chunk 4: gone"]}) == (
        "chunk 3: tag mismatch; chunk 4: gone"
    )
    assert failure_text({"failed": "disk gone"}) == "disk gone"
    assert failure_text({"failed": [], "message": "boom"}) == "boom"
    assert failure_text({"failed": "", "message": "boom"}) == "boom"
    assert failure_text({"message": ""}) == "unknown"
    assert failure_text({"message": 5}) == "unknown"
    assert failure_text({}) == "unknown"


def test_each_context_is_judged_past_one_without_a_snapshot(tmp_path: Path) -> None:
    state = _state(tmp_path, "a", "b", "c", "d", "e")
    events(state, "b", [_create("b", 2, at(days=1), "snap-1")], log="backups")
    events(state, "c", [_create("c", 3, at(days=1), "snap-1")], log="backups")
    _folder(tmp_path, 3, "snap-1")
    rows = [_verify("d", 4, at(hours=25), "snap-1", ok=False, failed=["chunk 3: tag mismatch"])]
    events(state, "d", [_create("d", 4, at(hours=26), "snap-1"), *rows], log="backups")
    _folder(tmp_path, 4, "snap-1")
    events(
        state,
        "e",
        [_create("e", 5, at(hours=26), "snap-1"), _verify("e", 5, at(minutes=30), "snap-1")],
        log="backups",
    )
    _folder(tmp_path, 5, "snap-1")
    snap = _snap(state, tmp_path)
    found = run_check(BACKUPS, snap)
    assert _messages(found) == [
        "a: no backup snapshot recorded",
        f"b: newest snapshot snap-1 is not present in the backup root {tmp_path}/backups",
        "c: newest snapshot snap-1 has no read-data verification",
        f"d: newest snapshot snap-1 failed read-data verification at {at(hours=25)}: chunk 3: tag mismatch",
    ]
    assert [f.extra for f in found] == [
        {"context": "a"},
        {"context": "b", "snapshot": "snap-1"},
        {"context": "c"},
        {"context": "d", "snapshot": "snap-1"},
    ]
    assert _evidence(snap, BACKUPS.id) == "; ".join(
        [
            "a: no snapshot",
            "b: snap-1, missing",
            "c: snap-1, not verified",
            f"d: snap-1 verified read-data at {at(hours=25)} (1d1h ago, FAILED)",
            f"e: snap-1 verified read-data at {at(minutes=30)} (0d0h ago, ok)",
        ]
    )


def test_only_verifications_after_the_create_count_and_the_newest_decides(tmp_path: Path) -> None:
    state = _state(tmp_path, "a", "b")
    rows_a = [
        _verify("a", 1, at(days=2), "snap-1"),
        _create("a", 1, at(days=1), "snap-1"),
        _verify("a", 1, at(hours=20), "snap-1", level="manifest"),
    ]
    events(state, "a", rows_a, log="backups")
    rows_b = [
        _create("b", 2, at(days=3), "snap-1"),
        _verify("b", 2, at(hours=-2), "snap-1"),
        _verify("b", 2, at(days=2), "snap-1", ok=False, message="bad"),
    ]
    events(state, "b", rows_b, log="backups")
    _folder(tmp_path, 1, "snap-1")
    _folder(tmp_path, 2, "snap-1")
    snap = _snap(state, tmp_path)
    assert _messages(run_check(BACKUPS, snap)) == ["a: newest snapshot snap-1 has no read-data verification"]
    assert _evidence(snap, BACKUPS.id) == (
        f"a: snap-1, not verified; b: snap-1 verified read-data at {at(hours=-2)} (in the future, ok)"
    )


def test_an_old_verification_or_an_old_create_fails_the_window(tmp_path: Path) -> None:
    state = _state(tmp_path, "a", "b", "c")
    events(state, "a", [_verify("a", 1, at(days=8), "snap-1")], log="backups")
    events(
        state,
        "b",
        [_create("b", 2, at(days=8), "snap-1"), _verify("b", 2, at(days=1), "snap-1")],
        log="backups",
    )
    events(state, "c", [_verify("c", 3, at(days=1), "snap-1")], log="backups")
    for n in (1, 2, 3):
        _folder(tmp_path, n, "snap-1")
    snap = _snap(state, tmp_path)
    found = run_check(BACKUPS, snap)
    assert _messages(found) == [
        "a: newest verified snapshot snap-1 is older than 7d (8d0h ago)",
        "b: newest verified snapshot snap-1 is older than 7d (1d0h ago)",
    ]
    assert [f.extra for f in found] == [
        {"context": "a", "snapshot": "snap-1"},
        {"context": "b", "snapshot": "snap-1"},
    ]


# -- item 4: alerting ready ----------------------------------------------------------------


def _channel(name: str, url_ref: str, sign_ref: str | None = None) -> dict[str, Any]:
    channel = {
        "name": name,
        "type": "webhook",
        "url_ref": url_ref,
        "timeout": "5s",
        "retries": 1,
        "backoff": "1s",
    }
    return {**channel, "sign_ref": sign_ref} if sign_ref else channel


def _alerts(state: Path, name: str, n: int, channels: list[dict[str, Any]], keys: list[str]) -> None:
    policy = {
        "schema_version": 1,
        "context": name,
        "context_id": cid(n),
        "repeat_interval": "4h",
        "channels": channels,
        "routes": [],
    }
    put(state, f"contexts/{name}/alerts/policy.json", json.dumps(policy))
    vault = "si-paas-vault v1\n" + "".join(f"{k}=ENC[v1:x]\n" for k in keys)
    put(state, f"contexts/{name}/vault/secrets.env", vault)


def _test(name: str, n: int, time: str, channel: str = "ops", **fields: Any) -> dict[str, Any]:
    row = {"time": time, "kind": "alert", "context": name, "context_id": cid(n), "actor": "op"}
    return {**row, "command": "alert test", "status": "sent", "channel": channel, **fields}


def test_channels_without_their_vault_keys_are_not_ready(tmp_path: Path) -> None:
    state = _state(tmp_path, "a", "b", "c")
    _alerts(
        state, "b", 2, [_channel("ops", "OPS_URL"), _channel("pager", "PAGE_URL", "PAGE_SIGN")], ["PAGE_URL"]
    )
    _alerts(state, "c", 3, [_channel("ops", "OPS_URL", "OPS_SIGN")], ["OPS_URL", "OPS_SIGN"])
    events(state, "c", [_test("c", 3, at(days=1))], log="alerts")
    snap = _snap(state, tmp_path)
    found = run_check(ALERTING, snap)
    assert _messages(found) == [
        "a: no alert channel",
        "b: no channel whose vault keys are present (ops: OPS_URL, pager: PAGE_URL)",
    ]
    assert [f.extra for f in found] == [{"context": "a"}, {"context": "b"}]
    assert _evidence(snap, ALERTING.id) == (
        "a: no alert channel; "
        "b: no channel whose vault keys are present (ops: OPS_URL, pager: PAGE_URL); "
        f"c: channel ops, test sent {at(days=1)} (1d0h ago)"
    )


def test_only_a_sent_test_to_a_ready_channel_in_the_window_counts(tmp_path: Path) -> None:
    state = _state(tmp_path, "a", "b", "c")
    for name, n in (("a", 1), ("b", 2), ("c", 3)):
        _alerts(state, name, n, [_channel("ops", "OPS_URL"), _channel("dead", "DEAD_URL")], ["OPS_URL"])
    not_counted = [
        _test("a", 1, at(days=1), command="alert send"),
        _test("a", 1, at(days=1), status="failed"),
        _test("a", 1, at(days=1), channel="dead"),
        _test("a", 1, "yesterday"),
        _test("a", 1, at(hours=-1)),
    ]
    events(state, "a", not_counted, log="alerts")
    events(state, "b", [_test("b", 2, at(days=9)), _test("b", 2, at(days=8)), *not_counted[:1]], log="alerts")
    events(state, "c", [_test("c", 3, at(days=8)), _test("c", 3, at(hours=2))], log="alerts")
    snap = _snap(state, tmp_path)
    found = run_check(ALERTING, snap)
    assert _messages(found) == [
        "a: no successful alert test within 7d (never)",
        f"b: no successful alert test within 7d (last {at(days=8)} (8d0h ago))",
    ]
    assert [f.extra for f in found] == [{"context": "a"}, {"context": "b"}]
    assert _evidence(snap, ALERTING.id) == (
        "a: channel ops, test never; "
        f"b: channel ops, test last {at(days=8)} (8d0h ago); "
        f"c: channel ops, test sent {at(hours=2)} (0d2h ago)"
    )


# -- item 5: rollback drill ----------------------------------------------------------------


def _drills(state: Path, rows: list[dict[str, Any]], name: str = "internal-dogfood") -> None:
    put(state, f"contexts/{name}/drills.jsonl", "".join(json.dumps(r) + "\n" for r in rows))


def _drill(end: Any, status: str = "completed", start: Any = None, **fields: Any) -> dict[str, Any]:
    row = {"id": "drl_1", "app": "orders", "target": "edge-a", "actor": "op", "start": start, "end": end}
    return {**row, "status": status, "steps": [], **fields}


def test_a_missing_drill_context_is_a_finding(tmp_path: Path) -> None:
    state = _state(tmp_path, "oss-demo")
    snap = _snap(state, tmp_path)
    found = run_check(DRILL, snap)
    assert [(f.message, f.extra) for f in found] == [
        ("context 'internal-dogfood' does not exist", {"context": "internal-dogfood"})
    ]
    assert _evidence(snap, DRILL.id) == "no context internal-dogfood"


def test_the_newest_completed_drill_in_the_past_passes(tmp_path: Path) -> None:
    state = _state(tmp_path, "internal-dogfood")
    rows = [
        _drill(at(days=3), id="drl_3"),
        _drill("not a time", start=at(hours=25), id=None, drill_id="drl_2"),
        _drill(at(days=6), id="drl_6"),
        _drill(at(hours=-1), id="drl_future"),
    ]
    _drills(state, rows)
    snap = _snap(state, tmp_path)
    assert run_check(DRILL, snap) == []
    assert _evidence(snap, DRILL.id) == f"drill drl_2 of orders on edge-a completed {at(hours=25)} (1d1h ago)"


def test_a_stale_or_failed_or_absent_drill_fails_with_what_was_seen(tmp_path: Path) -> None:
    state = _state(tmp_path, "internal-dogfood")
    cases = [
        (
            [_drill(at(days=9)), _drill(at(days=8)), _drill(at(days=1), "failed")],
            f"last completed {at(days=8)} (8d0h ago)",
        ),
        (
            [_drill(at(days=2), "failed"), _drill(at(days=1), "aborted"), _drill(at(days=3), "failed")],
            f"newest drill aborted at {at(days=1)}",
        ),
        ([_drill(at(hours=-2))], "no drill recorded"),
        ([], "no drill recorded"),
    ]
    for rows, seen in cases:
        _drills(state, rows)
        snap = _snap(state, tmp_path)
        found = run_check(DRILL, snap)
        message = f"internal-dogfood: no completed rollback drill within 7d ({seen})"
        assert [(f.message, f.extra) for f in found] == [(message, {"context": "internal-dogfood"})]
        assert _evidence(snap, DRILL.id) == f"internal-dogfood: {seen}"
