"""Plain-text renderers: no rich, for output that must be quick to produce."""

from __future__ import annotations

from typing import Any

STATUS_WORD = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "disabled": "OFF"}


def summary_line(payload: dict[str, Any]) -> str:
    """`ok: 2 policies passed, 0 failed, 0 warnings, 0 disabled` (FAILED when not ok)."""
    s = payload["summary"]
    return (f"{'ok' if payload['ok'] else 'FAILED'}: {s['passed']} policies passed, "
            f"{s['failed']} failed, {s['warnings']} warnings, {s['disabled']} disabled")


def plain_verdict(payload: dict[str, Any], title: str) -> str:
    """A verdict with no findings to show, as plain text: one line per check, then the summary."""
    rows = [(STATUS_WORD.get(c["status"], c["status"]), c["id"], c["severity"], c.get("note") or c["title"])
            for c in payload["checks"]]
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(3)]
    lines = [f"si paas {title}"]
    lines += [f"  {a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows]
    return "\n".join([*lines, "", summary_line(payload)]) + "\n"
