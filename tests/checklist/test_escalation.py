"""Escalation conditions: each raises exactly one delivery; a repeat within the interval none."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import Run
from opshelp import write_backup

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "alerts"))
from alerthelp import Receiver, add_channel, alert_records, receiver  # noqa: E402


def _plant(
    condition: str, si: Callable[..., Run], state_root: Path, make_repo: Callable[..., Path]
) -> tuple[str, Path | None]:
    """Make one condition hold; returns (context to alert in, cwd to run from)."""
    ctx_dir = state_root / "contexts"
    if condition == "escalate-1-repo-exposure":
        return "internal-dogfood", make_repo(files={"ops/.si/paas/current_context": "oss-demo\n"})
    if condition == "escalate-2-internal-vault-in-repo":
        # The context's config names a vault inside a repository (no state-root component is
        # linked there, which would be repository exposure of the state root as well).
        repo = make_repo()
        config_file = ctx_dir / "internal-dogfood" / "config.json"
        config = json.loads(config_file.read_text())
        (repo / "vault").mkdir()
        vault_file = ctx_dir / "internal-dogfood" / config["vault_file"]
        if vault_file.exists():
            shutil.move(str(vault_file), str(repo / "vault" / "secrets.env"))
        config["vault_file"] = str(repo / "vault" / "secrets.env")
        config_file.write_text(json.dumps(config))
        return "internal-dogfood", None
    if condition == "escalate-3-cross-context-data":
        line = (ctx_dir / "internal-dogfood" / "events" / "audit.jsonl").read_text().splitlines()[0]
        with (ctx_dir / "oss-demo" / "events" / "deployments.jsonl").open("a") as handle:
            handle.write(line + "\n")
        return "oss-demo", None
    write_backup(state_root, "oss-demo", datetime.now(UTC), ok=False)
    return "oss-demo", None


CONDITIONS = [
    "escalate-1-repo-exposure",
    "escalate-2-internal-vault-in-repo",
    "escalate-3-cross-context-data",
    "escalate-4-backup-checksum",
]


@pytest.fixture
def rx(baseline: Callable[..., Run]) -> object:
    with receiver() as r:
        for ctx in ("internal-dogfood", "oss-demo"):
            add_channel(baseline, ctx, r.url(f"/{ctx}"))
        yield r


@pytest.mark.parametrize("condition", CONDITIONS)
def test_each_condition_raises_one_deduplicated_alert(
    baseline: Callable[..., Run],
    rx: Receiver,
    state_root: Path,
    make_repo: Callable[..., Path],
    condition: str,
) -> None:
    si = baseline
    clean = si("paas", "escalation", "check", "--json")
    assert clean.code == 0 and clean.json["hits"] == []
    ctx, cwd = _plant(condition, si, state_root, make_repo)
    first = si("paas", "--context", ctx, "escalation", "check", "--json", cwd=cwd)
    assert first.code == 1, first.stdout + first.stderr
    assert first.json["hits"] == [condition]
    (req,) = rx.requests()
    assert req.path == f"/{ctx}"
    (alert,) = req.json["alerts"]
    assert alert["labels"]["condition"] == condition and alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["runbook"] == "docs/PAAS_INCIDENT_RUNBOOK.md"
    assert "docs/PAAS_INCIDENT_RUNBOOK.md" in alert["annotations"]["summary"]
    second = si("paas", "--context", ctx, "escalation", "check", "--json", cwd=cwd)
    assert second.code == 1 and second.json["hits"] == [condition]
    assert rx.requests() == []
    statuses = [r["status"] for r in alert_records(state_root, ctx) if r["command"] == "escalation check"]
    assert statuses == ["sent", "suppressed"]


def test_gated_command_alerts_once_and_keeps_its_result(
    baseline: Callable[..., Run], rx: Receiver, state_root: Path, make_repo: Callable[..., Path]
) -> None:
    si = baseline
    _plant("escalate-3-cross-context-data", si, state_root, make_repo)
    add = si(
        "paas", "--context", "oss-demo", "target", "add", "t1", "--host", "t1.test", "--disposable", "--json"
    )
    assert add.code == 0, add.stderr
    assert any("escalate-3-cross-context-data" in w for w in add.json["warnings"])
    assert len(rx.requests()) == 1
    again = si("paas", "--context", "oss-demo", "target", "add", "t2", "--host", "t2.test", "--disposable")
    assert again.code == 0 and rx.requests() == []


def test_failing_receiver_never_changes_the_gated_command(
    baseline: Callable[..., Run], state_root: Path, make_repo: Callable[..., Path]
) -> None:
    si = baseline
    with receiver([500]) as bad:
        add_channel(si, "oss-demo", bad.url(), extra=("--retries", "1"))
        _plant("escalate-3-cross-context-data", si, state_root, make_repo)
        add = si(
            "paas",
            "--context",
            "oss-demo",
            "target",
            "add",
            "t1",
            "--host",
            "t1.test",
            "--disposable",
            "--json",
        )
        refused = si("paas", "--context", "oss-demo", "target", "add", "t2", "--host", "t2.test", "--json")
        assert len(bad.requests()) == 4  # two attempts per command: a failure is not deduplicated
    assert add.code == 0 and add.json["target"]["name"] == "t1"
    assert any("not delivered to channel 'ops'" in w for w in add.json["warnings"])
    # A refusal stays the refusal, with its own message and exit code.
    assert refused.code == 1
    assert refused.json["error"]["message"].startswith("refused by the doctor gate: oss-demo-public-safe")
    failed = [r for r in alert_records(state_root, "oss-demo") if r["status"] == "failed"]
    assert [(r["attempt"], r["http_status"]) for r in failed] == [(1, 500), (2, 500)] * 2
    targets = json.loads((state_root / "contexts/oss-demo/targets.json").read_text())
    assert [t["name"] for t in targets["items"]] == ["t1"]


def test_silenced_condition_is_recorded_not_sent(
    baseline: Callable[..., Run], rx: Receiver, state_root: Path, make_repo: Callable[..., Path]
) -> None:
    si = baseline
    assert (
        si(
            "paas",
            "--context",
            "oss-demo",
            "alert",
            "silence",
            "add",
            "--matcher",
            "condition=escalate-4-backup-checksum",
            "--until",
            "1h",
            "--comment",
            "known bad snapshot, replaced",
        ).code
        == 0
    )
    _plant("escalate-4-backup-checksum", si, state_root, make_repo)
    assert si("paas", "--context", "oss-demo", "escalation", "check").code == 1
    assert rx.requests() == []
    assert [
        r["status"] for r in alert_records(state_root, "oss-demo") if r["command"] == "escalation check"
    ] == ["silenced"]
