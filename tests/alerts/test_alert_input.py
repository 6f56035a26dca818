"""Bad input to the alert commands: one line, exit 2, nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from alerthelp import add_channel, set_secret
from conftest import Run

CTX = ("paas", "--context", "oss-demo", "alert")


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "audit.jsonl" not in p.name and p.name != ".lock"
    }


@pytest.fixture
def ready(baseline: Callable[..., Run]) -> Callable[..., Run]:
    add_channel(baseline, "oss-demo", "http://127.0.0.1:9/hook")
    set_secret(baseline, "oss-demo", "NOT_A_URL", "ftp://files.example.test/x-s3cr3tish")
    return baseline


@pytest.mark.parametrize(
    "args, needle",
    [
        (("test", "--channel", "nope"), "--channel nope: unknown channel"),
        (("policy", "set", "--route", "kind=deploy -> nope"), "unknown channel 'nope'"),
        (("policy", "set", "--route", "colour=red -> ops"), "unknown route key 'colour'"),
        (("policy", "set", "--route", "severity=loud -> ops"), "unknown severity 'loud'"),
        (("policy", "set", "--route", "kind=deploy ops"), "expected MATCHERS -> CHANNELS"),
        (("policy", "set", "--default", "nope"), "--default: unknown channel"),
        (("policy", "set", "--repeat-interval", "4 hours"), "--repeat-interval"),
        (
            ("route", "test", "--severity", "critical", "--kind", "deploy", "--label", "colour=red"),
            "unknown key 'colour'",
        ),
        (
            ("channel", "add", "webhook", "--name", "x", "--url-secret", "MISSING_URL"),
            "--url-secret MISSING_URL: no such key",
        ),
        (
            ("channel", "add", "webhook", "--name", "x", "--url-secret", "NOT_A_URL"),
            "does not hold an http(s) URL",
        ),
        (
            (
                "channel",
                "add",
                "webhook",
                "--name",
                "x",
                "--url-secret",
                "OSS_DEMO_OPS_URL",
                "--sign-secret",
                "MISSING_HMAC",
            ),
            "--sign-secret MISSING_HMAC: no such key",
        ),
        (
            (
                "channel",
                "add",
                "webhook",
                "--name",
                "x",
                "--url-secret",
                "OSS_DEMO_OPS_URL",
                "--timeout",
                "5x",
            ),
            "--timeout: '5x' is not a duration",
        ),
        (
            (
                "channel",
                "add",
                "webhook",
                "--name",
                "x",
                "--url-secret",
                "OSS_DEMO_OPS_URL",
                "--timeout",
                "2m",
            ),
            "--timeout 2m: must be at least",
        ),
        (
            (
                "channel",
                "add",
                "webhook",
                "--name",
                "x",
                "--url-secret",
                "OSS_DEMO_OPS_URL",
                "--retries",
                "11",
            ),
            "--retries 11",
        ),
        (
            ("channel", "add", "webhook", "--name", "ops", "--url-secret", "OSS_DEMO_OPS_URL"),
            "already exists",
        ),
        (("channel", "remove", "nope"), "unknown channel 'nope'"),
        (("silence", "add", "--matcher", "kind=backup", "--comment", "why"), "--until"),
        (("silence", "add", "--matcher", "kind=backup", "--until", "2h"), "--comment"),
        (("silence", "add", "--matcher", "kind=backup", "--until", "2h", "--comment", "  "), "--comment"),
        (("silence", "add", "--until", "2h", "--comment", "why"), "--matcher"),
        (
            ("silence", "add", "--matcher", "kind=backup", "--until", "someday", "--comment", "x"),
            "--until 'someday'",
        ),
        (
            (
                "silence",
                "add",
                "--matcher",
                "kind=backup",
                "--until",
                "2020-01-01T00:00:00Z",
                "--comment",
                "x",
            ),
            "in the past",
        ),
        (
            ("silence", "add", "--matcher", "colour=red", "--until", "2h", "--comment", "x"),
            "unknown key 'colour'",
        ),
        (("silence", "expire", "sil_000000000000"), "unknown silence"),
        (("history", "--limit", "0"), "--limit 0"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    ready: Callable[..., Run], state_root: Path, args: tuple[str, ...], needle: str
) -> None:
    before = _files(state_root)
    run = ready(*CTX, *args)
    assert run.code == 2, (run.code, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], run.stderr
    assert "Traceback" not in run.stderr and "s3cr3tish" not in run.stderr
    assert _files(state_root) == before
    doc = ready(*CTX, *args, "--json")
    assert doc.code == 2 and json.loads(doc.stdout)["error"]["exit_code"] == 2


def test_mutating_alert_commands_need_context(ready: Callable[..., Run]) -> None:
    run = ready(
        "paas", "alert", "silence", "add", "--matcher", "kind=backup", "--until", "2h", "--comment", "x"
    )
    assert run.code == 2 and "--context" in run.stderr


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda d: d["channels"][0].update(url="http://leak.example.test/"), "channels[0]"),
        (lambda d: d["channels"][0].update(retries="two"), "channels[0].retries"),
        (lambda d: d.update(repeat_interval="soon"), "repeat_interval"),
        (
            lambda d: d["routes"].append({"matchers": {"colour": ["red"]}, "channels": ["ops"]}),
            "routes[0].matchers",
        ),
        (lambda d: d["routes"].append({"matchers": {}, "channels": ["ghost"]}), "routes[0].channels"),
    ],
)
def test_hand_edited_policy_failing_its_schema(
    ready: Callable[..., Run], state_root: Path, edit: Callable[[dict[str, object]], None], field: str
) -> None:
    path = state_root / "contexts" / "oss-demo" / "alerts" / "policy.json"
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    for args in (("policy", "show"), ("test",), ("channel", "list")):
        run = ready(*CTX, *args)
        assert run.code == 2, run.stderr
        line = run.stderr.strip()
        assert str(path) in line and field in line and "\n" not in line
    before = path.read_bytes()
    assert ready(*CTX, "policy", "set", "--repeat-interval", "1h").code == 2
    assert path.read_bytes() == before
