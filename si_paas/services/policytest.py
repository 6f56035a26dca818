"""`si paas policy test`: run every policy's own examples through the real engine."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
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
from si_paas.services.pipeline import Call, command
from si_paas.snapshot.snapshot import Snapshot
from si_paas.snapshot.state import StateSnapshot
from si_paas.snapshot.worktree import WorktreeSnapshot
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


def _materialize(root: Path, files: dict[str, str], env: dict[str, str] | None = None,
                 where: str = "example") -> Snapshot:
    """Write an example's files: `repo/...` into a git repo, `state/...` into the state root.

    `env` (with `{root}` standing for the example's folder) is laid over the environment.
    """
    repo, state = root / "repo", root / "state"
    repo.mkdir()
    state.mkdir(mode=0o700)
    plan = files.get(DEPLOY_PLAN_EXAMPLE)  # the deploy scope's plan, not a file on disk
    files = {k: v for k, v in files.items() if k != DEPLOY_PLAN_EXAMPLE}
    for rel, text in files.items():
        # Names were checked at load (example_path_problem); check the result again.
        if example_path_problem(rel) is not None:
            raise InputError(f"example file {rel!r}: {example_path_problem(rel)}")
        path = root / rel
        if root not in Path(os.path.realpath(path.parent)).parents and (
                Path(os.path.realpath(path.parent)) != root):
            raise InputError(f"example file {rel!r}: resolves outside the example folder")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(path, "x", encoding="utf-8") as fh:  # never through an existing link
            fh.write(text.replace("@STATE_ROOT@", str(state)))  # where the example lives
        path.chmod(0o600)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, capture_output=True)
    snap = Snapshot(state=StateSnapshot(StateLayout(state)), repos=[WorktreeSnapshot.open(repo)])
    snap.deploy = parse_json(plan, where, "deploy-plan.json") if plan else None
    snap.env.update({k: v.replace("{root}", str(root)) for k, v in (env or {}).items()})
    return snap


def run_policy_examples(policy: Policy) -> list[ExampleOutcome]:
    """Each `fail` example must fail this policy, each `pass` example must pass it."""
    outcomes = []
    for expect in ("fail", "pass"):
        for i, example in enumerate(policy.examples.get(expect, [])):
            name = example.get("name") or f"{expect}[{i}]"
            with tempfile.TemporaryDirectory(prefix="si-paas-policy-") as tmp:
                snap = _materialize(Path(tmp).resolve(), example["files"], example.get("env"),
                                    f"{policy.source or policy.id}: example {name!r}")
                if example.get("as_of"):
                    from si_paas.state.clock import parse_time

                    snap.now = parse_time(example["as_of"])
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
    return Result({"items": outcomes, "count": len(outcomes), "failed": len(failed),
                   "without_examples": untested},
                  ok=not failed, exit_code=ExitCode.POLICY_FAILED if failed else ExitCode.OK)


@command("policy list", context="none", gate="none")
def list_policies(call: Call, policy_dirs: tuple[str, ...]) -> Result:
    """Every policy with its scopes and check kind."""
    policies = load_policies([Path(p) for p in policy_dirs])
    items = [{"id": p.id, "title": p.title, "severity": p.severity, "blocking": p.blocking,
              "scopes": list(p.scopes), "check": p.check, "source": p.source}
             for p in sorted(policies, key=lambda p: p.id)]
    return Result({"items": items, "count": len(items)})
