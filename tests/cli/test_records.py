"""`si paas target|app|events ...` end to end, including the explicit --context rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

ADD = ("paas", "--context", "oss-demo", "target", "add")


def test_target_lifecycle(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    run = si(
        *ADD,
        "demo-1",
        "--host",
        "demo-1.example.test",
        "--port",
        "2222",
        "--user",
        "ops",
        "--path",
        "/srv/demo",
        "--disposable",
        "--label",
        "tier=demo",
        "--json",
    )
    assert run.code == 0, run.stderr
    target = run.json["target"]
    ctx_id = json.loads((state_root / "contexts/oss-demo/config.json").read_text())["context_id"]
    assert target["context"] == "oss-demo" and target["context_id"] == ctx_id
    assert target["labels"] == {"tier": "demo"} and target["port"] == 2222
    listed = si("paas", "--context", "oss-demo", "target", "list", "--json").json
    assert listed["count"] == 1 and listed["items"][0]["name"] == "demo-1"
    shown = si("paas", "--context", "oss-demo", "target", "show", "demo-1", "--json").json
    assert shown["target"]["host"] == "demo-1.example.test"
    upd = si(
        "paas",
        "--context",
        "oss-demo",
        "target",
        "update",
        "demo-1",
        "--port",
        "22",
        "--unlabel",
        "tier",
        "--json",
    )
    assert upd.code == 0 and upd.json["target"]["port"] == 22 and upd.json["target"]["labels"] == {}
    assert si("paas", "--context", "oss-demo", "target", "remove", "demo-1").code == 0
    assert si("paas", "--context", "oss-demo", "target", "list", "--json").json["count"] == 0


def test_duplicate_target_refused_and_nothing_written(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    assert si(*ADD, "d", "--host", "a.test", "--disposable").code == 0
    before = (state_root / "contexts/oss-demo/targets.json").read_bytes()
    again = si(*ADD, "d", "--host", "b.test", "--disposable")
    assert again.code == 2 and "already exists" in again.stderr
    assert (state_root / "contexts/oss-demo/targets.json").read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ("target", "add", "x", "--host", "h.test"),
        ("target", "remove", "x"),
        ("target", "update", "x", "--port", "1"),
        ("app", "add", "a", "--source", "."),
    ],
)
def test_mutating_commands_need_explicit_context(baseline: Callable[..., Run], args: tuple[str, ...]) -> None:
    run = baseline("paas", *args)
    assert run.code == 2
    assert "--context" in run.stderr and "runbook rule" in run.stderr


def test_read_commands_use_selected_context(baseline: Callable[..., Run]) -> None:
    run = baseline("paas", "target", "list", "--json")
    assert run.code == 0 and run.json["context"] == "internal-dogfood"


def test_app_lifecycle(baseline: Callable[..., Run], home: Path) -> None:
    si = baseline
    src = home / "src" / "web"
    src.mkdir(parents=True)
    assert si(*ADD, "d1", "--host", "d1.test", "--disposable").code == 0
    run = si(
        "paas", "--context", "oss-demo", "app", "add", "web", "--source", str(src), "--target", "d1", "--json"
    )
    assert run.code == 0, run.stderr
    assert run.json["app"]["targets"] == ["d1"]
    dup = si("paas", "--context", "oss-demo", "app", "add", "web", "--source", str(src))
    assert dup.code == 2 and "already exists" in dup.stderr
    missing = si(
        "paas", "--context", "oss-demo", "app", "add", "api", "--source", str(src), "--target", "nope"
    )
    assert missing.code == 2 and "--target 'nope'" in missing.stderr
    in_use = si("paas", "--context", "oss-demo", "target", "remove", "d1")
    assert in_use.code == 2 and "used by app" in in_use.stderr
    assert si("paas", "--context", "oss-demo", "app", "show", "web", "--json").json["app"]["source"] == str(
        src
    )
    assert si("paas", "--context", "oss-demo", "app", "remove", "web").code == 0
    assert si("paas", "--context", "oss-demo", "app", "list", "--json").json["count"] == 0


def test_events_audit_every_command(baseline: Callable[..., Run]) -> None:
    si = baseline
    si(*ADD, "d1", "--host", "d1.test", "--disposable")
    si(*ADD, "d1", "--host", "d1.test", "--disposable")  # fails: duplicate
    run = si("paas", "--context", "oss-demo", "events", "list", "--kind", "audit", "--json")
    items = run.json["items"]
    assert [e["command"] for e in items[:2]] == ["target add", "target add"]
    assert items[0]["status"] == "error" and items[1]["status"] == "ok"
    assert items[0]["args"]["host"] == "d1.test"
    assert all(e["context"] == "oss-demo" for e in items)
    times = [e["time"] for e in items]
    assert times == sorted(times, reverse=True)
    limited = si("paas", "--context", "oss-demo", "events", "list", "--limit", "1", "--json")
    assert limited.json["count"] == 1
    future = si(
        "paas", "--context", "oss-demo", "events", "list", "--since", "2999-01-01T00:00:00Z", "--json"
    )
    assert future.json["count"] == 0


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_bad_limit(baseline: Callable[..., Run], limit: str) -> None:
    run = baseline("paas", "--context", "oss-demo", "events", "list", "--limit", limit)
    assert run.code == 2 and "--limit" in run.stderr


def test_truncated_targets_file(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    si(*ADD, "d1", "--host", "d1.test", "--disposable")
    path = state_root / "contexts/oss-demo/targets.json"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    run = si("paas", "--context", "oss-demo", "target", "list")
    assert run.code == 2 and str(path) in run.stderr and "invalid JSON" in run.stderr
    assert "Traceback" not in run.stderr


def test_hand_edited_field_named(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    si(*ADD, "d1", "--host", "d1.test", "--disposable")
    path = state_root / "contexts/oss-demo/targets.json"
    doc = json.loads(path.read_text())
    doc["items"][0]["port"] = "not-a-port"
    path.write_text(json.dumps(doc))
    run = si("paas", "--context", "oss-demo", "target", "list")
    assert run.code == 2 and "items[0].port" in run.stderr


def test_labels_refuse_secrets_and_audit_never_holds_them(
    baseline: Callable[..., Run], state_root: Path
) -> None:
    value = "Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5Gs0Ya"
    run = baseline(*ADD, "d", "--host", "d.test", "--disposable", "--label", f"api_token={value}")
    assert run.code == 2 and "secret set" in run.stderr and value not in run.stderr
    audit = (state_root / "contexts/oss-demo/events/audit.jsonl").read_text()
    assert "api_token=<redacted>" in audit and value not in audit
    ok = baseline(*ADD, "d", "--host", "d.test", "--disposable", "--label", "api_token=${API_TOKEN}")
    assert ok.code == 0


def _audit(state_root: Path, ctx: str = "oss-demo") -> Path:
    return state_root / "contexts" / ctx / "events" / "audit.jsonl"


def test_event_with_a_list_target_is_skipped_and_reported(
    baseline: Callable[..., Run], state_root: Path
) -> None:
    si = baseline
    ctx_id = json.loads((state_root / "contexts/oss-demo/config.json").read_text())["context_id"]
    bad = {
        "time": "2026-01-01T00:00:00Z",
        "kind": "deploy",
        "context": "oss-demo",
        "context_id": ctx_id,
        "actor": "a",
        "command": "deploy",
        "status": "ok",
        "target": ["web", "db"],
    }
    deployments = state_root / "contexts/oss-demo/events/deployments.jsonl"
    with deployments.open("a") as fh:
        fh.write(json.dumps(bad) + "\n")
    deployments.chmod(0o600)
    listed = si("paas", "--context", "oss-demo", "events", "list", "--json")
    assert listed.code == 0, listed.stderr
    assert listed.json["skipped_lines"] == 1 and all(
        not isinstance(e.get("target"), list) for e in listed.json["items"]
    )
    assert si(*ADD, "t", "--host", "t.test", "--disposable").code == 0
    doctor = si("paas", "doctor", "--json")
    assert doctor.code == 0, doctor.stdout
    check = next(c for c in doctor.json["checks"] if c["id"] == "state-records-intact")
    assert not check["ok"] and not check["blocking"]
    assert check["findings"][0]["path"].endswith("deployments.jsonl")
    assert check["findings"][0]["line"] == 1 and "field target" in check["findings"][0]["message"]


def test_torn_audit_line_blocks_nothing(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    with _audit(state_root).open("ab") as fh:
        fh.write(b'{"time": "2026-01-01T00:00:00Z", "kind": "au')  # a full disk cut it here
    for args in (
        ("target", "list"),
        ("events", "list"),
        ("context", "show"),
        ("target", "add", "t", "--host", "t.test", "--disposable"),
    ):
        run = si("paas", "--context", "oss-demo", *args)
        assert run.code == 0, (args, run.stderr)
    lines = _audit(state_root).read_bytes().split(b"\n")
    assert lines[-1] == b""  # every append ends with a newline
    assert sum(1 for raw in lines if raw.startswith(b'{"time": "2026-01-01')) == 1
    assert all(json.loads(raw) for raw in lines[:-1] if not raw.startswith(b'{"time": "2026-01'))
    doctor = si("paas", "--context", "oss-demo", "doctor", "--json").json
    check = next(c for c in doctor["checks"] if c["id"] == "state-records-intact")
    assert [(f["line"], f["message"]) for f in check["findings"]] == [
        (2, "invalid JSON record; readers skip this line")
    ]


def test_append_cut_short_by_a_size_limit_leaves_no_partial_line(
    baseline: Callable[..., Run], state_root: Path, env: dict[str, str]
) -> None:
    """RLIMIT_FSIZE makes the audit write fail midway, as a full disk does."""
    import resource
    import subprocess

    from conftest import SI

    si = baseline
    before = _audit(state_root).read_bytes()
    limit = len(before) + 40

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [str(SI), "paas", "--context", "oss-demo", "target", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
    )
    assert proc.returncode == 0, proc.stderr
    assert "audit event not written" in proc.stderr
    assert _audit(state_root).read_bytes() == before
    assert si("paas", "--context", "oss-demo", "events", "list", "--json").json["skipped_lines"] == 0
