"""`si paas deploy|rollback|release|drill` end to end on the local transport."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import SI, Run, git, write
from deployhelp import CTX, App, deployments, private_modes_ok, setup_app

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def _schema(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


@pytest.fixture
def app(si: Callable[..., Run], tmp_path: Path) -> App:
    return setup_app(
        si, tmp_path, ["--host", "localhost", "--transport", "local"], str(tmp_path / "srv" / "orders")
    )


def _three(app: App) -> list[str]:
    ids = []
    for i, extra in enumerate((["--first-deploy"], [], [])):
        app.version(f"v{i + 1}")
        run = app.deploy(*extra)
        assert run.code == 0, run.stdout + run.stderr
        ids.append(run.json["release"])
    return ids


def test_three_deploys_then_default_and_named_rollback(app: App, state_root: Path) -> None:
    r1, r2, r3 = _three(app)
    assert [r1, r2, r3] == ["r000001-edge-a", "r000002-edge-a", "r000003-edge-a"]
    assert app.current() == r3 and app.served() == "v3"
    listed = app.releases()
    assert [(i["release_id"], i["state"]) for i in listed["items"]] == [
        (r3, "current"),
        (r2, "previous-good"),
        (r1, "succeeded"),
    ]
    back = app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--json")
    assert back.code == 0, back.stderr
    assert back.json["release"] == r2 and back.json["from_release"] == r3
    assert app.current() == r2 and app.served() == "v2"
    named = app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--to", r1, "--json")
    assert named.code == 0, named.stderr
    assert app.current() == r1 and app.served() == "v1"
    rows = app.rows()
    assert [(r["kind"], r["release"], r["state"]) for r in rows[:2]] == [
        ("rollback", r1, "succeeded"),
        ("rollback", r2, "succeeded"),
    ]
    doc = deployments(state_root)
    _schema("deployments").validate(doc)
    ctx_id = json.loads((state_root / f"contexts/{CTX}/config.json").read_text())["context_id"]
    assert all(r["context_id"] == ctx_id for p in doc["items"] for r in p["history"])
    record = json.loads((state_root / f"contexts/{CTX}/releases/orders/{r1}/release.json").read_text())
    _schema("release").validate(record)
    assert {f["path"] for f in record["files"]} == {"bin/health", "index.html"}
    # A rollback never uploads: the release folders are the three deploys' own.
    assert sorted(os.listdir(Path(app.path) / "releases")) == [r1, r2, r3]
    events = app.cmd("events", "list", "--kind", "deploy", "--json").json["items"]
    assert [e["command"] for e in events][:2] == ["rollback", "rollback"]
    assert private_modes_ok(state_root)


def test_first_deploy_needs_the_flag_in_internal_dogfood(app: App, state_root: Path) -> None:
    run = app.deploy()
    assert run.code == 1 and "rollback-ready" in run.stderr and "--first-deploy" in run.stderr
    assert run.json["error"]["failed_checks"] == ["rollback-ready"]
    assert not (Path(app.path) / "releases").exists()
    assert not (state_root / f"contexts/{CTX}/deployments.json").exists()
    event = app.cmd("events", "list", "--kind", "deploy", "--json").json["items"][0]
    assert event["status"] == "refused" and event["app"] == "orders"


def test_health_failure_before_the_switch_leaves_current(app: App) -> None:
    r1, r2, _ = _three(app)
    app.version("v4", broken="yes")
    run = app.deploy()
    assert run.code == 1, run.stderr
    assert run.json["error_stage"] == "health" and run.json["status"] == "failed"
    assert app.current() == "r000003-edge-a" and app.served() == "v3"
    assert app.rows()[0]["state"] == "failed" and app.rows()[0]["error_stage"] == "health"


def test_health_failure_after_the_switch_rolls_back(app: App) -> None:
    _three(app)
    app.version("v4", broken_after_switch="yes")
    run = app.deploy()
    assert run.code == 1, run.stdout
    assert run.json["rolled_back_to"] == "r000003-edge-a"
    assert app.current() == "r000003-edge-a" and app.served() == "v3"
    rows = app.rows()
    assert [(r["kind"], r["release"], r["state"]) for r in rows[:2]] == [
        ("auto-rollback", "r000003-edge-a", "succeeded"),
        ("deploy", "r000004-edge-a", "rolled-back"),
    ]
    assert rows[1]["error_stage"] == "post-health"
    # The next default rollback target skips the rolled-back release.
    back = app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--json")
    assert back.code == 0 and back.json["release"] == "r000002-edge-a"


def test_hanging_health_is_bounded(app: App) -> None:
    app.version("v1")
    run = app.cmd(
        "deploy",
        "--app",
        "orders",
        "--target",
        "edge-a",
        "--first-deploy",
        "--health-cmd",
        "sleep 60",
        "--health-timeout",
        "1",
        "--json",
    )
    assert run.code == 1
    assert "did not finish within 1s" in run.json["error"]
    assert app.current() is None


def test_dry_run_changes_nothing(app: App, state_root: Path) -> None:
    _three(app)
    before = (state_root / f"contexts/{CTX}/deployments.json").read_bytes()
    app.version("v4")
    run = app.deploy("--dry-run")
    assert run.code == 0, run.stderr
    assert run.json["dry_run"] is True and run.json["release"] == "r000004-edge-a"
    assert run.json["plan"]["rollback_release"] == "r000003-edge-a"
    assert any("verify" in s for s in run.json["steps"])
    assert (state_root / f"contexts/{CTX}/deployments.json").read_bytes() == before
    assert not (state_root / f"contexts/{CTX}/releases/orders/r000004-edge-a").exists()
    assert sorted(os.listdir(Path(app.path) / "releases")) == [
        "r000001-edge-a",
        "r000002-edge-a",
        "r000003-edge-a",
    ]


def test_a_plaintext_secret_in_the_source_refuses_the_deploy(app: App, state_root: Path) -> None:
    token = "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"
    write(app.src / "config" / ".env", f"API_TOKEN={token}\n")
    run = app.deploy("--first-deploy")
    assert run.code == 1
    assert "no-plaintext-secrets" in run.stderr and ".env:1" in run.stderr
    assert f"si paas --context {CTX} secret set" in run.stderr
    assert token not in run.stdout + run.stderr
    assert not (state_root / f"contexts/{CTX}/releases").exists() or not os.listdir(
        state_root / f"contexts/{CTX}/releases"
    )
    assert not (Path(app.path) / "releases").exists()


def _copied_context(app: App, state_root: Path) -> None:
    shutil.copytree(state_root / "contexts" / CTX, app.src / "ops" / "contexts" / CTX)


def _foreign_release(app: App, state_root: Path) -> None:
    assert app.si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo").code == 0
    demo = json.loads((state_root / "contexts/oss-demo/config.json").read_text())
    folder = state_root / f"contexts/{CTX}/releases/orders/r000009-edge-a"
    folder.mkdir(parents=True, mode=0o700)
    (folder / "release.json").write_text(
        json.dumps(
            {
                "release_id": "r000009-edge-a",
                "app": "orders",
                "target": "edge-a",
                "context": "oss-demo",
                "context_id": demo["context_id"],
            }
        )
    )
    (folder / "release.json").chmod(0o600)


def _open_permissions(app: App, state_root: Path) -> None:
    (state_root / "contexts" / CTX).chmod(0o755)


def _shared_target(app: App, state_root: Path) -> None:
    assert app.si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo").code == 0
    add = app.si(
        "paas",
        "--context",
        "oss-demo",
        "target",
        "add",
        "demo",
        "--host",
        "localhost",
        "--transport",
        "local",
        "--path",
        app.path,
        "--disposable",
    )
    assert add.code == 1  # the gate refuses it at once; plant it by hand as a copy would
    targets = state_root / f"contexts/{CTX}/targets.json"
    doc = json.loads(targets.read_text())
    demo_cfg = json.loads((state_root / "contexts/oss-demo/config.json").read_text())
    item = {
        **doc["items"][0],
        "name": "demo",
        "disposable": True,
        "context": "oss-demo",
        "context_id": demo_cfg["context_id"],
    }
    path = state_root / "contexts/oss-demo/targets.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "context": "oss-demo",
                "context_id": demo_cfg["context_id"],
                "items": [item],
            }
        )
    )
    path.chmod(0o600)


@pytest.mark.parametrize(
    ("plant", "policy"),
    [
        (_copied_context, "no-repo-private-state"),
        (_foreign_release, "no-cross-context-data"),
        (_open_permissions, "state-permissions"),
        (_shared_target, "no-cross-context-data"),
    ],
)
def test_the_gate_refuses_after_contamination(
    app: App, state_root: Path, plant: Callable[[App, Path], None], policy: str
) -> None:
    _three(app)
    plant(app, state_root)
    app.version("v4")
    for args in (
        ("deploy", "--app", "orders", "--target", "edge-a"),
        ("rollback", "--app", "orders", "--target", "edge-a"),
        ("drill", "rollback", "--app", "orders", "--target", "edge-a"),
    ):
        run = app.cmd(*args, "--json")
        assert run.code == 1, (args, run.stdout, run.stderr)
        assert policy in run.json["error"]["failed_checks"], run.json
    assert app.current() == "r000003-edge-a"
    refused = [
        e
        for e in app.cmd("events", "list", "--kind", "deploy", "--json").json["items"]
        if e["status"] == "refused"
    ]
    assert len(refused) == 3


def test_oss_demo_deploys_only_to_disposable_targets(
    si: Callable[..., Run], tmp_path: Path, state_root: Path
) -> None:
    assert si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo").code == 0
    src = write(tmp_path / "web" / "index.html", "hi\n").parent
    path = str(tmp_path / "srv" / "web")
    assert (
        si(
            "paas",
            "--context",
            "oss-demo",
            "target",
            "add",
            "d1",
            "--host",
            "localhost",
            "--transport",
            "local",
            "--path",
            path,
            "--disposable",
        ).code
        == 0
    )
    assert (
        si("paas", "--context", "oss-demo", "app", "add", "web", "--source", str(src), "--target", "d1").code
        == 0
    )
    ok = si("paas", "--context", "oss-demo", "deploy", "--app", "web", "--target", "d1", "--json")
    assert ok.code == 0, ok.stderr  # rollback-ready is for internal-dogfood only
    targets = state_root / "contexts/oss-demo/targets.json"
    doc = json.loads(targets.read_text())
    doc["items"][0]["disposable"] = False
    targets.write_text(json.dumps(doc))
    run = si("paas", "--context", "oss-demo", "deploy", "--app", "web", "--target", "d1", "--json")
    assert run.code == 1 and "deploy-target-known" in run.json["error"]["failed_checks"]
    assert "--disposable" in run.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--app", "nope", "--target", "edge-a"), "--app 'nope'"),
        (("--app", "orders", "--target", "nope"), "--target 'nope'"),
    ],
)
def test_unknown_app_or_target(app: App, args: tuple[str, ...], needle: str) -> None:
    run = app.cmd("deploy", *args)
    assert run.code == 2 and needle in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_target_of_another_context(app: App, tmp_path: Path) -> None:
    assert app.si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo").code == 0
    assert (
        app.si(
            "paas",
            "--context",
            "oss-demo",
            "target",
            "add",
            "demo-t",
            "--host",
            "localhost",
            "--transport",
            "local",
            "--path",
            str(tmp_path / "d"),
            "--disposable",
        ).code
        == 0
    )
    run = app.cmd("deploy", "--app", "orders", "--target", "demo-t")
    assert run.code == 2 and "context 'oss-demo'" in run.stderr


def test_mutating_deploy_commands_need_explicit_context(app: App) -> None:
    for args in (
        ("deploy", "--app", "orders", "--target", "edge-a"),
        ("rollback", "--app", "orders", "--target", "edge-a"),
        ("drill", "rollback", "--app", "orders", "--target", "edge-a"),
        ("release", "prune", "--app", "orders"),
    ):
        run = app.si("paas", *args)
        assert run.code == 2 and "--context" in run.stderr, args


def test_source_missing_or_inside_the_state_root(app: App, state_root: Path) -> None:
    shutil.rmtree(app.src)
    run = app.deploy("--first-deploy")
    assert run.code == 2 and "not a directory" in run.stderr
    inside = state_root / "contexts" / CTX / "cache" / "src"
    write(inside / "index.html", "x")
    assert app.cmd("app", "add", "inner", "--source", str(inside), "--target", "edge-a").code == 0
    run = app.cmd("deploy", "--app", "inner", "--target", "edge-a", "--first-deploy")
    assert run.code == 2 and "state root" in run.stderr


def test_rollback_to_unknown_or_tampered_release(app: App) -> None:
    r1, _, _ = _three(app)
    run = app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--to", "r000042-edge-a")
    assert run.code == 2 and "no release record" in run.stderr
    (Path(app.path) / "releases" / r1 / "index.html").write_text("tampered\n")
    run = app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--to", r1)
    assert run.code == 2 and "cannot roll back" in run.stderr
    verify = app.cmd("release", "verify", "--app", "orders", "--target", "edge-a", "--json")
    assert verify.code == 1 and verify.json["failed"] == 1
    assert [i["release_id"] for i in verify.json["items"] if not i["ok"]] == [r1]
    assert app.current() == "r000003-edge-a"


def test_target_directory_not_writable(app: App, tmp_path: Path) -> None:
    blocker = write(tmp_path / "blocker", "a file, not a folder")
    assert app.cmd("target", "update", "edge-a", "--path", str(blocker / "orders")).code == 0
    run = app.deploy("--first-deploy")
    assert run.code == 1 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_drill_rolls_back_and_forward_and_records(app: App, state_root: Path) -> None:
    _, r2, r3 = _three(app)
    run = app.cmd("drill", "rollback", "--app", "orders", "--target", "edge-a", "--json")
    assert run.code == 0, run.stdout + run.stderr
    drill = run.json["drill"]
    assert drill["status"] == "completed" and drill["final_release"] == r3
    assert [(s["step"], s["release"], s["result"]) for s in drill["steps"]] == [
        ("rollback", r2, "ok"),
        ("health", r2, "ok"),
        ("roll-forward", r3, "ok"),
        ("health", r3, "ok"),
    ]
    lines = (state_root / f"contexts/{CTX}/drills.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    _schema("drill").validate(record)
    assert record["drill_id"] == drill["drill_id"] and record["actor"]
    assert app.current() == r3


def test_failed_drill_puts_the_original_back(app: App, tmp_path: Path) -> None:
    _three(app)
    # r2's health fails once a flag file exists: the drill's rollback step fails.
    flag = tmp_path / "r2-broken"
    flag.write_text("")
    health = f'test "$SI_PAAS_RELEASE" != r000002-edge-a || test ! -f {flag}'
    run = app.cmd(
        "drill", "rollback", "--app", "orders", "--target", "edge-a", "--health-cmd", health, "--json"
    )
    assert run.code == 1
    drill = run.json["drill"]
    assert drill["status"] == "failed" and drill["final_release"] == "r000003-edge-a"
    assert "r000003-edge-a is current again" in drill["message"]
    assert app.current() == "r000003-edge-a"


def test_drill_only_in_internal_dogfood(si: Callable[..., Run], tmp_path: Path) -> None:
    assert si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo").code == 0
    src = write(tmp_path / "web" / "index.html", "hi\n").parent
    assert (
        si(
            "paas",
            "--context",
            "oss-demo",
            "target",
            "add",
            "d1",
            "--host",
            "localhost",
            "--transport",
            "local",
            "--path",
            str(tmp_path / "srv"),
            "--disposable",
        ).code
        == 0
    )
    assert (
        si("paas", "--context", "oss-demo", "app", "add", "web", "--source", str(src), "--target", "d1").code
        == 0
    )
    run = si("paas", "--context", "oss-demo", "drill", "rollback", "--app", "web", "--target", "d1")
    assert run.code == 2 and "internal-dogfood" in run.stderr


def test_prune_keeps_current_previous_good_and_drilled(app: App, state_root: Path) -> None:
    r1, r2, r3 = _three(app)
    assert app.cmd("drill", "rollback", "--app", "orders", "--target", "edge-a").code == 0
    for v in ("v4", "v5"):
        app.version(v)
        assert app.deploy().code == 0
    r5 = app.current()
    assert app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--to", r1).code == 0
    dry = app.cmd("release", "prune", "--app", "orders", "--keep", "1", "--json")
    assert dry.code == 0 and dry.json["dry_run"] is True
    plan = dry.json["items"][0]
    assert {r["release_id"] for r in plan["remove"]} == {"r000004-edge-a"}
    kept = {k["release_id"]: k["kept_because"] for k in plan["kept"]}
    assert "current" in kept[r1] and "drill" in kept[r2] and "drill" in kept[r3]
    assert kept[r5] == ["newest"]
    assert len(os.listdir(Path(app.path) / "releases")) == 5
    done = app.cmd("release", "prune", "--app", "orders", "--keep", "1", "--confirm", "--json")
    assert done.code == 0 and done.json["items"][0]["removed"] == ["r000004-edge-a"]
    assert sorted(os.listdir(Path(app.path) / "releases")) == [r1, r2, r3, r5]
    listed = {i["release_id"]: i["state"] for i in app.releases()["items"]}
    assert listed["r000004-edge-a"] == "pruned" and listed[r1] == "current"
    gone = app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--to", "r000004-edge-a")
    assert gone.code == 2 and "pruned" in gone.stderr
    assert app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--to", r5).code == 0


def test_git_source_records_sha_dirty_and_respects_gitignore(app: App, env: dict[str, str]) -> None:
    write(app.src / ".gitignore", "*.log\n")
    write(app.src / "debug.log", "noise\n")
    git(app.src, env, "init", "-q")
    git(app.src, env, "add", "-A")
    git(app.src, env, "commit", "-qm", "v1")
    sha = git(app.src, env, "rev-parse", "HEAD").strip()
    run = app.deploy("--first-deploy")
    assert run.code == 0, run.stderr
    assert run.json["bundle"]["git_sha"] == sha and run.json["bundle"]["dirty"] is False
    released = Path(app.path) / "current"
    assert (released / "index.html").exists() and not (released / "debug.log").exists()
    app.version("v2")
    again = app.deploy()
    assert again.code == 0 and again.json["bundle"]["dirty"] is True


def test_concurrent_deploys_one_is_refused(
    app: App, env: dict[str, str], tmp_path: Path, state_root: Path
) -> None:
    assert app.deploy("--first-deploy").code == 0
    app.version("v2")
    go = tmp_path / "go"
    # The first deploy's health waits (bounded) for the test to let it finish.
    health = f"i=0; while [ ! -f {go} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; test -f {go}"
    assert SI
    first = subprocess.Popen(
        [
            SI,
            "paas",
            "--context",
            CTX,
            "deploy",
            "--app",
            "orders",
            "--target",
            "edge-a",
            "--health-cmd",
            health,
            "--json",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lock = state_root / f"contexts/{CTX}/locks/orders@edge-a.lock"
        marker = Path(app.path) / ".si-paas" / "incoming"
        for _ in range(2000):
            if lock.exists() and (Path(app.path) / "releases" / "r000002-edge-a").exists():
                break
            if first.poll() is not None:
                break
            time.sleep(0.01)  # a bounded poll for the lock and the uploaded release
        assert lock.exists() and marker.exists(), first.communicate()
        second = app.deploy()
        assert second.code == 1 and "locked" in second.stderr
        assert f"pid {first.pid}" in second.stderr
        status = app.cmd("deploy", "lock", "status", "--app", "orders", "--target", "edge-a", "--json")
        assert status.json["lock"]["state"] == "held" and status.json["lock"]["pid"] == first.pid
        go.write_text("")
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 0, out + err
    assert app.current() == "r000002-edge-a"
    assert [r["release"] for r in app.rows()] == ["r000002-edge-a", "r000001-edge-a"]
    assert not lock.exists()
