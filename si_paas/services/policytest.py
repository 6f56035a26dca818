"""`si paas policy test`: run every policy's own examples through the real engine."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from si_paas.engine.evaluate import evaluate
from si_paas.engine.policy import (
    DEPLOY_PLAN_EXAMPLE,
    Policy,
    example_path_problem,
    load_policies,
)
from si_paas.errors import ExitCode, InputError
from si_paas.services.invocation import Result
from si_paas.services.judge import build_snapshot
from si_paas.services.pipeline import Call, command
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.state.layout import StateLayout
from si_paas.textfile import parse_json


@dataclass(frozen=True)
class ExampleOutcome:
    """One example of one policy and whether the engine agreed with it."""

    policy: str
    expect: str  # fail | pass
    name: str
    ok: bool
    detail: str


def _folder(root: Path, folder: Path) -> None:
    """Make `folder` and its missing parents below `root`, each private (0700), none a link."""
    for part in [*reversed(folder.relative_to(root).parents), folder.relative_to(root)]:
        path = root / part
        if path == root:
            continue
        try:
            path.mkdir(mode=0o700)
            path.chmod(0o700)  # whatever the umask: an example's state root is private
        except FileExistsError:
            if path.is_symlink() or not path.is_dir():
                raise InputError(f"example folder {part.as_posix()!r}: not a plain folder") from None


def _inside(root: Path, rel: str) -> Path:
    """`root / rel`, refused unless its folder resolves inside the example folder."""
    if example_path_problem(rel) is not None:  # checked at load; checked again here
        raise InputError(f"example file {rel!r}: {example_path_problem(rel)}")
    path = root / rel
    parent = Path(os.path.realpath(path.parent))
    if parent != root and root not in parent.parents:
        raise InputError(f"example file {rel!r}: resolves outside the example folder")
    return path


def _materialize(
    root: Path, example: dict[str, Any], where: str = "example", now: datetime | None = None
) -> SnapshotSpec:
    """Write an example: `repo/...` into a git repo, `state/...` into the state root.

    Every folder made is 0700; then `modes` are set and `links` made (links last, so no
    file is written through one). `env` (with `{root}` standing for the example's folder)
    is laid over the environment, the key directory included.
    """
    repo, state = root / "repo", root / "state"
    repo.mkdir()
    _folder(root, state)
    files: dict[str, str] = example["files"]
    plan = files.get(DEPLOY_PLAN_EXAMPLE)  # the deploy scope's plan, not a file on disk
    for rel, text in files.items():
        if rel == DEPLOY_PLAN_EXAMPLE:
            continue
        path = _inside(root, rel)
        _folder(root, path.parent)
        with open(path, "x", encoding="utf-8") as fh:  # never through an existing link
            fh.write(text.replace("@STATE_ROOT@", str(state)))  # where the example lives
        path.chmod(0o600)
    for rel, mode in (example.get("modes") or {}).items():
        path = _inside(root, rel)
        if path.is_symlink():
            raise InputError(f"example mode of {rel!r}: a link")
        path.chmod(int(mode, 8))
    for rel, target in (example.get("links") or {}).items():
        path = _inside(root, rel)
        _folder(root, path.parent)
        path.symlink_to(_inside(root, target))
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, capture_output=True)
    return SnapshotSpec(
        StateLayout(state),
        paths=(repo,),
        now=now,
        excludes=False,
        deploy=parse_json(plan, where, "deploy-plan.json") if plan else None,
        env={k: v.replace("{root}", str(root)) for k, v in (example.get("env") or {}).items()},
    )


def run_policy_examples(policy: Policy) -> list[ExampleOutcome]:
    """Each `fail` example must fail this policy, each `pass` example must pass it."""
    outcomes = []
    for expect in ("fail", "pass"):
        for i, example in enumerate(policy.examples.get(expect, [])):
            name = example.get("name") or f"{expect}[{i}]"
            with tempfile.TemporaryDirectory(prefix="si-paas-policy-") as tmp:
                now = None
                if example.get("as_of"):
                    from si_paas.state.clock import parse_time

                    now = parse_time(example["as_of"])
                snap = build_snapshot(
                    _materialize(
                        Path(tmp).resolve(), example, f"{policy.source or policy.id}: example {name!r}", now
                    )
                )
                result = evaluate([policy], snap, policy.scopes[0]).checks[0]
            failed = not result.ok
            ok = failed == (expect == "fail")
            detail = "; ".join(f.message for f in result.findings[:3]) or "no findings"
            outcomes.append(ExampleOutcome(policy.id, expect, name, ok, detail))
    return outcomes


@command("policy test", context="none", gate="none")
def test_policies(call: Call, policy_dirs: tuple[str, ...]) -> Result:
    """Run the examples of every policy (default pack plus folders)."""
    policies = load_policies([Path(p) for p in policy_dirs])
    outcomes: list[dict[str, Any]] = []
    untested = []
    for policy in sorted(policies, key=lambda p: p.id):
        found = run_policy_examples(policy)
        if not found:
            untested.append(policy.id)
        outcomes.extend(vars(o) for o in found)
    failed = [o for o in outcomes if not o["ok"]]
    return Result(
        {"items": outcomes, "count": len(outcomes), "failed": len(failed), "without_examples": untested},
        ok=not failed,
        exit_code=ExitCode.POLICY_FAILED if failed else ExitCode.OK,
    )


@command("policy list", context="none", gate="none")
def list_policies(call: Call, policy_dirs: tuple[str, ...]) -> Result:
    """Every policy with its scopes and check kind."""
    policies = load_policies([Path(p) for p in policy_dirs])
    items = [
        {
            "id": p.id,
            "title": p.title,
            "severity": p.severity,
            "blocking": p.blocking,
            "scopes": list(p.scopes),
            "check": p.check,
            "source": p.source,
        }
        for p in sorted(policies, key=lambda p: p.id)
    ]
    return Result({"items": items, "count": len(items)})
