"""Alert channels never cross contexts, and no URL or signing key leaks anywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from alerthelp import add_channel, receiver, set_secret
from conftest import Run

SIGN_KEY = "hmac-Kq7!zP2#wL9v"


def test_oss_demo_channel_may_not_reuse_an_internal_url(
    baseline: Callable[..., Run], state_root: Path
) -> None:
    si = baseline
    url = "http://127.0.0.1:9/hook/internal-only"
    add_channel(si, "internal-dogfood", url)
    # The vault already refuses the same value in both vaults...
    same = si("paas", "--context", "oss-demo", "secret", "set", "DEMO_URL", input=url)
    assert same.code == 1 and "no-cross-context-data" in same.stderr
    # ...and the channel record keeps the URL's fingerprint after the internal key is gone.
    assert (
        si("paas", "--context", "internal-dogfood", "secret", "unset", "INTERNAL_DOGFOOD_OPS_URL").code == 0
    )
    set_secret(si, "oss-demo", "DEMO_URL", url)
    run = si(
        "paas",
        "--context",
        "oss-demo",
        "alert",
        "channel",
        "add",
        "webhook",
        "--name",
        "demo",
        "--url-secret",
        "DEMO_URL",
    )
    assert run.code == 1, run.stderr
    assert "no-cross-context-data" in run.stderr and "internal-dogfood/ops" in run.stderr
    assert not (state_root / "contexts" / "oss-demo" / "alerts" / "policy.json").exists()


def test_copied_channel_record_is_found_by_doctor(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    add_channel(si, "internal-dogfood", "http://127.0.0.1:9/hook/internal")
    add_channel(si, "oss-demo", "http://127.0.0.1:9/hook/demo")
    assert si("paas", "doctor").code == 0
    internal = json.loads((state_root / "contexts/internal-dogfood/alerts/policy.json").read_text())
    demo_path = state_root / "contexts/oss-demo/alerts/policy.json"
    demo = json.loads(demo_path.read_text())
    demo["channels"][0]["url_fingerprint"] = internal["channels"][0]["url_fingerprint"]
    demo_path.write_text(json.dumps(demo))
    run = si("paas", "doctor", "--json")
    assert run.code == 1
    (check,) = [c for c in run.json["checks"] if c["id"] == "no-cross-context-data"]
    (finding,) = [f for f in check["findings"] if f.get("extra", {}).get("kind") == "shared-alert-channel"]
    assert finding["severity"] == "critical" and "oss-demo/ops" in finding["message"]


def test_no_url_or_signing_key_anywhere(baseline: Callable[..., Run], state_root: Path, home: Path) -> None:
    si = baseline
    outputs: list[str] = []
    with receiver([500, 200]) as rx:
        url = rx.url("/hook/Lk9-zz-unique-path")
        add_channel(si, "oss-demo", url, sign=SIGN_KEY)
        for args in (
            ("alert", "test"),
            ("alert", "history"),
            ("alert", "policy", "show"),
            ("alert", "channel", "list"),
            ("events", "list"),
            ("secret", "list"),
            ("alert", "route", "test", "--severity", "critical", "--kind", "deploy"),
            ("context", "export"),
            ("doctor",),
        ):
            for fmt in ((), ("--json",)):
                run = si("paas", "--context", "oss-demo", *args, *fmt)
                outputs += [run.stdout, run.stderr]
        assert len(rx.requests()) >= 2
    needles = ("Lk9-zz-unique-path", SIGN_KEY, f"127.0.0.1:{rx.port}")
    for text in outputs:
        for needle in needles:
            assert needle not in text
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                assert needle.encode() not in data, path
