"""`si paas doctor`: the full verdict over the state root and the repositories in view."""

from __future__ import annotations

from pathlib import Path

from si_paas.errors import ExitCode, UsageError
from si_paas.services.invocation import Invocation, Result
from si_paas.services.judge import current_repo, judge, snapshot_for


def run(inv: Invocation, repos: tuple[str, ...], policy_dirs: tuple[str, ...],
        scope: str = "doctor") -> Result:
    """Judge the state (one context plus global checks, or all) and the repositories."""
    inv.layout.check_usable(write=False)
    ctx = inv.context(mutating=False) if inv.context_opt else None
    repo_paths: list[Path] = []
    here = current_repo()
    if here is not None:
        repo_paths.append(here)
    for r in repos:
        path = Path(r).expanduser()
        if not path.is_dir():
            raise UsageError(f"--repo {r!r}: not a directory")
        repo_paths.append(path)
    snap = snapshot_for(inv.layout, focus=ctx.name if ctx else None, repos=repo_paths)
    judgement = judge(snap, scope, policy_dirs=[Path(p) for p in policy_dirs],
                      config_repo=here)
    verdict = judgement.verdict
    payload = {
        "state_root": str(inv.layout.root),
        "repos": [str(r.root) for r in snap.repos],
        "contexts": [c.name for c in snap.state.focused()],
        "checks": [c.to_dict() for c in verdict.checks],
        "summary": verdict.summary(),
        "skipped": verdict.stats,
        "tuning": judgement.tuning(),
    }
    if judgement.config.path:
        payload["config"] = str(judgement.config.path)
    return Result(payload, context=ctx.name if ctx else None, ok=verdict.ok,
                  exit_code=ExitCode.OK if verdict.ok else ExitCode.POLICY_FAILED)
