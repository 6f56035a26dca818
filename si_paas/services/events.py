"""`si paas events list` and the audit line every command leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from si_paas.errors import UsageError
from si_paas.services.invocation import Invocation, Result
from si_paas.services.pipeline import Call, command
from si_paas.state.clock import parse_time
from si_paas.state.contexts import load_context
from si_paas.state.events import append_event, read_events
from si_paas.state.jsonl import BadLine
from si_paas.state.layout import EVENT_FILES


def _since(since: str | None) -> datetime | None:
    if not since:
        return None
    try:
        return parse_time(since)
    except ValueError:
        raise UsageError(f"--since {since!r}: expected an ISO 8601 time like 2026-01-31T12:00:00Z") from None


def _check(call: Call, limit: int, kind: str | None, since: str | None) -> None:
    if limit < 1:
        raise UsageError(f"--limit {limit}: must be 1 or more")
    _since(since)


@command("events list", context="required", gate="read", check=_check)
def list_events(call: Call, limit: int, kind: str | None, since: str | None) -> Result:
    """Events newest first, optionally of one kind and since a time."""
    inv, ctx = call.inv, call.ctx
    when = _since(since)
    kinds = (kind,) if kind else tuple(EVENT_FILES)
    bad: list[BadLine] = []
    items = read_events(inv.layout, ctx, kinds, when, limit, bad)
    for line in bad[:5]:
        inv.warnings.append(f"skipped a malformed event line: {line}")
    if len(bad) > 5:
        inv.warnings.append(
            f"skipped {len(bad) - 5} more malformed event lines (`si paas doctor` lists them)"
        )
    return Result({"items": items, "count": len(items), "skipped_lines": len(bad)}, context=ctx.name)


def audit(inv: Invocation, status: str, exit_code: int, message: str | None) -> None:
    """Append the audit line for this command to its context's audit log, when it has one."""
    ctx = inv.resolved
    if ctx is None:
        name = inv.context_opt
        if not name:
            return
        try:
            ctx = load_context(inv.layout, name)
        except Exception:  # an unknown or broken context has no log to write to
            return
    if not inv.layout.context_dir(ctx.name).is_dir():
        return
    args: dict[str, Any] = dict(inv.audit_args)
    append_event(
        inv.layout, ctx, "audit", inv.command, status, args=args, exit_code=exit_code, message=message
    )
