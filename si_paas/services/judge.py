"""Build the snapshot for a command and ask the engine for the verdict of a scope."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from si_paas.engine.evaluate import evaluate
from si_paas.engine.policy import (
    ALLOW_OVERRIDE_ENV,
    PolicyFolder,
    PolicyOverride,
    load_policy_set,
)
from si_paas.engine.verdict import Verdict
from si_paas.services.repoconfig import RepoConfig, check_disable, load_repo_config
from si_paas.snapshot.gitpaths import repository_top
from si_paas.snapshot.snapshot import FileSource, Snapshot
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.snapshot.state import StateSnapshot
from si_paas.snapshot.worktree import WorktreeSnapshot

ALLOW_REPO_STATE_ENV = "SI_PAAS_ALLOW_REPO_STATE"


class Judgement(NamedTuple):
    """A verdict and what it was judged on."""

    verdict: Verdict
    snapshot: Snapshot
    config: RepoConfig
    overrides: tuple[PolicyOverride, ...] = ()

    def tuning(self) -> dict[str, Any]:
        """Everything that narrowed or changed the judgement: listed in every report."""
        return {**self.config.describe(), "overrides": [o.to_dict() for o in self.overrides]}


def current_repo(cwd: Path | None = None) -> Path | None:
    """The git work tree of the current directory, or None."""
    try:
        return repository_top(cwd or Path.cwd())
    except OSError:  # the current folder was removed
        return None


def build_snapshot(spec: SnapshotSpec) -> Snapshot:
    """The one snapshot a command is judged on, built from `spec` and never changed after.

    Each git repository's `.si-paas.yaml` excludes are read here (shown as skipped files),
    so judging needs nothing but the snapshot.
    """

    def excluded(root: Path, is_git: bool) -> tuple[str, ...]:
        return load_repo_config(root).exclude if spec.excludes and is_git else ()

    sources: list[FileSource] = []
    if spec.source == "worktree":
        seen: dict[Path, WorktreeSnapshot] = {}
        for path in spec.paths:
            opened = WorktreeSnapshot.open(path)
            if opened.root not in seen:
                seen[opened.root] = replace(opened, exclude=excluded(opened.root, opened.is_git))
        sources = list(seen.values())
    else:
        from si_paas.snapshot.gitobjects import HistorySnapshot, IndexSnapshot

        [root] = spec.paths
        sources = [
            IndexSnapshot(root, exclude=excluded(root, True))
            if spec.source == "staged"
            else HistorySnapshot(
                root, exclude=excluded(root, True), rev_range=spec.rev_range, progress=spec.progress
            )
        ]
    env = {**os.environ, **(spec.env or {})}
    state = StateSnapshot(
        spec.layout,
        focus=spec.focus,
        overlay_items=dict(spec.overlay_items),
        overlay_contexts=dict(spec.overlay_contexts),
        overlay_vault_values=(None if spec.overlay_vault_values is None else dict(spec.overlay_vault_values)),
        env=env if spec.env else None,
    )  # an example's own key directory
    return Snapshot(
        state=state,
        repos=tuple(sources),
        env=env,
        max_file_size=spec.max_file_size,
        deploy=None if spec.deploy is None else dict(spec.deploy),
        now=spec.now or datetime.now(UTC),
        explain=spec.explain,
        legacy_baseline=spec.legacy_baseline,
    )


def judge(
    snap: Snapshot,
    scope: str,
    *,
    policy_dirs: Iterable[Path] = (),
    config_repo: Path | None = None,
) -> Judgement:
    """Evaluate the policies of `scope` (default pack + user folders + repo config)."""
    config = load_repo_config(config_repo)
    policies, overrides = load_policy_set(
        [*config.folders(), *(PolicyFolder(d) for d in policy_dirs)], allow_critical=allowed_overrides()
    )
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
