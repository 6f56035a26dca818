"""Check kinds of the escalation scope (runbook section 9): the four "escalate now" conditions.

`escalation.condition` runs existing check kinds (with their default parameters) and keeps
what concerns the condition, so an escalation policy is YAML over the same detectors as
doctor; condition 4 uses `backup.latest_verification_failed` (engine/checks/backup.py), the
check kind of doctor's `backup-latest-verifies`, with its own severity.
"""

from __future__ import annotations

from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind, get_check
from si_paas.findings import Finding
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
        real = snap.paths.realpath(finding.path)
        return any(snap.paths.realpath(c.vault_file) == real for c in snap.state.contexts if c.type == ctype)
    return False


@check_kind(
    "escalation.condition",
    {
        "checks": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "string"}},
        "context_type": {
            "type": "string",
            "allowed": ["internal-dogfood", "oss-demo"],
            "nullable": True,
            "default": None,
        },
    },
)
def condition(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Findings of the named check kinds, limited to contexts of `context_type` when given."""
    findings: list[Finding] = []
    for name in params["checks"]:
        kind = get_check(name)
        for f in kind.fn(snap, _defaults(kind.params_schema), policy):
            if params["context_type"] and not _of_type(snap, f, params["context_type"]):
                continue
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f.message,
                    path=f.path,
                    line=f.line,
                    excerpt=f.excerpt,
                    fingerprint=f.fingerprint,
                    extra={**f.extra, "check": name},
                )
            )
    return findings
