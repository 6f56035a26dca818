"""Hand-written records of other capabilities, in the formats they write.

Drill records follow the deploy capability's `drills.jsonl` (id, app, target, actor, start,
end, status, steps); backup events follow the backup capability's `events/backups.jsonl`
(a `backup create` with its snapshot; a `backup verify` with snapshot, level, ok, failed).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ctx(state_root: Path, ctx: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads((state_root / "contexts" / ctx / "config.json").read_text())
    return config


def _append(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("a") as handle:
        handle.write(json.dumps(record) + "\n")
    path.chmod(0o600)


def write_backup(
    state_root: Path,
    ctx: str,
    when: datetime,
    *,
    snapshot: str = "snap-1",
    ok: bool = True,
    level: str = "read-data",
    create: bool = True,
) -> None:
    """A `backup create` at `when` (with the snapshot's folder) and a verification one minute later."""
    config = _ctx(state_root, ctx)
    path = state_root / "contexts" / ctx / "events" / "backups.jsonl"
    base = {"kind": "backup", "context": ctx, "context_id": config["context_id"], "actor": "op"}
    if create:
        _append(
            path,
            {**base, "time": stamp(when), "command": "backup create", "status": "ok", "snapshot": snapshot},
        )
        # the snapshot's folder in the default backup root (~/.si/backups), as create leaves it
        folder = state_root.parent / "backups" / config["context_id"] / snapshot
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        (folder / "manifest.json").write_text("{}\n")
    _append(
        path,
        {
            **base,
            "time": stamp(when + timedelta(minutes=1)),
            "command": "backup verify",
            "status": "ok" if ok else "error",
            "snapshot": snapshot,
            "level": level,
            "ok": ok,
            "failed": [] if ok else ["chunk 3: authentication tag mismatch"],
        },
    )


def write_drill(
    state_root: Path,
    when: datetime,
    *,
    status: str = "completed",
    ctx: str = "internal-dogfood",
    drill_id: str = "drl_0001",
) -> None:
    """A rollback drill that ended at `when`."""
    config = _ctx(state_root, ctx)
    _append(
        state_root / "contexts" / ctx / "drills.jsonl",
        {
            "id": drill_id,
            "context": ctx,
            "context_id": config["context_id"],
            "app": "orders",
            "target": "edge-a",
            "actor": "op",
            "start": stamp(when - timedelta(minutes=1)),
            "end": stamp(when),
            "status": status,
            "steps": [
                {"name": "rollback", "release": "rel_0001", "result": "ok"},
                {"name": "health", "release": "rel_0001", "result": "ok"},
                {"name": "roll-forward", "release": "rel_0002", "result": "ok"},
                {"name": "health", "release": "rel_0002", "result": "ok"},
            ],
        },
    )
