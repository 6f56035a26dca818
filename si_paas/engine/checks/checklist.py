"""Check kinds of the weekly checklist (runbook section 8): one per item, windows in `with`.

Every time check compares against `snap.now`, read once per command (or set by --as-of), so a
check is pure. Each kind also leaves a line of evidence in `snap.memo["evidence"][policy id]`
(which snapshot, which drill, when) for the checklist table, passing or not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from si_paas.durations import DURATION_PATTERN, parse_duration
from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot import operations as ops
from si_paas.snapshot.backups import root_of, snapshot_folder
from si_paas.snapshot.snapshot import Snapshot
from si_paas.state.clock import parse_time

_WINDOW = {"type": "string", "regex": DURATION_PATTERN, "default": "7d"}


def _evidence(snap: Snapshot, policy: Policy, lines: list[str]) -> None:
    snap.memo.setdefault("evidence", {})[policy.id] = "; ".join(lines) or "-"


def _time(record: dict[str, Any], *fields: str) -> datetime | None:
    for name in fields:
        value = record.get(name)
        if isinstance(value, str):
            try:
                return parse_time(value)
            except ValueError:
                continue
    return None


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _age(snap: Snapshot, when: datetime) -> str:
    delta = snap.now - when
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24}d{hours % 24}h ago" if hours >= 0 else "in the future"


@check_kind("checklist.doctor_ok")
def doctor_ok(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Item 1: the doctor verdict for the active state root is ok.

    The checklist command puts the doctor verdict it computed (with the repository config)
    into `snap.memo["doctor"]`; without it, the default pack's doctor scope is evaluated here.
    """
    result = snap.memo.get("doctor")
    if result is None:
        from si_paas.engine.evaluate import evaluate
        from si_paas.engine.policy import load_policies

        verdict = evaluate(load_policies(), snap, "doctor")
        result = {"ok": verdict.ok, "failed": [c.id for c in verdict.failed()], "summary": verdict.summary()}
    summary = result["summary"]
    _evidence(
        snap,
        policy,
        [f"doctor over {snap.state.root}: {summary['passed']} passed, {summary['failed']} failed"],
    )
    if result["ok"]:
        return []
    return [
        Finding(
            rule=policy.id,
            message="doctor fails: " + ", ".join(result["failed"]),
            extra={"failed": result["failed"]},
        )
    ]


@check_kind(
    "checklist.contexts_separated",
    {
        "contexts": {
            "type": "dict",
            "keysrules": {"type": "string"},
            "valuesrules": {"type": "string", "allowed": ["internal-dogfood", "oss-demo"]},
            "default": {"internal-dogfood": "internal-dogfood", "oss-demo": "oss-demo"},
        },
    },
)
def contexts_separated(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Item 2: the named contexts exist with their types, with distinct targets and vault paths."""
    from si_paas.engine.checks.cross_context import host_key

    findings: list[Finding] = []
    evidence: list[str] = []
    present = []
    for name, ctype in sorted(params["contexts"].items()):
        ctx = snap.state.by_name(name)
        if ctx is None:
            findings.append(
                Finding(rule=policy.id, message=f"context {name!r} does not exist", extra={"context": name})
            )
            continue
        if ctx.type != ctype:
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f"context {name!r} is of type {ctx.type}, expected {ctype}",
                    extra={"context": name},
                )
            )
        targets = snap.state.items(ctx, "targets")
        evidence.append(
            f"{name} ({ctx.type}): {len(targets)} target(s), vault {snap.paths.realpath(ctx.vault_file)}"
        )
        present.append((ctx, {host_key(t, snap.paths): t["name"] for t in targets}))
    for i, (a, hosts_a) in enumerate(present):
        for b, hosts_b in present[i + 1 :]:
            if snap.paths.realpath(a.vault_file) == snap.paths.realpath(b.vault_file):
                findings.append(
                    Finding(
                        rule=policy.id, path=a.vault_file, message=f"{a.name} and {b.name} share a vault file"
                    )
                )
            for key in sorted(set(hosts_a) & set(hosts_b)):
                findings.append(
                    Finding(
                        rule=policy.id,
                        message=f"{a.name}/{hosts_a[key]} and {b.name}/{hosts_b[key]} "
                        f"share target host {key.rstrip(':')}",
                    )
                )
    _evidence(snap, policy, evidence)
    return findings


def latest_backup(records: list[dict[str, Any]]) -> tuple[str | None, datetime | None]:
    """(snapshot id, time) of the newest snapshot the backup records name.

    A successful `backup create` names it when there is one; otherwise the newest snapshot any
    verification names. The one place that reads the backup records' shape.
    """
    created = [
        (t, r["snapshot"])
        for r in records
        if r.get("command") == "backup create"
        and r.get("status", "ok") == "ok"
        and r.get("snapshot")
        and (t := _time(r, "time")) is not None
    ]
    pool = created or [
        (t, r["snapshot"]) for r in records if r.get("snapshot") and (t := _time(r, "time")) is not None
    ]
    if not pool:
        return None, None
    when, snapshot = max(pool, key=lambda pair: pair[0])
    return str(snapshot), (when if created else None)


def failure_text(record: dict[str, Any]) -> str:
    """What a failed verification record says failed (`failed`: a list of "part: message")."""
    failed = record.get("failed")
    if isinstance(failed, list) and failed:
        return "; ".join(str(item) for item in failed)
    if isinstance(failed, str) and failed:
        return failed
    message = record.get("message")
    return message if isinstance(message, str) and message else "unknown"


def verifications(
    records: list[dict[str, Any]], snapshot: str, level: str
) -> list[tuple[datetime, dict[str, Any]]]:
    """Verifications of `snapshot` at `level`, oldest first."""
    found = [
        (t, r)
        for r in records
        if r.get("snapshot") == snapshot
        and r.get("level") == level
        and "ok" in r
        and (t := _time(r, "time")) is not None
    ]
    return sorted(found, key=lambda pair: pair[0])


@check_kind(
    "checklist.backup_verified",
    {
        "max_age": _WINDOW,
        "level": {"type": "string", "allowed": ["manifest", "archive", "read-data"], "default": "read-data"},
    },
)
def backup_verified(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Item 3: each context's newest snapshot is present in the backup root and passed a
    `level` verification within `max_age`."""
    window = parse_duration(params["max_age"])
    since = snap.now - window
    findings: list[Finding] = []
    evidence: list[str] = []
    for ctx in snap.state.focused():
        records = ops.backup_verifications(snap.state, ctx)
        snapshot, created = latest_backup(records)
        if snapshot is None:
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f"{ctx.name}: no backup snapshot recorded",
                    extra={"context": ctx.name},
                )
            )
            evidence.append(f"{ctx.name}: no snapshot")
            continue
        folder = snapshot_folder(snap, ctx.context_id, snapshot)
        if folder is None:
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f"{ctx.name}: newest snapshot {snapshot} "
                    f"is not present in the backup root {root_of(snap)}",
                    extra={"context": ctx.name, "snapshot": snapshot},
                )
            )
            evidence.append(f"{ctx.name}: {snapshot}, missing")
            continue
        checks = [
            (t, r)
            for t, r in verifications(records, snapshot, params["level"])
            if created is None or t >= created
        ]
        if not checks:
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f"{ctx.name}: newest snapshot {snapshot} has no {params['level']} verification",
                    extra={"context": ctx.name},
                )
            )
            evidence.append(f"{ctx.name}: {snapshot}, not verified")
            continue
        when, last = checks[-1]
        evidence.append(
            f"{ctx.name}: {snapshot} verified {params['level']} at {_stamp(when)} "
            f"({_age(snap, when)}, {'ok' if last.get('ok') else 'FAILED'})"
        )
        if not last.get("ok"):
            failed = failure_text(last)
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f"{ctx.name}: newest snapshot {snapshot} "
                    f"failed {params['level']} verification at {_stamp(when)}: {failed}",
                    extra={"context": ctx.name, "snapshot": snapshot},
                )
            )
        elif when < since or (created is not None and created < since):
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f"{ctx.name}: newest verified snapshot "
                    f"{snapshot} is older than {params['max_age']} ({_age(snap, when)})",
                    extra={"context": ctx.name, "snapshot": snapshot},
                )
            )
    _evidence(snap, policy, evidence)
    return findings


@check_kind("checklist.alerting_ready", {"max_age": _WINDOW})
def alerting_ready(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Item 4: each context has a channel whose vault keys exist and a test sent within `max_age`."""
    since = snap.now - parse_duration(params["max_age"])
    findings: list[Finding] = []
    evidence: list[str] = []
    for ctx in snap.state.focused():
        channels = ops.alert_channels(snap.state, ctx)
        keys = ops.vault_keys(snap.state, ctx)
        ready = [
            c for c in channels if c["url_ref"] in keys and (not c.get("sign_ref") or c["sign_ref"] in keys)
        ]
        if not ready:
            why = (
                "no alert channel"
                if not channels
                else "no channel whose vault keys are present ("
                + ", ".join(f"{c['name']}: {c['url_ref']}" for c in channels)
                + ")"
            )
            findings.append(
                Finding(rule=policy.id, message=f"{ctx.name}: {why}", extra={"context": ctx.name})
            )
            evidence.append(f"{ctx.name}: {why}")
            continue
        names = {c["name"] for c in ready}
        tests = [
            t
            for r in ops.alert_events(snap.state, ctx)
            if r.get("command") == "alert test"
            and r.get("status") == "sent"
            and r.get("channel") in names
            and (t := _time(r, "time")) is not None
            and t <= snap.now
        ]
        last = max(tests, default=None)
        channel_text = ", ".join(sorted(names))
        if last is None or last < since:
            seen = f"last {_stamp(last)} ({_age(snap, last)})" if last else "never"
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f"{ctx.name}: no successful alert test within {params['max_age']} ({seen})",
                    extra={"context": ctx.name},
                )
            )
            evidence.append(f"{ctx.name}: channel {channel_text}, test {seen}")
        else:
            evidence.append(
                f"{ctx.name}: channel {channel_text}, test sent {_stamp(last)} ({_age(snap, last)})"
            )
    _evidence(snap, policy, evidence)
    return findings


@check_kind(
    "checklist.rollback_drill",
    {
        "max_age": _WINDOW,
        "context": {"type": "string", "default": "internal-dogfood"},
    },
)
def rollback_drill(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Item 5: a completed rollback drill in `context` that ended within `max_age`."""
    since = snap.now - parse_duration(params["max_age"])
    ctx = snap.state.by_name(params["context"])
    if ctx is None:
        _evidence(snap, policy, [f"no context {params['context']}"])
        return [
            Finding(
                rule=policy.id,
                message=f"context {params['context']!r} does not exist",
                extra={"context": params["context"]},
            )
        ]
    drills = [
        (t, r)
        for r in ops.drill_records(snap.state, ctx)
        if (t := _time(r, "end", "start")) is not None and t <= snap.now
    ]
    completed = [(t, r) for t, r in drills if r.get("status") == "completed"]
    last = max(completed, key=lambda pair: pair[0], default=None)
    if last is not None and last[0] >= since:
        when, rec = last
        _evidence(
            snap,
            policy,
            [
                f"drill {rec.get('id') or rec.get('drill_id')} of "
                f"{rec.get('app')} on {rec.get('target')} completed {_stamp(when)} "
                f"({_age(snap, when)})"
            ],
        )
        return []
    if last is not None:
        seen = f"last completed {_stamp(last[0])} ({_age(snap, last[0])})"
    elif drills:
        newest = max(drills, key=lambda pair: pair[0])
        seen = f"newest drill {newest[1].get('status')} at {_stamp(newest[0])}"
    else:
        seen = "no drill recorded"
    _evidence(snap, policy, [f"{ctx.name}: {seen}"])
    return [
        Finding(
            rule=policy.id,
            message=f"{ctx.name}: no completed rollback drill within {params['max_age']} ({seen})",
            extra={"context": ctx.name},
        )
    ]
