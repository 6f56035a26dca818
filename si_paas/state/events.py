"""The per-context event logs (deployments, alerts, audit) as locked JSONL appends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from si_paas.errors import InputError
from si_paas.state import fsio
from si_paas.state.clock import actor, parse_time, utc_now
from si_paas.state.contexts import Context
from si_paas.state.layout import EVENT_FILES, StateLayout
from si_paas.state.validate import validate_document


def append_event(
    layout: StateLayout,
    ctx: Context,
    kind: str,
    command: str,
    status: str,
    **fields: Any,
) -> dict[str, Any]:
    """Append one event carrying the context's name and id; returns the record."""
    record: dict[str, Any] = {
        "time": utc_now(),
        "kind": kind,
        "context": ctx.name,
        "context_id": ctx.context_id,
        "actor": actor(),
        "command": command,
        "status": status,
    }
    record.update({k: v for k, v in fields.items() if v is not None})
    fsio.append_jsonl(layout.events_file(ctx.name, kind), record)
    return record


def read_events(
    layout: StateLayout,
    ctx: Context,
    kinds: tuple[str, ...] = tuple(EVENT_FILES),
    since: datetime | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Events of the given kinds, newest first, optionally since a time and limited."""
    events: list[tuple[datetime, dict[str, Any]]] = []
    for kind in kinds:
        path = layout.events_file(ctx.name, kind)
        for number, record in fsio.read_jsonl(path):
            validate_document(record, "event", f"{path}: line {number}")
            try:
                when = parse_time(record["time"])
            except ValueError:
                raise InputError(f"{path}: line {number}: field time: not an ISO time") from None
            if since is None or when >= since:
                events.append((when, record))
    events.sort(key=lambda pair: pair[0], reverse=True)
    records = [record for _, record in events]
    return records[:limit] if limit is not None else records
