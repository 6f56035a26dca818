"""Check kinds of the escalation scope (runbook section 9): the four "escalate now" conditions.

`escalation.condition` runs existing check kinds (with their default parameters) and keeps
what concerns the condition, so an escalation policy is YAML over the same detectors as
doctor; `backup.latest_verification_failed` is condition 4.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from si_paas.engine.checks.checklist import latest_backup, verifications
from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind, get_check
from si_paas.findings import Finding
from si_paas.snapshot import operations as ops
from si_paas.snapshot.snapshot import Snapshot


def _defaults(schema: dict[str, Any]) -> dict[str, Any]:
    from cerberus import Validator

    normalized: dict[str, Any] = Validator(schema).normalized({}) or {}
    return normalized


def _of_type(snap: Snapshot, finding: Finding, ctype: str) -> bool:
    """Whether a finding concerns a context of type `ctype` (by name or by its vault file)."""
    named = finding.extra.get("context")
    if named is not None:
        ctx = snap.state.by_name(str(named))
        return ctx is not None and ctx.type == ctype
    if finding.path:
        real = os.path.realpath(finding.path)
        return any(os.path.realpath(c.vault_file) == real for c in snap.state.contexts
                   if c.type == ctype)
    return False


@check_kind("escalation.condition", {
    "checks": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "string"}},
    "context_type": {"type": "string", "allowed": ["internal-dogfood", "oss-demo"], "nullable": True,
                     "default": None},
})
def condition(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Findings of the named check kinds, limited to contexts of `context_type` when given."""
    findings: list[Finding] = []
    for name in params["checks"]:
        kind = get_check(name)
        for f in kind.fn(snap, _defaults(kind.params_schema), policy):
            if params["context_type"] and not _of_type(snap, f, params["context_type"]):
                continue
            findings.append(Finding(rule=policy.id, message=f.message, path=f.path, line=f.line,
                                    excerpt=f.excerpt, fingerprint=f.fingerprint,
                                    extra={**f.extra, "check": name}))
    return findings


@check_kind("backup.latest_verification_failed", {
    "level": {"type": "string", "allowed": ["manifest", "archive", "read-data"], "nullable": True,
              "default": None},
})
def latest_verification_failed(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """The newest verification of each context's newest snapshot failed (any level, or `level`)."""
    findings = []
    for ctx in snap.state.focused():
        records = ops.backup_verifications(snap.state, ctx)
        snapshot, _ = latest_backup(records)
        if snapshot is None:
            continue
        levels = [params["level"]] if params["level"] else ["manifest", "archive", "read-data"]
        runs = sorted((pair for lv in levels for pair in verifications(records, snapshot, lv)),
                      key=lambda pair: pair[0])
        if runs and not runs[-1][1].get("ok"):
            when, rec = runs[-1]
            path = Path(snap.state.layout.context_dir(ctx.name)) / "events" / "backups.jsonl"
            findings.append(Finding(
                rule=policy.id, path=str(path),
                message=f"{ctx.name}: verification ({rec.get('level')}) of the newest snapshot "
                        f"{snapshot} failed at {when.strftime('%Y-%m-%dT%H:%M:%SZ')}: "
                        f"{rec.get('failed') or 'unknown'}",
                extra={"context": ctx.name, "snapshot": snapshot}))
    return findings
