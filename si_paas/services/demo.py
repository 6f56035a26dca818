"""`si paas demo`: the runbook flow, live, in a throwaway state root and git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from si_paas.errors import ExitCode
from si_paas.services.invocation import Result
from si_paas.services.pipeline import Call, command

# A made-up token, assembled at run time so no scanner flags this source file.
_DEMO_TOKEN = "sk" + "_live_" + "4eC39HqLyjWDarjtT1zdp7dc9Xq2"


@dataclass
class Step:
    """One command of the walk-through: what it shows, what it ran, what came back."""

    title: str
    why: str
    args: list[str]
    expect: int
    cwd: str = ""
    prepare: Callable[[], None] | None = None  # change the app's source before the command
    code: int = -1
    stdin: str | None = None
    summary: str = ""
    doc: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == self.expect

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "why": self.why,
            "command": " ".join(["si", *self.args]),
            "expected_exit": self.expect,
            "exit": self.code,
            "ok": self.ok,
            "summary": self.summary,
        }


def _summarize(step: Step, doc: dict[str, Any], stderr: str) -> str:
    if "drill" in doc:
        d = doc["drill"]
        return f"drill {d['status']}: " + ", ".join(
            f"{s['step']} {s['release']} {s['result']}" for s in d["steps"]
        )
    if "release" in doc and "status" in doc:
        if doc["status"] == "succeeded":
            return f"{doc['release']} is current"
        back = doc.get("rolled_back_to")
        return f"{doc['release']} failed at {doc.get('error_stage')}" + (
            f"; switched back to {back}" if back else ""
        )
    if doc.get("command") == "checklist" and "items" in doc:
        bad_items = [i for i in doc["items"] if not i["ok"]]
        if not bad_items:
            return f"green: all {doc['count']} items pass"
        return "red: " + " | ".join(f"{i['title']}: {i['findings'][0]}" for i in bad_items)
    if doc.get("command") == "alert test":
        return ", ".join(f"{i['channel']}: {i['status']}" for i in doc["items"])
    if "channel" in doc:
        url = doc["channel"]["url"]
        return f"channel {doc['channel']['name']}: URL from vault key {url['key']} ({url['fingerprint']})"
    if "key" in doc and "fingerprint" in doc:
        verb = "removed" if doc.get("removed") else "stored"
        return f"{verb} {doc['key']} ({doc['fingerprint']})"
    if "checks" in doc:
        bad = [c for c in doc["checks"] if not c["ok"]]
        if not bad:
            return f"ok: {doc['summary']['passed']} policies passed"
        lines = [f"{c['id']}: {f['message']}" for c in bad for f in c["findings"][:2]]
        return "caught: " + " | ".join(lines)
    if "error" in doc:
        message: str = doc["error"]["message"]
        return message if message.startswith("refused") else "refused: " + message
    if "items" in doc:
        names = [str(i.get("name") or i.get("release_id") or i.get("command")) for i in doc["items"][:6]]
        return f"{doc['count']} item(s): {', '.join(names) or '-'}"
    if "context_config" in doc:
        return f"context {doc['context']} ({doc['context_config']['type']}) ready"
    if isinstance(doc.get("snapshot"), dict):
        snap = doc["snapshot"]
        return f"snapshot {snap['snapshot_id']}: {snap['files']} files, encrypted"
    if "verified" in doc:
        return f"snapshot {doc['snapshot']} verified ({doc['level']})"
    for key in ("target", "app"):
        if key in doc:
            return f"{key} {doc[key]['name']} recorded in context {doc['context']}"
    return stderr.strip().splitlines()[-1] if stderr.strip() else "done"


_HEALTH = """#!/bin/sh
# Healthy unless the release marks itself broken once it is `current`.
case "$PWD" in */current) test ! -f broken-after-switch ;; esac
"""


def _orders_source(orders: Path) -> None:
    (orders / "bin").mkdir(parents=True)
    (orders / "bin" / "health").write_text(_HEALTH)
    (orders / "bin" / "health").chmod(0o755)
    (orders / "index.html").write_text("<h1>orders v1</h1>\n")


def _deploy_steps(orders: Path, targets: Path) -> list[Step]:
    dog = ["paas", "--context", "internal-dogfood"]
    deploy = [*dog, "deploy", "--app", "orders", "--target", "edge-local"]

    def version(text: str, broken: bool = False) -> Callable[[], None]:
        def change() -> None:
            (orders / "index.html").write_text(f"<h1>orders {text}</h1>\n")
            marker = orders / "broken-after-switch"
            if broken:
                marker.write_text("")
            else:
                marker.unlink(missing_ok=True)

        return change

    return [
        Step(
            "Add a local deploy target",
            "a directory on this machine, private to internal-dogfood",
            [
                *dog,
                "target",
                "add",
                "edge-local",
                "--host",
                "localhost",
                "--transport",
                "local",
                "--path",
                str(targets / "orders"),
            ],
            0,
        ),
        Step(
            "Register the orders app",
            "its source folder sits in the demo repository",
            [*dog, "app", "add", "orders", "--source", str(orders), "--target", "edge-local"],
            0,
        ),
        Step(
            "Deploy the first release",
            "gated, uploaded, verified, health-checked, switched",
            [*deploy, "--first-deploy", "--health-cmd", "./bin/health"],
            0,
        ),
        Step(
            "Deploy a second release",
            "the first one is now the verified rollback target",
            deploy,
            0,
            prepare=version("v2"),
        ),
        Step(
            "Deploy a release that fails its health check",
            "health fails after the switch: switched back to the previous good release",
            deploy,
            1,
            prepare=version("v3", broken=True),
        ),
        Step(
            "Rehearse a rollback (drill)",
            "roll back, health, roll forward, health: one record",
            [*dog, "drill", "rollback", "--app", "orders", "--target", "edge-local"],
            0,
        ),
        Step(
            "List releases",
            "every release with its state; history in --json",
            [*dog, "release", "list", "--app", "orders"],
            0,
        ),
    ]


def _backup_steps() -> list[Step]:
    """A snapshot of each context and its read-data verification: checklist item 3's evidence."""
    steps = []
    for name in ("internal-dogfood", "oss-demo"):
        ctx = ["paas", "--context", name]
        steps += [
            Step(
                f"Back up {name}", "encrypted records; never the vault or keys", [*ctx, "backup", "create"], 0
            ),
            Step(
                f"Verify {name}'s newest snapshot",
                "decrypt every chunk, check every file",
                [*ctx, "backup", "verify", "--latest"],
                0,
            ),
        ]
    return steps


def _plan(repo: Path, src: Path) -> list[Step]:
    ctx = ["paas", "--context"]
    return [
        Step(
            "Initialise internal-dogfood",
            "private targets, private vault",
            ["paas", "context", "init", "--name", "internal-dogfood", "--type", "internal-dogfood"],
            0,
        ),
        Step(
            "Initialise oss-demo",
            "public-safe, disposable targets only",
            ["paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo"],
            0,
        ),
        Step(
            "Run isolation checks",
            "the runbook's baseline must be clean",
            ["paas", "doctor"],
            0,
            cwd=str(repo),
        ),
        Step(
            "Add a private target",
            "internal hosts belong to internal-dogfood",
            [
                *ctx,
                "internal-dogfood",
                "target",
                "add",
                "build-01",
                "--host",
                "10.20.0.7",
                "--port",
                "22",
                "--user",
                "deploy",
            ],
            0,
        ),
        Step(
            "Add a disposable demo target",
            "oss-demo targets must be --disposable",
            [*ctx, "oss-demo", "target", "add", "demo-1", "--host", "demo-1.example.test", "--disposable"],
            0,
        ),
        Step(
            "Register the demo app",
            "apps bind a source folder to targets",
            [*ctx, "oss-demo", "app", "add", "web", "--source", str(src), "--target", "demo-1"],
            0,
        ),
        Step(
            "Daily flow: list targets",
            "read-only, judged by the gate",
            [*ctx, "oss-demo", "target", "list"],
            0,
        ),
        Step(
            "Daily flow: read events",
            "every command left an audit line",
            [*ctx, "oss-demo", "events", "list", "--limit", "50"],
            0,
        ),
        Step(
            "Guardrail: mutate without --context",
            "the runbook's explicit-context rule",
            ["paas", "target", "add", "x", "--host", "x.test"],
            2,
        ),
        Step(
            "Guardrail: internal host in oss-demo",
            "cross-context data is refused",
            [
                *ctx,
                "oss-demo",
                "target",
                "add",
                "leak",
                "--host",
                "10.20.0.7",
                "--port",
                "22",
                "--disposable",
            ],
            1,
        ),
        Step(
            "Guardrail: non-disposable demo target",
            "oss-demo must stay public-safe",
            [*ctx, "oss-demo", "target", "add", "pet", "--host", "pet.example.test"],
            1,
        ),
        *_deploy_steps(repo / "orders", repo.parent / "targets"),
        *_backup_steps(),
        Step(
            "Plant contamination, run doctor again",
            "a context directory and a live token land in the repo",
            ["paas", "doctor"],
            1,
            cwd=str(repo),
        ),
        Step(
            "Guardrail: deploy after contamination",
            "the deploy gate is the doctor verdict",
            ["paas", "--context", "internal-dogfood", "deploy", "--app", "orders", "--target", "edge-local"],
            1,
        ),
    ]


def _plant(state_root: Path, repo: Path) -> None:
    shutil.copytree(
        state_root / "contexts" / "internal-dogfood",
        repo / "ops" / "paas-backup" / "contexts" / "internal-dogfood",
    )
    (repo / ".env").write_text(f"STRIPE_API_KEY={_DEMO_TOKEN}\n")


# Runs `si ARGS` and gives (exit code, stdout, stderr): a fresh interpreter, or a fork (cli).
StepRunner = Callable[..., tuple[int, str, str]]


def spawn(args: list[str], *, cwd: str, env: dict[str, str], stdin: str | None) -> tuple[int, str, str]:
    """`python -m si_paas ARGS` in a new interpreter."""
    proc = subprocess.run(
        [sys.executable, "-m", "si_paas", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _run_step(
    step: Step, tmp: Path, env: dict[str, str], on_step: Callable[[Step], None], runner: StepRunner
) -> None:
    if step.prepare is not None:
        step.prepare()
    step.code, stdout, stderr = runner(
        [*step.args, "--json"], cwd=step.cwd or str(tmp), env=env, stdin=step.stdin
    )
    try:
        step.doc = json.loads(stdout)
    except json.JSONDecodeError:
        step.doc = {}
    step.summary = _summarize(step, step.doc, stderr)
    on_step(step)


@command("demo", context="none", gate="none")
def run_demo(
    call: Call, on_step: Callable[[Step], None], keep: bool = False, runner: StepRunner = spawn
) -> Result:
    """Run the walk-through; every step must exit as expected. Removes everything after.

    Each step is one `si` run by `runner`: a new interpreter by default; the CLI forks.
    """
    tmp = Path(tempfile.mkdtemp(prefix="si-paas-demo-")).resolve()
    state_root, repo, src = tmp / "home/.si/paas", tmp / "demo-app", tmp / "demo-app/web"
    src.mkdir(parents=True)
    (src / "index.html").write_text("<h1>demo</h1>\n")
    _orders_source(repo / "orders")
    git_env = {
        "GIT_AUTHOR_NAME": "demo",
        "GIT_AUTHOR_EMAIL": "demo@example.invalid",
        "GIT_COMMITTER_NAME": "demo",
        "GIT_COMMITTER_EMAIL": "demo@example.invalid",
    }
    env = {
        **os.environ,
        **git_env,
        "HOME": str(tmp / "home"),
        "SI_PAAS_STATE_ROOT": str(state_root),
        "SI_PAAS_KEY_DIR": str(tmp / "home/.si/keys"),
        "SI_PAAS_BACKUP_ROOT": str(tmp / "home/.si/backups"),
    }
    env.pop("SI_PAAS_ALLOW_REPO_STATE", None)
    from si_paas.services import demo_ops

    steps = _plan(repo, src)
    try:
        subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "commit", "-qm", "demo app"], check=True, env=env)
        for step in steps:
            if step.title.startswith("Plant"):
                _plant(state_root, repo)
            _run_step(step, tmp, env, on_step, runner)
        with demo_ops.receiver() as port:
            ops_steps = demo_ops.plan(port)
            steps += ops_steps
            for step in ops_steps:
                _run_step(step, tmp, env, on_step, runner)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    ok = all(s.ok for s in steps)
    return Result(
        {"workdir": str(tmp), "kept": keep, "steps": [s.to_dict() for s in steps]},
        ok=ok,
        exit_code=ExitCode.OK if ok else ExitCode.POLICY_FAILED,
    )
