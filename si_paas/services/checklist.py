"""`si paas checklist`: the runbook's weekly checklist (section 8) as policies of scope `checklist`.

One snapshot, with "now" read once (or taken from --as-of) and held in it, so every item is a
pure check and any past week can be judged again. The doctor verdict the first item needs is
computed on the same snapshot, with the same repository config as `si paas doctor`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from si_paas.engine.verdict import Verdict
from si_paas.errors import ExitCode, UsageError
from si_paas.services.alerts import raise_alert
from si_paas.services.invocation import Invocation, Result
from si_paas.services.judge import build_snapshot, current_repo, judge
from si_paas.services.pipeline import Call, command
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.state.clock import parse_time
from si_paas.state.contexts import Context

SCOPE = "checklist"
AUDIT_CONTEXT = "internal-dogfood"


def parse_as_of(text: str | None) -> datetime:
    """--as-of as an aware datetime; now when not given."""
    if text is None:
        return datetime.now(UTC)
    try:
        return parse_time(text)
    except ValueError:
        raise UsageError(f"--as-of {text!r}: expected an ISO 8601 time like 2026-03-10T12:00:00Z") from None


def _audit_context(inv: Invocation) -> Context | None:
    """Where the run's audit row goes: --context, else internal-dogfood when it exists."""
    if inv.resolved is not None:
        return inv.resolved
    from si_paas.state.contexts import load_context

    if inv.layout.config_file(AUDIT_CONTEXT).is_file():
        inv.resolved = load_context(inv.layout, AUDIT_CONTEXT)
    return inv.resolved


def _alert_failures(
    inv: Invocation, verdict: Verdict, fallback: Context | None, contexts: dict[str, Context]
) -> None:
    """One warning alert per failing item, in each context its findings name (else fallback)."""
    for check in verdict.failed(blocking_only=False):
        named = {str(f.extra["context"]) for f in check.findings if f.extra.get("context")}
        targets = [contexts[n] for n in sorted(named) if n in contexts] or ([fallback] if fallback else [])
        for ctx in targets:
            mine = [f for f in check.findings if f.extra.get("context") in (None, ctx.name)]
            first = mine[0].message if mine else check.title
            raise_alert(
                inv,
                "warning",
                "checklist",
                f"checklist item failed: {check.title}: {first}",
                {"alertname": "si-paas-checklist", "check": check.id},
                ctx=ctx,
                annotations={"remediation": check.remediation},
            )


def _check(call: Call, as_of: str | None) -> None:
    parse_as_of(as_of)
    call.inv.layout.check_usable(write=False)


@command("checklist", context="optional", gate="none", check=_check)
def run(call: Call, as_of: str | None) -> Result:
    """Evaluate the five items; exit 0 when all pass, 1 otherwise. Alerts only for live runs."""
    inv = call.inv
    now = parse_as_of(as_of)
    audit_ctx = _audit_context(inv)
    here = current_repo()
    snap = build_snapshot(SnapshotSpec(inv.layout, paths=(here,) if here else (), now=now))
    doctor = judge(snap, "doctor", config_repo=here).verdict
    snap.memo["doctor"] = {
        "ok": doctor.ok,
        "failed": [c.id for c in doctor.failed()],
        "summary": doctor.summary(),
    }
    verdict = judge(snap, SCOPE, config_repo=here).verdict
    evidence: dict[str, str] = snap.memo.get("evidence", {})
    items: list[dict[str, Any]] = []
    for c in verdict.checks:
        items.append(
            {
                "id": c.id,
                "title": c.title,
                "status": c.status,
                "ok": c.ok,
                "evidence": evidence.get(c.id, "-"),
                "findings": [f.message for f in c.findings],
                "remediation": None if c.ok else c.remediation,
            }
        )
    if as_of is None:
        _alert_failures(inv, verdict, audit_ctx, {c.name: c for c in snap.state.contexts})
    inv.audit_args["as_of"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    inv.audit_args["failed"] = [c.id for c in verdict.failed(blocking_only=False)]
    ok = all(c.ok for c in verdict.checks)
    return Result(
        {
            "as_of": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "state_root": str(inv.layout.root),
            "repos": [str(r.root) for r in snap.repos],
            "scope": SCOPE,
            "items": items,
            "count": len(items),
            "checks": [c.to_dict() for c in verdict.checks],
            "summary": verdict.summary(),
        },
        context=audit_ctx.name if audit_ctx else None,
        ok=ok,
        exit_code=ExitCode.OK if ok else ExitCode.POLICY_FAILED,
    )
