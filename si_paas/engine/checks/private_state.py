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
    "content": {"type": "boolean", "default": True},
    "max_content_size": {"type": "integer", "min": 1, "default": 16 * 1024 * 1024},
}


@check_kind("repo.no_private_state", _PARAMS)
def no_private_state(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Files whose path matches a private-state pattern of rules/private-state.yaml, or whose
    content a content rule recognises (a vault, context, bundle, key or state archive under
    another name). A repository config's excludes do not apply here."""
    from si_paas.detect.private_state import load_private_state_patterns  # only with a repo
    from si_paas.detect.state_content import HEAD_BYTES

    patterns = load_private_state_patterns()  # once: matching runs for every file
    statuses = set(params["statuses"])
    findings = []
    for repo in snap.repos:
        seen: set[str] = set()  # history lists a path once per blob; report it once
        for f in repo.files:
            if (f.status not in statuses and f.status not in ("staged", "history")) or (f.relpath in seen):
                continue
            hit = patterns.match(f.relpath)
            how = "path"
            if hit is None and params["content"] and patterns.content:
                head = repo.content_head(f)  # noted when the secret scan read the file
                if head is None:
                    continue
                data = head if len(head) < HEAD_BYTES else repo.peek(f, params["max_content_size"])
                found = patterns.match_content(data or b"")
                if found is None:
                    continue
                hit, member = found
                how = f"content (archive member {member})" if member else "content"
            if hit is None:
                continue
            seen.add(f.relpath)
            findings.append(
                Finding(
                    rule=hit.id,
                    path=f"{repo.root}/{f.relpath}",
                    message=f"{hit.description} ({f.status} in {repo.root}, by {how})",
                    severity=hit.severity,  # type: ignore[arg-type]
                    extra={**f.describe(), "repo": str(repo.root), "relpath": f.relpath},
                )
            )
    return findings
