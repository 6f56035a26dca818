"""Plain-text renderers: no rich, for output that must be quick to produce."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from si_paas.report.safe import printable

STATUS_WORD = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "disabled": "OFF"}


def summary_line(payload: Mapping[str, Any]) -> str:
    """`ok: 2 policies passed, 0 failed, 0 warnings, 0 disabled` (FAILED when not ok)."""
    s = payload["summary"]
    return (
        f"{'ok' if payload['ok'] else 'FAILED'}: {s['passed']} policies passed, "
        f"{s['failed']} failed, {s['warnings']} warnings, {s['disabled']} disabled"
    )


def tuning_lines(payload: Mapping[str, Any]) -> list[str]:
    """One line per exclude, disabled policy, extra policy folder and replaced policy.

    Whatever narrowed or changed a verdict is shown with it, in every format.
    """
    tuning = payload.get("tuning") or {}
    where = tuning.get("path") or "repository config"
    skipped = sum(
        r["skipped"].get("excluded by .si-paas.yaml", 0) for r in (payload.get("skipped") or {}).values()
    )
    lines = [f"{where}: exclude {p!r} from the secret scan" for p in tuning.get("exclude", [])]
    if tuning.get("exclude"):
        lines.append(
            f"{where}: {skipped} file(s) excluded from the secret scan "
            "(private-state detection ignores excludes)"
        )
    lines += [f"{where}: disable {p}" for p in tuning.get("disable", [])]
    lines += [f"{where}: extra policy folder {p}" for p in tuning.get("policies", [])]
    for o in tuning.get("overrides", []):
        (s0, s1), (b0, b1) = o["severity"], o["blocking"]
        how = (
            ""
            if (s0, b0) == (s1, b1)
            else (f" ({s0}{'' if b0 else ', non-blocking'} -> {s1}{'' if b1 else ', non-blocking'})")
        )
        by = "repository config" if o["origin"] == "repo" else "--policies"
        lines.append(f"policy {o['id']} replaced by {o['source']} from {by}{how}")
    return lines


def plain_verdict(payload: dict[str, Any], title: str) -> str:
    """A verdict with no findings to show, as plain text: one line per check, then the summary."""
    rows = [
        (
            STATUS_WORD.get(c["status"], printable(c["status"])),
            printable(c["id"]),
            printable(c["severity"]),
            printable(c.get("note") or c["title"]),
        )
        for c in payload["checks"]
    ]
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(3)]
    lines = [f"si paas {title}"]
    lines += [f"  {a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows]
    tuned = [f"  {printable(t)}" for t in tuning_lines(payload)]
    return "\n".join([*lines, *([""] + tuned if tuned else []), "", summary_line(payload)]) + "\n"
