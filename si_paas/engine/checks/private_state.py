"""Check kind: no private state artifacts anywhere in a repository (tracked, untracked, ignored)."""

from __future__ import annotations

from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot.snapshot import Snapshot

_PARAMS = {
    "statuses": {
        "type": "list",
        "allowed": ["tracked", "untracked", "ignored", "file"],
        "default": ["tracked", "untracked", "ignored", "file"],
    },
}


@check_kind("repo.no_private_state", _PARAMS)
def no_private_state(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Files whose path matches a private-state pattern from rules/private-state.yaml."""
    from si_paas.detect.private_state import load_private_state_patterns  # only with a repo

    patterns = load_private_state_patterns()  # once: matching runs for every file
    statuses = set(params["statuses"])
    findings = []
    for repo in snap.repos:
        seen: set[str] = set()  # history lists a path once per blob; report it once
        for f in repo.files:
            if (f.status not in statuses and f.status not in ("staged", "history")) or (
                f.relpath in seen
            ):
                continue
            hit = patterns.match(f.relpath)
            if hit is None:
                continue
            seen.add(f.relpath)
            findings.append(Finding(
                rule=hit.id, path=f"{repo.root}/{f.relpath}",
                message=f"{hit.description} ({f.status} in {repo.root})",
                severity=hit.severity,  # type: ignore[arg-type]
                extra={**f.describe(), "repo": str(repo.root), "relpath": f.relpath}))
    return findings
