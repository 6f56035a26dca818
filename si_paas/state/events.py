"""The per-context event logs (deployments, alerts, audit) as locked JSONL appends."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from si_paas import schemacheck
from si_paas.errors import InputError
from si_paas.state import jsonl
from si_paas.state.clock import actor, parse_time, utc_now
from si_paas.state.contexts import Context
from si_paas.state.jsonl import BadLine
from si_paas.state.layout import EVENT_FILES, StateLayout


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
    jsonl.append_line(layout.events_file(ctx.name, kind), record, jsonl.rotate_limit())
    return record


def _checked(
    path: Path, where: str, record: dict[str, Any], bad: list[BadLine] | None
) -> tuple[datetime, dict[str, Any]] | None:
    """(time, record) for a record that fits the event schema, else None and a BadLine."""
    try:
        schemacheck.check(record, "event", f"{path}: {where}")
        return parse_time(record["time"]), record
    except InputError as exc:
        reason = exc.message.split(f"{where}: ", 1)[-1]
    except (ValueError, OverflowError):
        reason = "field time: not an ISO time"
    if bad is not None:
        bad.append(BadLine(path, where, reason))
    return None


def iter_events(
    layout: StateLayout, ctx: Context, kind: str, bad: list[BadLine] | None = None
) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """Every valid event of one kind, oldest first, over the rotated segments and the live one
    (file, line, record); what does not fit the event schema goes to `bad`."""
    for path in reversed(jsonl.segments(layout.events_file(ctx.name, kind))):
        for number, record in jsonl.read_lines(path, bad):
            if _checked(path, f"line {number}", record, bad) is not None:
                yield path, number, record


def _newest_first(
    layout: StateLayout, ctx: Context, kind: str, bad: list[BadLine] | None
) -> Iterator[tuple[datetime, dict[str, Any]]]:
    for path in jsonl.segments(layout.events_file(ctx.name, kind)):
        for offset, record in jsonl.read_lines_reverse(path, bad):
            if (checked := _checked(path, f"byte {offset}", record, bad)) is not None:
                yield checked


def read_events(
    layout: StateLayout,
    ctx: Context,
    kinds: tuple[str, ...] = tuple(EVENT_FILES),
    since: datetime | None = None,
    limit: int | None = None,
    bad: list[BadLine] | None = None,
) -> list[dict[str, Any]]:
    """Events of the given kinds, newest first, optionally since a time and limited.

    Each log is read from its end, so `--limit 1` touches one block of a large log; logs
    are merged on time. Lines that are not valid events are skipped and added to `bad`.
    """
    merged = heapq.merge(
        *(_newest_first(layout, ctx, k, bad) for k in kinds), key=lambda pair: pair[0], reverse=True
    )
    records = []
    for when, record in merged:
        if since is not None and when < since:
            break  # every log is newest first: nothing older can follow
        records.append(record)
        if limit is not None and len(records) >= limit:
            break
    return records
