"""`si paas rules test`: every detector rule's examples hold, and a wrong one is caught."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from si_paas.errors import ExitCode
from si_paas.resources import data_dir
from si_paas.services import rulestest
from si_paas.services.invocation import Invocation
from si_paas.state.layout import StateLayout

from conftest import Run

# declared commands are called with an invocation; these have no context and no audit line
_INV = Invocation(command="rules test", layout=StateLayout(Path("/nonexistent/si-paas-state")))


def test_shipped_rule_packs_hold() -> None:
    result = rulestest.test_rules(_INV, None, None)
    assert result.ok and result.exit_code == ExitCode.OK, result.payload["items"]
    doc = result.payload
    assert doc["failed"] == 0 and doc["items"] == [] and doc["count"] == 0
    assert doc["rules"] >= 10 and doc["patterns"] >= 10 and doc["content_rules"] >= 1
    assert doc["examples"] > doc["rules"] + doc["patterns"]


def test_a_secret_example_that_no_longer_matches_fails(tmp_path: Path) -> None:
    pack = (data_dir("rules") / "secrets.yaml").read_text()
    token = "AWS_ACCESS_KEY_ID=AKIA234567ABCDEFGHIJ"
    assert token in pack
    broken = tmp_path / "secrets.yaml"
    broken.write_text(pack.replace(token, "AWS_ACCESS_KEY_ID=not-a-key", 1))
    result = rulestest.test_rules(_INV, str(broken), None)
    assert not result.ok and result.exit_code == ExitCode.POLICY_FAILED
    assert result.payload["failed"] == 1
    item = result.payload["items"][0]
    assert (item["kind"], item["expected"]) == ("secret", "match")
    assert "not-a-key" in item["problem"]


def test_a_private_state_example_that_matches_wrongly_fails(tmp_path: Path) -> None:
    pack = (data_dir("rules") / "private-state.yaml").read_text()
    old = "no_match: [docs/current_context.md,"
    assert old in pack
    broken = tmp_path / "private-state.yaml"
    broken.write_text(pack.replace(old, "no_match: [ops/current_context,", 1))
    result = rulestest.test_rules(_INV, None, str(broken))
    assert not result.ok and result.payload["failed"] == 1
    item = result.payload["items"][0]
    assert (item["kind"], item["rule"], item["expected"]) == (
        "private-state",
        "state-current-context",
        "no_match",
    )


def test_rules_test_end_to_end(si: Callable[..., Run]) -> None:
    run = si("paas", "rules", "test", "--json")
    assert run.code == 0, run.stdout
    doc = run.json
    assert doc["ok"] is True and doc["failed"] == 0 and doc["examples"] > 0
    human = si("paas", "rules", "test")
    assert human.code == 0 and "0 failed" in human.stdout, human.stdout
