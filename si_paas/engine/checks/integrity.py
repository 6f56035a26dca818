"""Check kind: the state's records can all be read and point at things that exist."""

from __future__ import annotations

from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.errors import InputError
from si_paas.findings import Finding
from si_paas.snapshot.snapshot import Snapshot
from si_paas.state.contexts import get_current


@check_kind("state.records_intact")
def records_intact(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Event log lines every reader skips (torn, not JSON, not an event), and apps bound to
    targets their context no longer has (an `app add` that raced a `target remove`), and a
    `current_context` file that cannot be read (not UTF-8, not a context name, not a file)."""
    findings = []
    try:
        get_current(snap.state.layout)
    except InputError as exc:
        path = snap.state.layout.current_context_file
        reason = exc.message.removeprefix(f"{path}: ")
        findings.append(
            Finding(
                rule=policy.id,
                path=str(path),
                message=f"{reason}; commands without --context fail until "
                "`si paas context use NAME` rewrites it",
                extra={"kind": "unreadable-selection"},
            )
        )
    for ctx in snap.state.focused():
        for bad in snap.state.bad_event_lines(ctx):
            line = int(bad.where.split()[1]) if bad.where.startswith("line ") else None
            where = "" if line else f"{bad.where}: "
            findings.append(
                Finding(
                    rule=policy.id,
                    path=str(bad.path),
                    line=line,
                    message=f"{where}{bad.reason}; readers skip this line",
                    extra={"kind": "malformed-event"},
                )
            )
        targets = {t["name"] for t in snap.state.items(ctx, "targets")}
        apps_file = str(snap.state.layout.collection_file(ctx.name, "apps"))
        for app in snap.state.items(ctx, "apps"):
            for missing in [t for t in app["targets"] if t not in targets]:
                findings.append(
                    Finding(
                        rule=policy.id,
                        path=apps_file,
                        message=f"app {ctx.name}/{app['name']} is bound to target {missing!r}, "
                        f"which context {ctx.name!r} does not have",
                        extra={"kind": "dangling-reference"},
                    )
                )
    return findings
