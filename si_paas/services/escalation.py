"""The runbook's escalation conditions (section 9): evaluate them, raise one critical alert each.

`si paas escalation check` judges the state root and the repositories in view; every gated
command judges the state root (the gate has no repositories in view) through `on_gated`.
A hit raises a critical alert per condition, deduplicated by fingerprint within the alert
policy's repeat interval, naming the condition and pointing at the incident runbook.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from si_paas.engine.verdict import CheckResult, Verdict
from si_paas.errors import ExitCode, SiPaasError, UsageError
from si_paas.services.alerts import INCIDENT_RUNBOOK, raise_alert
from si_paas.services.invocation import Invocation, Result
from si_paas.services.judge import build_snapshot, current_repo, judge
from si_paas.services.pipeline import Call, command
from si_paas.snapshot.snapshot import Snapshot
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.state.contexts import Context

SCOPE = "escalation"


def _summary(check: CheckResult) -> str:
    first = check.findings[0].message if check.findings else ""
    more = f" (+{len(check.findings) - 1} more)" if len(check.findings) > 1 else ""
    return f"ESCALATE: {check.title}: {first}{more}. Follow {INCIDENT_RUNBOOK}"


def alert_hits(inv: Invocation, verdict: Verdict, contexts: Iterable[Context]) -> list[str]:
    """Raise one critical alert per failed condition in each context; returns condition ids."""
    hits = [c for c in verdict.checks if not c.ok and c.status != "disabled"]
    for check in hits:
        for ctx in contexts:
            raise_alert(
                inv,
                "critical",
                "escalation",
                _summary(check),
                {"alertname": "si-paas-escalation", "condition": check.id},
                ctx=ctx,
                annotations={
                    "runbook": INCIDENT_RUNBOOK,
                    "condition": check.title,
                    "remediation": check.remediation,
                },
            )
    return [c.id for c in hits]


def evaluate_snapshot(snap: Snapshot, config_repo: Path | None = None) -> Verdict:
    """The escalation verdict of one snapshot."""
    return judge(snap, SCOPE, config_repo=config_repo).verdict


def on_gated(inv: Invocation, ctx: Context) -> None:
    """Evaluate the conditions for a gated command and alert on hits; never raises.

    A hit also becomes a warning naming the condition, whatever the gate then decides.
    """
    try:
        verdict = evaluate_snapshot(build_snapshot(SnapshotSpec(inv.layout, focus=ctx.name)))
        for cid in alert_hits(inv, verdict, [ctx]):
            inv.warnings.append(f"escalation condition {cid} holds: follow {INCIDENT_RUNBOOK}")
    except (SiPaasError, OSError) as exc:
        message = exc.message if isinstance(exc, SiPaasError) else type(exc).__name__
        inv.warnings.append(f"escalation conditions not evaluated: {message}")


def _usable(call: Call, repos: tuple[str, ...]) -> None:
    call.inv.layout.check_usable(write=False)


@command("escalation check", context="optional", gate="none", check=_usable)
def check(call: Call, repos: tuple[str, ...]) -> Result:
    """`si paas escalation check`: judge every condition, alert on hits, exit 1 on any hit."""
    inv, ctx = call.inv, call.ctx_or_none
    paths: list[Path] = []
    here = current_repo()
    if here is not None:
        paths.append(here)
    for r in repos:
        path = Path(r).expanduser()
        if not path.is_dir():
            raise UsageError(f"--repo {r!r}: not a directory")
        paths.append(path)
    snap = build_snapshot(SnapshotSpec(inv.layout, paths=tuple(paths), focus=ctx.name if ctx else None))
    verdict = evaluate_snapshot(snap, here)
    hits = alert_hits(inv, verdict, snap.state.focused())
    checks = [c.to_dict() for c in verdict.checks]
    return Result(
        {
            "state_root": str(inv.layout.root),
            "repos": [str(r.root) for r in snap.repos],
            "contexts": [c.name for c in snap.state.focused()],
            "scope": SCOPE,
            "runbook": INCIDENT_RUNBOOK,
            "hits": hits,
            "checks": checks,
            "summary": verdict.summary(),
        },
        context=ctx.name if ctx else None,
        ok=not hits,
        exit_code=ExitCode.POLICY_FAILED if hits else ExitCode.OK,
    )
