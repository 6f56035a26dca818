"""An internal-dogfood host cannot reach oss-demo under another spelling or another port."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

OSS_ADD = ("paas", "--context", "oss-demo", "target", "add", "demo", "--disposable")


@pytest.mark.parametrize(
    "spelling",
    [
        ("--host", "db.corp.example."),
        ("--host", "DB.Corp.Example"),
        ("--host", "deploy@db.corp.example"),
        ("--host", "db.corp.example:22"),
        ("--host", "db.corp.example", "--port", "2222"),
        ("--host", "deploy@DB.corp.example.:2200"),
    ],
)
def test_same_host_any_spelling_or_port_refused(
    baseline: Callable[..., Run], spelling: tuple[str, ...]
) -> None:
    si = baseline
    assert (
        si(
            "paas",
            "--context",
            "internal-dogfood",
            "target",
            "add",
            "db",
            "--host",
            "db.corp.example",
            "--port",
            "22",
        ).code
        == 0
    )
    run = si(*OSS_ADD, *spelling, "--json")
    assert run.code == 1, run.stdout
    assert "no-cross-context-data" in run.json["error"]["message"]
    assert si("paas", "--context", "oss-demo", "target", "list", "--json").json["count"] == 0


@pytest.mark.parametrize(
    ("internal", "demo"),
    [
        ("2001:db8::1", "[2001:DB8:0::1]:22"),
        ("10.0.0.7", "::ffff:10.0.0.7"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_addresses_and_idna_compared_in_normal_form(
    baseline: Callable[..., Run], internal: str, demo: str
) -> None:
    si = baseline
    assert si("paas", "--context", "internal-dogfood", "target", "add", "db", "--host", internal).code == 0
    assert si(*OSS_ADD, "--host", demo).code == 1


def test_host_stored_in_normal_form(baseline: Callable[..., Run]) -> None:
    si = baseline
    run = si(*OSS_ADD, "--host", "ops@Demo-1.Example.TEST.:2222", "--json")
    assert run.code == 0, run.stderr
    target = run.json["target"]
    assert (target["host"], target["port"], target["user"]) == ("demo-1.example.test", 2222, "ops")


@pytest.mark.parametrize(
    "args",
    [
        ("--host", "a.test:22", "--port", "23"),
        ("--host", "ops@a.test", "--user", "root"),
        ("--host", "a.test:99999"),
        ("--host", "127.1"),
        ("--host", "a..test"),
        ("--host", "[::1"),
    ],
)
def test_bad_or_conflicting_host_flags(baseline: Callable[..., Run], args: tuple[str, ...]) -> None:
    run = baseline(*OSS_ADD, *args)
    assert run.code == 2 and "--host" in run.stderr, run.stderr


def test_odd_host_written_before_normalisation_is_still_compared(
    baseline: Callable[..., Run], state_root: Path
) -> None:
    """A targets.json from an older version (host `Deploy@DB.corp.example.:22`) still collides."""
    import json

    si = baseline
    assert (
        si("paas", "--context", "internal-dogfood", "target", "add", "db", "--host", "db.corp.example").code
        == 0
    )
    path = state_root / "contexts/internal-dogfood/targets.json"
    doc = json.loads(path.read_text())
    doc["items"][0]["host"] = "Deploy@DB.corp.example.:22"
    path.write_text(json.dumps(doc))
    assert si(*OSS_ADD, "--host", "db.corp.example").code == 1
