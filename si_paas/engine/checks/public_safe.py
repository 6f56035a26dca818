"""Check kind: an oss-demo context holds only disposable, public-safe things."""

from __future__ import annotations

from typing import Any

from si_paas.engine.checks.cross_context import host_key
from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot.snapshot import Snapshot

_PARAMS = {
    "production_markers": {
        "type": "list",
        "schema": {"type": "string"},
        "default": ["prod", "production", "live", "customer"],
    },
}


def _marks_production(labels: dict[str, str], name: str, markers: list[str]) -> str | None:
    words = {w.lower() for k, v in labels.items() for w in (k, v)}
    hit = next((m for m in markers if m in words), None)
    if hit:
        return f"label {hit!r}"
    lowered = name.lower()
    hit = next(
        (m for m in markers if lowered == m or lowered.startswith(m + "-") or lowered.endswith("-" + m)), None
    )
    return f"name {name!r}" if hit else None


@check_kind("context.public_safe", _PARAMS)
def public_safe(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """In oss-demo: every target disposable, no internal host, nothing marked production."""
    markers = [m.lower() for m in params["production_markers"]]
    internal_hosts = {
        host_key(t, snap.paths): c.name
        for c in snap.state.contexts
        if c.type == "internal-dogfood"
        for t in snap.state.items(c, "targets")
    }
    findings = []
    for ctx in snap.state.focused():
        if ctx.type != "oss-demo":
            continue
        targets_file = str(snap.state.layout.collection_file(ctx.name, "targets"))
        for t in snap.state.items(ctx, "targets"):
            where = f"{ctx.name}/{t['name']}"
            if not t.get("disposable"):
                findings.append(
                    Finding(
                        rule=policy.id,
                        path=targets_file,
                        message=f"target {where} is not marked --disposable",
                    )
                )
            if host_key(t, snap.paths) in internal_hosts:
                findings.append(
                    Finding(
                        rule=policy.id,
                        path=targets_file,
                        message=f"target {where} uses host {t['host']}, also a target of "
                        f"internal-dogfood context {internal_hosts[host_key(t, snap.paths)]!r}",
                    )
                )
            if why := _marks_production(t.get("labels", {}), t["name"], markers):
                findings.append(
                    Finding(
                        rule=policy.id,
                        path=targets_file,
                        message=f"target {where} is marked production ({why})",
                    )
                )
        for app in snap.state.items(ctx, "apps"):
            if why := _marks_production(app.get("labels", {}), app["name"], markers):
                findings.append(
                    Finding(
                        rule=policy.id,
                        path=str(snap.state.layout.collection_file(ctx.name, "apps")),
                        message=f"app {ctx.name}/{app['name']} is marked production ({why})",
                    )
                )
    return findings
