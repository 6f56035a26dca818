"""Deploy, rollback and drill raise alerts: delivered to a real receiver on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Run, write
from deployhelp import CTX, App, setup_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "alerts"))
from alerthelp import Receiver, add_channel, alert_records, receiver  # noqa: E402

TOKEN = "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"


@pytest.fixture
def app(si: Callable[..., Run], tmp_path: Path) -> App:
    return setup_app(
        si, tmp_path, ["--host", "localhost", "--transport", "local"], str(tmp_path / "srv" / "orders")
    )


def _alerts(rx: Receiver) -> list[dict[str, Any]]:
    """Every alert the receiver got, one per request (each request is one payload)."""
    out = []
    for req in rx.requests():
        doc = req.json
        assert doc["version"] == "4" and doc["status"] == "firing" and doc["receiver"] == "ops"
        (alert,) = doc["alerts"]
        assert alert["labels"] == doc["commonLabels"] and len(alert["fingerprint"]) == 16
        out.append(alert)
    return out


def test_a_refused_deploy_delivers_one_critical_alert(app: App, state_root: Path) -> None:
    with receiver() as rx:
        add_channel(app.si, CTX, rx.url())
        run = app.deploy()  # internal-dogfood's rollback-ready refuses a first deploy without the flag
        assert run.code == 1 and run.json["error"]["failed_checks"] == ["rollback-ready"]
        (alert,) = _alerts(rx)
    labels = alert["labels"]
    assert labels["severity"] == "critical" and labels["kind"] == "deploy"
    assert labels["alertname"] == "si-paas-deploy-refused" and labels["check"] == "rollback-ready"
    assert (labels["app"], labels["target"], labels["context"]) == ("orders", "edge-a", CTX)
    assert "rollback-ready" in alert["annotations"]["summary"]
    (rec,) = [r for r in alert_records(state_root, CTX) if r["command"] == "deploy"]
    assert rec["status"] == "sent" and rec["fingerprint"] == alert["fingerprint"]
    assert "warnings" not in run.json


def test_a_refused_rollback_delivers_one_critical_alert(app: App) -> None:
    for i, extra in enumerate((["--first-deploy"], [])):
        app.version(f"v{i + 1}")
        assert app.deploy(*extra).code == 0
    write(app.src / "config" / ".env", f"API_TOKEN={TOKEN}\n")
    with receiver() as rx:
        add_channel(app.si, CTX, rx.url())
        run = app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--json")
        assert run.code == 1 and "no-plaintext-secrets" in run.json["error"]["failed_checks"]
        (alert,) = _alerts(rx)
    assert alert["labels"]["severity"] == "critical" and alert["labels"]["kind"] == "rollback"
    assert TOKEN not in str(alert)
    assert app.current() == "r000002-edge-a"


def test_a_failed_health_check_delivers_one_alert(app: App) -> None:
    with receiver() as rx:
        add_channel(app.si, CTX, rx.url())
        app.version("v1", broken="yes")
        run = app.deploy("--first-deploy")
        assert run.code == 1 and run.json["error_stage"] == "health"
        (alert,) = _alerts(rx)
    labels = alert["labels"]
    assert labels["kind"] == "health" and labels["alertname"] == "si-paas-health-failed"
    assert labels["severity"] == "warning"  # current is untouched (nothing was deployed)
    assert "r000001-edge-a" in alert["annotations"]["summary"]


def test_a_health_failure_left_current_is_critical(app: App) -> None:
    with receiver() as rx:
        add_channel(app.si, CTX, rx.url())
        app.version("v1", broken_after_switch="yes")
        run = app.deploy("--first-deploy")  # no previous release to switch back to
        assert run.code == 1 and run.json["error_stage"] == "post-health"
        (alert,) = _alerts(rx)
    assert alert["labels"]["kind"] == "health" and alert["labels"]["severity"] == "critical"


def test_a_successful_deploy_and_rollback_deliver_none(app: App) -> None:
    with receiver() as rx:
        add_channel(app.si, CTX, rx.url())
        for i, extra in enumerate((["--first-deploy"], [])):
            app.version(f"v{i + 1}")
            run = app.deploy(*extra)
            assert run.code == 0, run.stdout + run.stderr
            assert "warnings" not in run.json
        assert app.cmd("rollback", "--app", "orders", "--target", "edge-a").code == 0
        assert rx.requests() == []


def test_a_failed_delivery_keeps_the_refusal(app: App, state_root: Path) -> None:
    plain = app.deploy()
    with receiver([500]) as rx:
        add_channel(app.si, CTX, rx.url(), extra=("--retries", "1"))
        run = app.deploy()
        assert len(rx.requests()) == 2
        human = app.cmd("deploy", "--app", "orders", "--target", "edge-a")
    assert run.code == plain.code == 1
    assert run.json["error"] == plain.json["error"]
    assert any("not delivered to channel 'ops'" in w for w in run.json["warnings"])
    lines = human.stderr.strip().splitlines()
    assert human.code == 1 and lines[-1].startswith("si paas deploy: error: refused by the doctor gate")
    assert any(line.startswith("warning: ") and "not delivered" in line for line in lines[:-1])
    failed = [r for r in alert_records(state_root, CTX) if r["status"] == "failed" and r.get("channel")]
    assert [r["http_status"] for r in failed] == [500] * 4  # two runs, two attempts each
