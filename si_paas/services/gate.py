"""The doctor gate every stateful command passes before it acts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from si_paas.engine.verdict import CheckResult, Verdict
from si_paas.errors import PolicyRefusal
from si_paas.services.invocation import Invocation
from si_paas.services.judge import (
    ALLOW_REPO_STATE_ENV,
    build_snapshot,
    judge,
    repo_state_override,
)
from si_paas.snapshot.gitpaths import is_within, real
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.state.contexts import Context

OVERRIDABLE = "state-root-outside-repo"


def _describe(checks: list[CheckResult]) -> str:
    parts = []
    for c in checks:
        first = c.findings[0].message if c.findings else ""
        more = f" (+{len(c.findings) - 1} more)" if len(c.findings) > 1 else ""
        parts.append(f"{c.id}: {first}{more}")
    return "; ".join(parts)


def _apply_override(inv: Invocation, verdict: Verdict, strict: bool) -> list[CheckResult]:
    """Blocking failures, less what the unsafe override covers when it is set.

    The override covers the state root inside a repository and, with it, the vault files
    that live under that state root (the same root cause); nothing else.
    """
    failed = verdict.failed()
    if strict or not repo_state_override() or not any(c.id == OVERRIDABLE for c in failed):
        return failed
    inv.warnings.append(
        f"UNSAFE: {ALLOW_REPO_STATE_ENV}=true lets this command run with the state root "
        "inside a git work tree; doctor still fails and this run is audited"
    )
    inv.audit_args["unsafe_override"] = ALLOW_REPO_STATE_ENV
    root = real(inv.layout.root)
    kept = []
    for check in failed:
        if check.id == OVERRIDABLE:
            continue
        if check.id == "vault-outside-repo":
            rest = tuple(f for f in check.findings if not (f.path and is_within(real(f.path), root)))
            if not rest:
                continue
            check = replace(check, findings=rest)
        kept.append(check)
    return kept


def check_read(inv: Invocation, ctx: Context | None) -> None:
    """Read-only commands run, with a warning for each failing state check."""
    verdict = judge(
        build_snapshot(SnapshotSpec(inv.layout, focus=ctx.name if ctx else None)), "state"
    ).verdict
    failed = _apply_override(inv, verdict, strict=False)
    if failed:
        inv.warnings.append("doctor gate would refuse changes: " + _describe(failed))


def guard_change(
    inv: Invocation,
    ctx: Context,
    *,
    overlay_items: dict[tuple[str, str], list[dict[str, Any]]] | None = None,
    overlay_contexts: dict[str, Context] | None = None,
    strict: bool = False,
) -> None:
    """Refuse a change the gate does not allow; otherwise return and let the caller write.

    strict (deploy, secrets): the verdict must be ok, before and after the change.
    otherwise: the change may not add a blocking finding; a state that already fails lets
    the command run with a warning, so the commands that repair it stay usable.

    The state-root lock is taken first and held until the command ends, so what was judged
    is what gets written (see `Invocation.lock_state`).
    """
    inv.lock_state()
    from si_paas.services.escalation import on_gated  # imports the alert machinery

    on_gated(inv, ctx)
    before = judge(build_snapshot(SnapshotSpec(inv.layout, focus=ctx.name)), "state").verdict
    after = judge(
        build_snapshot(
            SnapshotSpec(
                inv.layout,
                focus=ctx.name,
                overlay_items=overlay_items or {},
                overlay_contexts=overlay_contexts or {},
            )
        ),
        "state",
    ).verdict
    failed_after = _apply_override(inv, after, strict)
    new = after.fingerprints() - before.fingerprints()
    made_worse = [
        c
        for c in failed_after
        if any((c.id, f.fingerprint or f"{f.rule}:{f.path}:{f.message}") in new for f in c.findings)
    ]
    if made_worse or (strict and failed_after):
        others = [c for c in failed_after if c not in made_worse]
        raise PolicyRefusal(
            f"refused by the doctor gate: {_describe([*made_worse, *others])}",
            failed=[c.id for c in (*made_worse, *others)],
        )
    if failed_after:
        inv.warnings.append(
            "state already fails the doctor gate (this change does not make it worse): "
            + _describe(failed_after)
        )
