"""Check kind: no private state artifacts anywhere in a repository (tracked, untracked, ignored)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.engine.stateverdicts import StateVerdicts
from si_paas.findings import Finding
from si_paas.snapshot.gitobjects import HistorySnapshot
from si_paas.snapshot.snapshot import FileSource, Snapshot
from si_paas.snapshot.worktree import RepoFile

if TYPE_CHECKING:
    from si_paas.detect.private_state import PrivateStateMatch, PrivateStatePatterns

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
    another name). A repository config's excludes do not apply here.

    A history blob's content verdict is kept between runs (engine/stateverdicts.py); the
    heads of the blobs neither that nor the secret scan answers are read in one stream."""
    from si_paas.detect.private_state import load_private_state_patterns  # only with a repo

    patterns = load_private_state_patterns()  # once: matching runs for every file
    statuses = set(params["statuses"])
    by_content = bool(params["content"] and patterns.content)
    findings = []
    match = functools.cache(patterns.match)  # a history lists a path once per blob
    for repo in snap.repos:
        listed = [
            (f, match(f.relpath))
            for f in repo.files
            if f.status in statuses or f.status in ("staged", "history")
        ]
        verdicts = _verdicts(repo, patterns.path, params) if by_content else None
        if by_content:
            prefetch = getattr(repo, "prefetch_heads", None)
            if prefetch is not None:
                known = verdicts.verdicts if verdicts is not None else {}
                prefetch(f for f, hit in listed if hit is None and f.blob not in known)
        seen: set[str] = set()  # history lists a path once per blob; report it once
        for f, hit in listed:
            if f.relpath in seen:
                continue
            how = "path"
            if hit is None and by_content:
                found = _by_content(repo, f, patterns, params["max_content_size"], verdicts)
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
        if verdicts is not None:
            verdicts.save()
    return findings


def _verdicts(repo: FileSource, rules: Path, params: dict[str, Any]) -> StateVerdicts | None:
    """The kept content verdicts of a history's blobs (None for other sources)."""
    if not isinstance(repo, HistorySnapshot):
        return None
    return StateVerdicts.open(repo.root, rules, params["max_content_size"])


def _by_content(
    repo: FileSource,
    f: RepoFile,
    patterns: PrivateStatePatterns,
    max_content_size: int,
    verdicts: StateVerdicts | None,
) -> tuple[PrivateStateMatch, str | None] | None:
    """The content rule `f`'s bytes satisfy (and the archive member), or None: kept for a
    history blob checked before, else judged on its head and, when that could be state,
    on up to `max_content_size` bytes."""
    blob = f.blob if verdicts is not None else None
    if blob:
        known, verdict = verdicts.get(blob)  # type: ignore[union-attr]
        if known:
            if verdict is None:
                return None
            rule = next((r for r in patterns.content if r.id == verdict[0]), None)
            if rule is not None:
                from si_paas.detect.private_state import PrivateStateMatch

                return PrivateStateMatch(rule.id, rule.description, rule.severity), verdict[1]
    head = repo.content_head(f)  # noted when the secret scan read the file
    if head is None:
        if blob and f.content_key in repo.heads:  # read, and plainly not state
            verdicts.put(blob, None)  # type: ignore[union-attr]
        return None
    from si_paas.detect.state_content import HEAD_BYTES

    data = head if len(head) < HEAD_BYTES else repo.peek(f, max_content_size)
    if data is None:  # gone since its head was read: judged again next time
        return None
    found = patterns.match_content(data)
    if blob:
        verdicts.put(blob, None if found is None else (found[0].id, found[1]))  # type: ignore[union-attr]
    return found
