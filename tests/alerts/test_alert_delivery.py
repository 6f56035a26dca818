"""Alert delivery to a real HTTP receiver on 127.0.0.1 through the installed `si`."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path

from alerthelp import add_channel, alert_records, closed_port, receiver
from conftest import Run

SIGN_KEY = "whsec-Zq8v!3Lm#9Tx"


def test_payload_is_alertmanager_v4_and_signed(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    with receiver() as rx:
        add_channel(si, "oss-demo", rx.url("/hook/a1"), sign=SIGN_KEY)
        run = si("paas", "--context", "oss-demo", "alert", "test", "--json")
        assert run.code == 0, run.stderr
        (req,) = rx.requests()
    doc = req.json
    assert doc["version"] == "4" and doc["status"] == "firing" and doc["receiver"] == "ops"
    assert set(doc) >= {"groupKey", "groupLabels", "commonLabels", "commonAnnotations", "alerts"}
    (alert,) = doc["alerts"]
    assert alert["status"] == "firing"
    assert alert["labels"]["context"] == "oss-demo" and alert["labels"]["kind"] == "test"
    assert alert["labels"] == doc["commonLabels"]
    assert alert["annotations"]["summary"] and alert["endsAt"] == "0001-01-01T00:00:00Z"
    assert alert["startsAt"].endswith("Z") and len(alert["fingerprint"]) == 16
    assert run.json["fingerprint"] == alert["fingerprint"]
    stamp = req.headers["x-si-paas-timestamp"]
    expected = (
        "sha256=" + hmac.new(SIGN_KEY.encode(), stamp.encode() + b"." + req.body, hashlib.sha256).hexdigest()
    )
    assert hmac.compare_digest(expected, req.headers["x-si-paas-signature"])
    wrong = "sha256=" + hmac.new(b"another key", stamp.encode() + b"." + req.body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(wrong, req.headers["x-si-paas-signature"])
    (rec,) = [r for r in alert_records(state_root, "oss-demo") if r["command"] == "alert test"]
    assert rec["status"] == "sent" and rec["attempt"] == 1 and rec["http_status"] == 200
    assert rec["signed"] is True and rec["fingerprint"] == alert["fingerprint"]


def test_unsigned_channel_sends_no_signature(baseline: Callable[..., Run]) -> None:
    with receiver() as rx:
        add_channel(baseline, "oss-demo", rx.url())
        assert baseline("paas", "--context", "oss-demo", "alert", "test").code == 0
        (req,) = rx.requests()
    assert "x-si-paas-signature" not in req.headers


def test_500_then_200_is_retried(baseline: Callable[..., Run], state_root: Path) -> None:
    with receiver([500, 200]) as rx:
        add_channel(baseline, "oss-demo", rx.url())
        run = baseline("paas", "--context", "oss-demo", "alert", "test", "--json")
        assert run.code == 0, run.stderr
        assert len(rx.requests()) == 2
    recs = alert_records(state_root, "oss-demo")
    assert [(r["status"], r["attempt"], r["http_status"]) for r in recs] == [
        ("failed", 1, 500),
        ("sent", 2, 200),
    ]
    assert run.json["items"] == [{"channel": "ops", "status": "sent"}]


def test_always_500_is_recorded_and_bounded(baseline: Callable[..., Run], state_root: Path) -> None:
    with receiver([500]) as rx:
        add_channel(baseline, "oss-demo", rx.url(), extra=("--retries", "2"))
        run = baseline("paas", "--context", "oss-demo", "alert", "test", "--json")
        assert len(rx.requests()) == 3
    assert run.code == 1 and run.json["ok"] is False
    recs = alert_records(state_root, "oss-demo")
    assert [(r["status"], r["attempt"], r["http_status"]) for r in recs] == [
        ("failed", 1, 500),
        ("failed", 2, 500),
        ("failed", 3, 500),
    ]
    assert all(r["error"] == "HTTP 500" for r in recs)


def test_4xx_is_not_retried(baseline: Callable[..., Run]) -> None:
    with receiver([404]) as rx:
        add_channel(baseline, "oss-demo", rx.url())
        assert baseline("paas", "--context", "oss-demo", "alert", "test").code == 1
        assert len(rx.requests()) == 1


def test_receiver_slower_than_the_timeout(baseline: Callable[..., Run], state_root: Path) -> None:
    with receiver(hold=True) as rx:
        add_channel(baseline, "oss-demo", rx.url(), extra=("--timeout", "300ms", "--retries", "1"))
        run = baseline("paas", "--context", "oss-demo", "alert", "test", "--json")
        assert len(rx.requests()) == 2
    assert run.code == 1
    recs = alert_records(state_root, "oss-demo")
    assert [r["error"] for r in recs] == ["timed out after 0.3s"] * 2
    assert all(r["elapsed_ms"] < 5000 for r in recs)


def test_closed_port(baseline: Callable[..., Run], state_root: Path) -> None:
    add_channel(baseline, "oss-demo", f"http://127.0.0.1:{closed_port()}/hook", extra=("--retries", "1"))
    run = baseline("paas", "--context", "oss-demo", "alert", "test", "--json")
    assert run.code == 1 and run.json["items"] == [{"channel": "ops", "status": "failed"}]
    recs = alert_records(state_root, "oss-demo")
    assert [(r["attempt"], r["error"]) for r in recs] == [
        (1, "connection refused"),
        (2, "connection refused"),
    ]


def test_route_test_sends_nothing(baseline: Callable[..., Run]) -> None:
    si = baseline
    with receiver() as rx:
        add_channel(si, "internal-dogfood", rx.url("/ops"))
        add_channel(si, "internal-dogfood", rx.url("/pager"), name="pager")
        run = si(
            "paas",
            "--context",
            "internal-dogfood",
            "alert",
            "policy",
            "set",
            "--route",
            "severity=critical -> pager +continue",
            "--route",
            "kind=deploy|rollback -> ops",
            "--default",
            "ops",
            "--json",
        )
        assert run.code == 0, run.stderr

        def test(sev: str, kind: str) -> dict[str, object]:
            r = si(
                "paas",
                "--context",
                "internal-dogfood",
                "alert",
                "route",
                "test",
                "--severity",
                sev,
                "--kind",
                kind,
                "--json",
            )
            assert r.code == 0, r.stderr
            doc: dict[str, object] = r.json
            return doc

        assert test("critical", "deploy")["channels"] == ["pager", "ops"]
        assert test("critical", "backup")["channels"] == ["pager"]
        assert test("warning", "rollback")["channels"] == ["ops"]
        third = test("warning", "backup")
        assert third["channels"] == ["ops"] and third["default"] is True
        assert rx.requests() == []


def test_silence_and_ack_lifecycle(baseline: Callable[..., Run]) -> None:
    si = baseline
    ctx = ("paas", "--context", "oss-demo", "alert")
    run = si(
        *ctx,
        "silence",
        "add",
        "--matcher",
        "kind=backup",
        "--until",
        "2h",
        "--comment",
        "backup host maintenance",
        "--json",
    )
    assert run.code == 0, run.stderr
    sid = run.json["silence"]["id"]
    listed = si(*ctx, "silence", "list", "--json").json
    assert [s["id"] for s in listed["items"]] == [sid]
    with receiver() as rx:
        add_channel(si, "oss-demo", rx.url())
        routed = si(*ctx, "route", "test", "--severity", "warning", "--kind", "backup", "--json").json
        assert routed["silenced_by"] == sid
        assert si(*ctx, "silence", "expire", sid).code == 0
        assert si(*ctx, "silence", "list", "--json").json["count"] == 0
        assert si(*ctx, "silence", "list", "--all", "--json").json["items"][0]["active"] is False
        fp = si(*ctx, "test", "--json").json["fingerprint"]
        acked = si(*ctx, "ack", fp, "--note", "on it", "--json")
        assert acked.code == 0 and acked.json["fingerprint"] == fp
        hist = si(*ctx, "history", "--json").json["items"]
        assert hist[0]["status"] == "acked" and hist[0]["note"] == "on it"
    assert si(*ctx, "ack", "0000000000000000").code == 2


def test_policy_show_never_prints_values(baseline: Callable[..., Run]) -> None:
    si = baseline
    url = "http://127.0.0.1:9/hook/t0ps3cr3t-path"
    add_channel(si, "oss-demo", url, sign=SIGN_KEY)
    for args in (("alert", "policy", "show"), ("alert", "channel", "list")):
        for fmt in ((), ("--json",)):
            run = si("paas", "--context", "oss-demo", *args, *fmt)
            assert run.code == 0, run.stderr
            assert "t0ps3cr3t" not in run.stdout + run.stderr and SIGN_KEY not in run.stdout
    shown = si("paas", "--context", "oss-demo", "alert", "channel", "list", "--json").json["items"][0]
    assert shown["url"]["key"] == "OSS_DEMO_OPS_URL" and shown["url"]["fingerprint"].startswith("fp:")
    assert shown["signing"]["key"] == "OSS_DEMO_OPS_HMAC"


def test_channel_export_carries_key_names_only(baseline: Callable[..., Run], home: Path) -> None:
    si = baseline
    add_channel(si, "oss-demo", "http://127.0.0.1:9/hook/exp0rt-path", sign=SIGN_KEY)
    run = si("paas", "--context", "oss-demo", "context", "export")
    assert run.code == 0, run.stderr
    bundle = json.loads(run.stdout)
    assert bundle["alert_policy"]["channels"][0]["url_ref"] == "OSS_DEMO_OPS_URL"
    assert "exp0rt" not in run.stdout and SIGN_KEY not in run.stdout
