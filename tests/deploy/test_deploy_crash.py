"""SIGKILL of `si` at each step of a deploy: parseable records, a complete `current`, a stale lock."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from deployhelp import CTX, App, deployments, setup_app

STEPS = ["locked", "upload", "verify", "health", "switch", "post-health"]


@pytest.fixture
def app(si: Callable[..., Run], tmp_path: Path) -> App:
    app = setup_app(
        si, tmp_path, ["--host", "localhost", "--transport", "local"], str(tmp_path / "srv" / "orders")
    )
    assert app.deploy("--first-deploy").code == 0
    app.version("v2")
    assert app.deploy().code == 0
    return app


@pytest.mark.parametrize("step", STEPS)
def test_sigkill_at_each_step(app: App, state_root: Path, step: str) -> None:
    app.version("v3")
    killed = app.deploy(extra_env={"SI_PAAS_TEST_KILL_AT": step})
    assert killed.code == -9, killed.stdout + killed.stderr
    # Records parse and validate; `current` is a complete, verified release.
    doc = deployments(state_root)
    current = app.current()
    expected = "r000003-edge-a" if step == "post-health" else "r000002-edge-a"
    assert current == expected
    verify = app.cmd(
        "release", "verify", "--app", "orders", "--target", "edge-a", "--release", current, "--json"
    )
    assert verify.code == 0, verify.stdout
    rows = app.rows()
    if step == "locked":
        assert len(doc["items"][0]["history"]) == 2
    else:
        assert rows[0]["state"] == "abandoned" and rows[0]["status"] == "running"
        assert rows[0]["release"] == "r000003-edge-a"
    status = app.cmd("deploy", "lock", "status", "--app", "orders", "--target", "edge-a", "--json")
    assert status.code == 0 and status.json["lock"]["state"] == "stale"
    assert status.json["target_lock"]["state"] == "held"
    again = app.deploy()
    assert again.code == 1 and "stale" in again.stderr and "--force" in again.stderr
    plain = app.cmd("deploy", "lock", "release", "--app", "orders", "--target", "edge-a")
    assert plain.code == 1 and "--force" in plain.stderr
    forced = app.cmd(
        "deploy", "lock", "release", "--app", "orders", "--target", "edge-a", "--force", "--json"
    )
    assert forced.code == 0 and forced.json["was_stale"] is True
    audit = app.cmd("events", "list", "--kind", "audit", "--json").json["items"]
    released = next(e for e in audit if e["command"] == "deploy lock release" and e["status"] == "ok")
    assert released["args"]["force"] is True
    app.version("v4")
    final = app.deploy()
    assert final.code == 0, final.stderr
    assert app.served() == "v4"
    assert not list((Path(app.path) / ".si-paas" / "incoming").iterdir())
    # The abandoned row is still there, shown as abandoned, never rewritten.
    if step != "locked":
        assert any(r["state"] == "abandoned" for r in app.rows())


def test_a_torn_lock_file_is_stale(app: App, state_root: Path) -> None:
    lock = state_root / f"contexts/{CTX}/locks/orders@edge-a.lock"
    lock.write_text("")
    lock.chmod(0o600)
    status = app.cmd("deploy", "lock", "status", "--app", "orders", "--target", "edge-a", "--json")
    assert status.json["lock"]["state"] == "stale"
    assert json.loads((state_root / f"contexts/{CTX}/deployments.json").read_text())
