"""Check kinds about backups: where the backup root lives, and the newest verification.

The verification records (`events/backups.jsonl`) are read through `snapshot/operations.py`
and their shape through `checklist.latest_backup`/`verifications`, the same readers as
checklist item 3, so the checklist, doctor and escalation judge one set of records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from si_paas.engine.checks.checklist import failure_text, latest_backup, verifications
from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot import operations as ops
from si_paas.snapshot.backups import key_dir_of, root_of, root_problems
from si_paas.snapshot.snapshot import Snapshot

LEVELS = ["manifest", "archive", "read-data"]


@check_kind("backup.root_outside_repo")
def backup_root_outside_repo(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """The backup root (after realpath) is outside every git work tree, the state root and
    the key directory, and does not hold the key directory."""
    root = root_of(snap)
    return [
        Finding(rule=policy.id, path=str(root), message=problem)
        for problem in root_problems(root, snap.state.root, key_dir_of(snap), snap.paths)
    ]


@check_kind(
    "backup.latest_verification_failed",
    {
        "level": {"type": "string", "allowed": LEVELS, "nullable": True, "default": None},
    },
)
def latest_verification_failed(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """The newest verification of each context's newest snapshot failed (any level, or `level`)."""
    findings = []
    for ctx in snap.state.focused():
        records = ops.backup_verifications(snap.state, ctx)
        snapshot, _ = latest_backup(records)
        if snapshot is None:
            continue
        levels = [params["level"]] if params["level"] else LEVELS
        runs = sorted(
            (pair for lv in levels for pair in verifications(records, snapshot, lv)), key=lambda pair: pair[0]
        )
        if runs and not runs[-1][1].get("ok"):
            when, rec = runs[-1]
            path = Path(snap.state.layout.context_dir(ctx.name)) / "events" / "backups.jsonl"
            findings.append(
                Finding(
                    rule=policy.id,
                    path=str(path),
                    message=f"{ctx.name}: verification ({rec.get('level')}) of the newest snapshot "
                    f"{snapshot} failed at {when.strftime('%Y-%m-%dT%H:%M:%SZ')}: "
                    f"{failure_text(rec)}",
                    extra={"context": ctx.name, "snapshot": snapshot},
                )
            )
    return findings
