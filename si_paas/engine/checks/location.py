"""Check kinds about where things live: the state root and vault files outside git work trees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot.gitpaths import enclosing_worktree, is_within, real
from si_paas.snapshot.snapshot import Snapshot


def _inside_repos(snap: Snapshot, path: Path) -> Path | None:
    """The work tree holding `path`: found by walking up, or one of the repos in view."""
    top = enclosing_worktree(path)
    if top is not None:
        return top
    resolved = real(path)
    return next((r.root for r in snap.repos if is_within(resolved, r.root)), None)


@check_kind("state.root_outside_repo")
def state_root_outside_repo(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """The state root (after realpath) is not inside any git work tree."""
    root = snap.state.root
    repo = _inside_repos(snap, root)
    if repo is None:
        return []
    resolved = real(root)
    via = f" (resolves to {resolved})" if resolved != root else ""
    return [Finding(rule=policy.id, path=str(root),
                    message=f"state root {root}{via} is inside git work tree {repo}",
                    extra={"repo": str(repo)})]


@check_kind("vault.outside_repo")
def vault_outside_repo(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Every context's vault file (after realpath) is outside every git work tree."""
    findings = []
    for ctx in snap.state.focused():
        repo = _inside_repos(snap, Path(ctx.vault_file))
        if repo is not None:
            findings.append(Finding(
                rule=policy.id, path=ctx.vault_file,
                message=f"vault file of context {ctx.name!r} resolves to {real(ctx.vault_file)}, "
                        f"inside git work tree {repo}",
                extra={"context": ctx.name, "repo": str(repo)}))
    return findings
