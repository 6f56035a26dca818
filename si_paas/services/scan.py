"""`si paas scan`: the CI and pre-commit verdict over files, staged blobs or history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from si_paas.engine.verdict import Verdict
from si_paas.errors import ExitCode, UsageError
from si_paas.services.invocation import Invocation, Result
from si_paas.services.judge import build_snapshot, judge
from si_paas.snapshot.gitpaths import check_history, enclosing_worktree
from si_paas.snapshot.spec import SnapshotSpec


def git_spec(
    inv: Invocation,
    path: str,
    *,
    staged: bool,
    rev_range: tuple[str, ...],
    progress: Callable[[int, int], None] | None = None,
) -> SnapshotSpec:
    """What to build for the staged blobs or the history of the repository holding `path`."""
    root = enclosing_worktree(Path(path).expanduser())
    if root is None:
        flag = "--staged" if staged else "--history"
        raise UsageError(f"{flag}: {path!r} is not inside a git repository")
    head = rev_range[0] if rev_range else "HEAD"
    if not staged and head != "--all":  # no commits or a bad --since: one clear line
        # (`--all` without commits is found by the listing itself: its rev-list is empty.)
        check_history(root, since=head[: -len("..HEAD")] if head.endswith("..HEAD") else None)
    return SnapshotSpec(
        inv.layout,
        paths=(root,),
        source="staged" if staged else "history",
        rev_range=rev_range,
        progress=progress,
    )


def _apply_baseline(
    verdict: Verdict, baseline_path: Path | None, update: bool
) -> tuple[Verdict, dict[str, Any] | None]:
    """Drop findings recorded in the baseline; report stale entries; optionally rewrite it."""
    if baseline_path is None:
        return verdict, None
    from si_paas.detect.baseline import filter_findings, load_baseline, write_baseline

    every = [f for c in verdict.checks for f in c.findings]
    if update:
        write_baseline(baseline_path, [f for f in every if f.fingerprint])
    base = load_baseline(baseline_path)
    checks, ignored_total, stale_all = [], 0, None
    for check in verdict.checks:
        kept, ignored, stale = filter_findings(list(check.findings), base)
        ignored_total += len(ignored)
        stale_all = set(stale) if stale_all is None else stale_all & set(stale)
        ok = not kept
        status = (
            check.status
            if check.status == "disabled"
            else ("pass" if ok else ("fail" if check.blocking else "warn"))
        )
        checks.append(replace(check, findings=tuple(kept), ok=ok, status=status))
    report = {
        "path": str(baseline_path),
        "ignored": ignored_total,
        "stale": sorted(stale_all or ()),
        "updated": update,
        "version": base.version,
    }
    return Verdict(tuple(checks), stats=verdict.stats), report


def _is_legacy_baseline(baseline: str | None, update: bool) -> bool:
    """True when an existing `baseline` is version 1 (matched by legacy fingerprints)."""
    if not baseline or update or not Path(baseline).is_file():
        return False
    from si_paas.detect.baseline import LEGACY_VERSION, load_baseline

    return load_baseline(Path(baseline)).version == LEGACY_VERSION


def _apply_min_confidence(verdict: Verdict, level: str) -> Verdict:
    """Drop secret findings less confident than `level`; findings without one are kept."""
    from si_paas.findings import CONFIDENCE_ORDER

    limit = CONFIDENCE_ORDER[level]
    checks = []
    for check in verdict.checks:
        kept = tuple(f for f in check.findings if CONFIDENCE_ORDER.get(f.confidence or "high", 0) <= limit)
        if len(kept) == len(check.findings):
            checks.append(check)
            continue
        ok = not kept
        status = (
            check.status
            if check.status == "disabled"
            else ("pass" if ok else ("fail" if check.blocking else "warn"))
        )
        checks.append(replace(check, findings=kept, ok=ok, status=status))
    return Verdict(tuple(checks), stats=verdict.stats)


def run(
    inv: Invocation,
    paths: tuple[str, ...],
    *,
    scope: str = "ci",
    policy_dirs: tuple[str, ...] = (),
    baseline: str | None = None,
    update_baseline: bool = False,
    max_file_size: int | None = None,
    staged: bool = False,
    history: tuple[str, ...] | None = None,
    progress: Callable[[int, int], None] | None = None,
    min_confidence: str = "low",
    explain: bool = False,
) -> Result:
    """Judge the given paths (default: the current directory) with the policies of `scope`.

    `min_confidence` drops secret findings below it; `explain` adds to each secret finding
    the filters it passed and lists the candidates a filter suppressed (`suppressed`).
    """
    if update_baseline and not baseline:
        raise UsageError("--update-baseline needs --baseline FILE")
    if staged or history is not None:
        if len(paths) > 1:
            raise UsageError("--staged/--history take at most one PATH (a repository)")
        spec = git_spec(
            inv, paths[0] if paths else ".", staged=staged, rev_range=history or (), progress=progress
        )
        scope = "pre-commit" if staged else scope
    else:
        targets = [Path(p).expanduser() for p in (paths or (".",))]
        for given, path in zip(paths or (".",), targets, strict=True):
            if not path.exists():
                raise UsageError(f"PATH {given!r}: no such file or directory")
        spec = SnapshotSpec(inv.layout, paths=tuple(targets))
    snapshot = build_snapshot(
        replace(
            spec,
            max_file_size=max_file_size,
            explain=explain,
            legacy_baseline=_is_legacy_baseline(baseline, update_baseline),
        )
    )
    first = snapshot.repos[0].root if snapshot.repos else None
    judgement = judge(
        snapshot,
        scope,
        policy_dirs=[Path(p) for p in policy_dirs],
        config_repo=first if first and (first / ".git").exists() else None,
    )
    for repo in snapshot.repos:
        repo.close()
    verdict, base_report = _apply_baseline(
        _apply_min_confidence(judgement.verdict, min_confidence),
        Path(baseline) if baseline else None,
        update_baseline,
    )
    payload: dict[str, Any] = {
        "scope": scope,
        "state_root": str(inv.layout.root),
        "repos": [str(r.root) for r in snapshot.repos],
        "checks": [c.to_dict() for c in verdict.checks],
        "summary": verdict.summary(),
        "skipped": snapshot.stats(),
        "tuning": judgement.tuning(),
    }
    if base_report:
        payload["baseline"] = base_report
    if min_confidence != "low":
        payload["min_confidence"] = min_confidence
    if explain:
        payload["suppressed"] = [f.to_dict() for f in snapshot.memo.get("suppressed", [])]
    warnings = []
    if base_report and base_report["version"] == 1:
        warnings.append(
            f"baseline {baseline}: version 1 holds unkeyed fingerprints; rewrite it "
            "keyed with --update-baseline (see docs/secrets.md)"
        )
    return Result(
        payload,
        ok=verdict.ok,
        warnings=warnings,
        exit_code=ExitCode.OK if verdict.ok else ExitCode.POLICY_FAILED,
    )
