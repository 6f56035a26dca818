"""Check kinds of the `deploy` scope: they judge the deploy plan held in the snapshot.

The plan (`Snapshot.deploy`) is built by the deploy command before it acts: which context,
app and target, what `current` is, and which release a rollback would go to after it was
verified on the target. Without a plan (doctor, the state gate) these kinds find nothing.
"""

from __future__ import annotations

from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot.snapshot import Snapshot

_READY_PARAMS = {
    "context_types": {"type": "list", "schema": {"type": "string"}, "default": ["internal-dogfood"]},
    "actions": {"type": "list", "schema": {"type": "string"}, "default": ["deploy"]},
}

_KNOWN_PARAMS = {
    "disposable_only": {"type": "list", "schema": {"type": "string"}, "default": ["oss-demo"]},
}


@check_kind("deploy.rollback_ready", _READY_PARAMS)
def rollback_ready(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Before a cutover: a verified previous good release exists, or this is a first deploy."""
    plan = snap.deploy
    if not plan or plan.get("action") not in params["actions"]:
        return []
    ctx = snap.state.by_name(str(plan.get("context")))
    if ctx is None or ctx.type not in params["context_types"]:
        return []
    if plan.get("rollback_verified"):
        return []
    where = f"{plan.get('app')} on {plan.get('target')}"
    if plan.get("first_deploy") and not plan.get("current"):
        return []
    if plan.get("first_deploy"):
        why = (
            f"--first-deploy, but {plan.get('current')} is already current on the target and does not verify"
        )
    elif plan.get("current"):
        why = f"no release on the target verifies against its record (current: {plan['current']})"
    else:
        why = "nothing to roll back to: no release on the target yet (say --first-deploy)"
    unverified = plan.get("unverified") or []
    detail = f" [{'; '.join(unverified[:3])}]" if unverified else ""
    return [
        Finding(
            rule=policy.id,
            message=f"{where}: not rollback-ready: {why}{detail}",
            extra={"app": plan.get("app"), "target": plan.get("target")},
        )
    ]


@check_kind("deploy.target_known", _KNOWN_PARAMS)
def target_known(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """The target is this context's own record, the app is bound to it, and demo targets are
    disposable."""
    plan = snap.deploy
    if not plan:
        return []
    name, target, app = str(plan.get("context")), plan.get("target"), plan.get("app")
    ctx = snap.state.by_name(name)
    if ctx is None or (plan.get("context_id") and plan["context_id"] != ctx.context_id):
        return [
            Finding(
                rule=policy.id,
                message=f"context {name!r} of the plan is not this state root's context of that name",
            )
        ]
    path = str(snap.state.layout.collection_file(ctx.name, "targets"))
    record = next((t for t in snap.state.items(ctx, "targets") if t["name"] == target), None)
    if record is None:
        return [
            Finding(
                rule=policy.id,
                path=path,
                message=f"target {target!r} is not a target of context {ctx.name!r}",
            )
        ]
    findings = []
    if record.get("context") != ctx.name or record.get("context_id") != ctx.context_id:
        findings.append(
            Finding(
                rule=policy.id, path=path, message=f"target {target!r} carries another context's name or id"
            )
        )
    app_rec = next((a for a in snap.state.items(ctx, "apps") if a["name"] == app), None)
    if app_rec is None or target not in app_rec.get("targets", []):
        findings.append(
            Finding(
                rule=policy.id,
                message=f"app {app!r} of context {ctx.name!r} is not bound to target {target!r}",
            )
        )
    if ctx.type in params["disposable_only"] and not record.get("disposable"):
        findings.append(
            Finding(
                rule=policy.id,
                path=path,
                message=f"{ctx.type} deploys only to --disposable targets; "
                f"{ctx.name}/{target} is not disposable",
            )
        )
    return findings
