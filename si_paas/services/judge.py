"""Build the snapshot for a command and ask the engine for the verdict of a scope."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from si_paas.engine.evaluate import evaluate
from si_paas.engine.policy import (
    ALLOW_OVERRIDE_ENV,
    PolicyFolder,
    PolicyOverride,
    load_policy_set,
)
from si_paas.engine.verdict import Verdict
from si_paas.services.repoconfig import RepoConfig, check_disable, load_repo_config
from si_paas.snapshot.gitpaths import holding_worktree
from si_paas.snapshot.snapshot import Snapshot
from si_paas.snapshot.state import StateSnapshot
from si_paas.snapshot.worktree import WorktreeSnapshot
from si_paas.state.layout import StateLayout

if TYPE_CHECKING:
    from si_paas.state.contexts import Context

ALLOW_REPO_STATE_ENV = "SI_PAAS_ALLOW_REPO_STATE"


@dataclass
class Judgement:
    """A verdict and what it was judged on."""

    verdict: Verdict
    snapshot: Snapshot
    config: RepoConfig
    overrides: tuple[PolicyOverride, ...] = ()

    def tuning(self) -> dict[str, Any]:
        """Everything that narrowed or changed the judgement: listed in every report."""
        return {**self.config.describe(),
                "overrides": [o.to_dict() for o in self.overrides]}


def current_repo(cwd: Path | None = None) -> Path | None:
    """The git work tree of the current directory (gitpython), or None."""
    import git

    try:
        repo = git.Repo(cwd or Path.cwd(), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    top = repo.working_tree_dir
    return Path(top).resolve() if top else None


def snapshot_for(
    layout: StateLayout,
    *,
    focus: str | None = None,
    repos: Sequence[Path] = (),
    overlay_items: dict[tuple[str, str], list[dict[str, Any]]] | None = None,
    overlay_contexts: dict[str, Context] | None = None,
) -> Snapshot:
    """One snapshot of the state root and the given repositories (deduplicated)."""
    seen: dict[Path, WorktreeSnapshot] = {}
    for path in repos:
        snap = WorktreeSnapshot.open(path)
        seen.setdefault(snap.root, snap)
    state = StateSnapshot(layout, focus=focus, overlay_items=overlay_items or {},
                          overlay_contexts=overlay_contexts or {})
    return Snapshot(state=state, repos=list(seen.values()))


def judge(
    snap: Snapshot,
    scope: str,
    *,
    policy_dirs: Iterable[Path] = (),
    config_repo: Path | None = None,
) -> Judgement:
    """Evaluate the policies of `scope` (default pack + user folders + repo config)."""
    config = load_repo_config(config_repo)
    for repo in snap.repos:
        if repo.is_git:  # each repository's own excludes, visible as skipped files
            repo.exclude = (config if repo.root == config_repo
                            else load_repo_config(repo.root)).exclude
    policies, overrides = load_policy_set(
        [*config.folders(), *(PolicyFolder(d) for d in policy_dirs)],
        allow_critical=allowed_overrides())
    disabled = check_disable(config, policies)
    return Judgement(evaluate(policies, snap, scope, disabled), snap, config, tuple(overrides))


def allowed_overrides() -> frozenset[str]:
    """Critical policy ids a repository config may replace: the user's own opt-in, read from
    the environment (never from the repository)."""
    raw = os.environ.get(ALLOW_OVERRIDE_ENV, "")
    return frozenset(p.strip() for p in raw.split(",") if p.strip())


def repo_state_override() -> bool:
    """True when the loud unsafe override for a state root inside a repo is set."""
    return os.environ.get(ALLOW_REPO_STATE_ENV, "").lower() in ("1", "true", "yes")


def repo_of(path: Path) -> Path | None:
    """The work tree holding `path`, if any, ordinary or external (a dotfiles repository)."""
    holder = holding_worktree(path)
    return holder.top if holder is not None else None
