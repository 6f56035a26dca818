"""Check kinds about backups: where the backup root lives, and evidence of verified snapshots.

"Now" is read once per command: `snap.memo["now"]` when the command set it (an `--as-of`),
else `$SI_PAAS_AS_OF` from the snapshot's environment, else the clock, then kept in the memo
so every check of one evaluation sees the same instant.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot.backups import backup_events, key_dir_of, root_problems, view
from si_paas.snapshot.snapshot import Snapshot
from si_paas.state.clock import parse_time

_AGE_RE = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(value: str) -> timedelta:
    """`7d` -> 7 days (units s, m, h, d, w)."""
    match = _AGE_RE.match(value)
    if match is None:
        raise ValueError(value)
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def now_of(snap: Snapshot) -> datetime:
    """The evaluation's one "now" (see the module doc)."""
    found = snap.memo.get("now")
    if isinstance(found, datetime):
        return found
    raw = snap.env.get("SI_PAAS_AS_OF")
    when = parse_time(raw) if raw else datetime.now(UTC)
    snap.memo["now"] = when
    return when


@check_kind("backup.root_outside_repo")
def backup_root_outside_repo(snap: Snapshot, params: dict[str, Any],
                             policy: Policy) -> list[Finding]:
    """The backup root (after realpath) is outside every git work tree, the state root and
    the key directory, and does not hold the key directory."""
    root = view(snap).root
    return [Finding(rule=policy.id, path=str(root), message=problem)
            for problem in root_problems(root, snap.state.root, key_dir_of(snap))]


def _verify_events(snap: Snapshot, ctx: Any, snapshot_id: str) -> list[dict[str, Any]]:
    return [e for e in backup_events(snap, ctx)
            if e.get("action") == "verify" and e.get("snapshot") == snapshot_id]


@check_kind("backup.verified", {"max_age": {"type": "string", "default": "7d",
                                           "regex": _AGE_RE.pattern}})
def backup_verified(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Each context's newest complete snapshot exists, is no older than `max_age`, and a
    read-data verification passed after it was made."""
    now = now_of(snap)
    max_age = parse_age(params["max_age"])
    findings = []
    for ctx in snap.state.focused():
        complete = [s for s in view(snap).snapshots(ctx) if s.manifest is not None]
        if not complete:
            findings.append(Finding(rule=policy.id, path=str(view(snap).root),
                                    message=f"context {ctx.name!r} has no complete snapshot",
                                    extra={"context": ctx.name}))
            continue
        newest = complete[-1]
        made = parse_time(newest.created_at)
        base = {"context": ctx.name, "snapshot": newest.snapshot_id}
        if now - made > max_age:
            findings.append(Finding(
                rule=policy.id, path=str(newest.folder),
                message=f"newest snapshot of {ctx.name!r} ({newest.snapshot_id}) is "
                        f"{_days(now - made)} old, more than {params['max_age']}", extra=base))
        passed = [e for e in _verify_events(snap, ctx, newest.snapshot_id)
                  if e.get("ok") is True and e.get("level") == "read-data"
                  and _after(e.get("time"), made)]
        if not passed:
            findings.append(Finding(
                rule=policy.id, path=str(newest.folder),
                message=f"newest snapshot of {ctx.name!r} ({newest.snapshot_id}) has no "
                        "passed read-data verification since it was made", extra=base))
    return findings


@check_kind("backup.latest_not_failed")
def backup_latest_not_failed(snap: Snapshot, params: dict[str, Any],
                             policy: Policy) -> list[Finding]:
    """The newest verification of each context's newest snapshot did not fail."""
    findings = []
    for ctx in snap.state.focused():
        stored = view(snap).snapshots(ctx)
        if not stored:
            continue
        newest = stored[-1]
        runs = _verify_events(snap, ctx, newest.snapshot_id)
        if stored[-1].manifest is None and not runs:
            findings.append(Finding(rule=policy.id, path=str(newest.folder),
                                    message=f"newest snapshot of {ctx.name!r} "
                                            f"({newest.snapshot_id}): {newest.problem}",
                                    extra={"context": ctx.name, "snapshot": newest.snapshot_id}))
            continue
        if runs and runs[-1].get("ok") is not True:
            failed = runs[-1].get("failed") or {}
            what = f"{failed.get('part')}: {failed.get('message')}" if failed else "failed"
            findings.append(Finding(
                rule=policy.id, path=str(newest.folder),
                message=f"latest verification of {ctx.name!r}'s newest snapshot "
                        f"{newest.snapshot_id} failed at {runs[-1].get('time')}: {what}",
                extra={"context": ctx.name, "snapshot": newest.snapshot_id}))
    return findings


def _after(value: Any, made: datetime) -> bool:
    try:
        return isinstance(value, str) and parse_time(value) >= made
    except ValueError:
        return False


def _days(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} hours"
