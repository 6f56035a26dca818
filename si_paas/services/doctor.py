"""`si paas doctor`: the full verdict over the state root and the repositories in view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from si_paas.errors import ExitCode, UsageError
from si_paas.services.invocation import Invocation, Result
from si_paas.services.judge import build_snapshot, current_repo, judge
from si_paas.services.pipeline import Call, command
from si_paas.snapshot.gitpaths import enclosing_worktree
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.state.contexts import Context


def _repo_of(given: str) -> Path:
    """The work tree `--repo` names; a plain folder is refused, never walked file by file."""
    path = Path(given).expanduser()
    if not path.is_dir():
        raise UsageError(f"--repo {given!r}: not a directory")
    top = enclosing_worktree(path)
    if top is None:
        raise UsageError(
            f"--repo {given!r}: not inside a git repository (doctor judges "
            f"repositories; `si paas scan {given}` judges a plain folder)"
        )
    return top


def _log_counts(logs: list[tuple[Path, int]]) -> dict[str, int]:
    """Segments (live and rotated) and bytes of a context's event logs."""
    return {
        "files": len(logs),
        "rotated": sum(1 for p, _ in logs if p.stem.count(".")),
        "bytes": sum(size for _, size in logs),
    }


def _usable(call: Call, *_: object, **__: object) -> None:
    call.inv.layout.check_usable(write=False)


@command("doctor", context="optional", gate="none", check=_usable)
def doctor(
    call: Call,
    repos: tuple[str, ...],
    policy_dirs: tuple[str, ...],
    progress: Callable[[str], None] | None = None,
) -> Result:
    """`si paas doctor`: the verdict of --context (plus the global checks) or of every
    context, and of the repositories."""
    return verdict_of(call.inv, call.ctx_or_none, repos, policy_dirs, progress=progress)


def run(
    inv: Invocation,
    repos: tuple[str, ...],
    policy_dirs: tuple[str, ...],
    scope: str = "doctor",
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Judge the state as `doctor` does, without the pipeline (no audit line)."""
    inv.layout.check_usable(write=False)
    ctx = inv.context(mutating=False) if inv.context_opt else None
    return verdict_of(inv, ctx, repos, policy_dirs, scope, progress)


def verdict_of(
    inv: Invocation,
    ctx: Context | None,
    repos: tuple[str, ...],
    policy_dirs: tuple[str, ...],
    scope: str = "doctor",
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Judge the state (one context plus global checks, or all) and the repositories.

    progress: told, in words, what is being judged as each stage starts.
    """
    say = progress or (lambda _msg: None)
    repo_paths: list[Path] = []
    here = current_repo()
    if here is not None:
        repo_paths.append(here)
    repo_paths += [_repo_of(r) for r in repos]
    snap = build_snapshot(SnapshotSpec(inv.layout, paths=tuple(repo_paths), focus=ctx.name if ctx else None))
    names = ", ".join(str(r.root) for r in snap.repos) or "no repository"
    say(f"judging the state root {inv.layout.root} and {names}")
    judgement = judge(snap, scope, policy_dirs=[Path(p) for p in policy_dirs], config_repo=here)
    verdict = judgement.verdict
    payload = {
        "state_root": str(inv.layout.root),
        "repos": [str(r.root) for r in snap.repos],
        "contexts": [c.name for c in snap.state.focused()],
        "checks": [c.to_dict() for c in verdict.checks],
        "summary": verdict.summary(),
        "skipped": verdict.stats,
        "event_logs": {c.name: _log_counts(snap.state.event_logs(c)) for c in snap.state.focused()},
        "tuning": judgement.tuning(),
    }
    if judgement.config.path:
        payload["config"] = str(judgement.config.path)
    return Result(
        payload,
        context=ctx.name if ctx else None,
        ok=verdict.ok,
        exit_code=ExitCode.OK if verdict.ok else ExitCode.POLICY_FAILED,
    )
