"""The declared-command pipeline, called in-process: context, gate, audit, frozen result."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from si_paas.errors import UsageError
from si_paas.services import contexts, records
from si_paas.services.invocation import Invocation, Result
from si_paas.services.pipeline import Call, Declaration, command
from si_paas.state.contexts import get_current, init_context
from si_paas.state.layout import StateLayout


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StateLayout:
    monkeypatch.setenv("SI_PAAS_STATE_ROOT", str(tmp_path / "paas"))
    monkeypatch.setenv("SI_PAAS_KEY_DIR", str(tmp_path / "keys"))
    made = StateLayout(tmp_path / "paas")
    for name in ("internal-dogfood", "oss-demo"):
        init_context(made, name, name, None)
    return made


def _audit(layout: StateLayout, name: str) -> list[dict[str, object]]:
    path = layout.context_dir(name) / "events" / "audit.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_an_in_process_call_writes_its_audit_line(layout: StateLayout) -> None:
    result = contexts.use(Invocation(command=""), "oss-demo")
    assert result.payload["current_context"] == "oss-demo"
    assert get_current(layout) == "oss-demo"
    [line] = _audit(layout, "oss-demo")
    assert (line["command"], line["status"], line["exit_code"]) == ("context use", "ok", 0)
    assert line["args"] == {"name": "oss-demo"} and line["context"] == "oss-demo"


def test_a_failed_in_process_call_is_audited_and_raises(layout: StateLayout) -> None:
    add = Invocation(command="", context_opt="oss-demo")
    records.add_target(add, "demo-1", "demo-1.example.test", None, None, "ssh", None, True, ())
    with pytest.raises(UsageError, match="already exists"):
        records.add_target(
            Invocation(command="", context_opt="oss-demo"),
            "demo-1",
            "demo-1.example.test",
            None,
            None,
            "ssh",
            None,
            True,
            (),
        )
    lines = [(e["command"], e["status"], e["exit_code"]) for e in _audit(layout, "oss-demo")]
    assert lines == [("target add", "ok", 0), ("target add", "error", 2)]


def test_a_mutating_command_still_needs_an_explicit_context(layout: StateLayout) -> None:
    contexts.use(Invocation(command=""), "oss-demo")
    with pytest.raises(UsageError, match="needs --context NAME"):
        records.remove_target(Invocation(command=""), "demo-1")


def test_context_use_and_remove_pass_the_change_gate(layout: StateLayout) -> None:
    for name in ("internal-dogfood", "oss-demo"):  # a blocking state-permissions finding
        os.chmod(layout.context_dir(name), 0o755)
    use = Invocation(command="")
    contexts.use(use, "oss-demo")  # a selection adds no finding: it runs, with a warning
    assert any(w.startswith("state already fails the doctor gate") for w in use.warnings), use.warnings
    remove = Invocation(command="", context_opt="internal-dogfood")
    contexts.remove(remove, "internal-dogfood", False)
    assert any("doctor gate" in w for w in remove.warnings), remove.warnings
    assert not layout.context_dir("internal-dogfood").exists()


def test_the_result_is_frozen(layout: StateLayout) -> None:
    result = contexts.show(Invocation(command="", context_opt="oss-demo"), None)
    with pytest.raises(TypeError):
        result.payload["counts"] = {}  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ok = False  # type: ignore[misc]
    assert isinstance(result.warnings, tuple)


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="judges a proposal"):
        Declaration("x y", context="none", gate="change")
    with pytest.raises(ValueError, match="declared twice"):
        command("context use", context="required", gate="read")(lambda call: Result({}))


def test_only_a_change_declaration_judges_a_proposal(layout: StateLayout) -> None:
    call = Call(Invocation(command="x"), Declaration("x", context="required", gate="read"))
    with pytest.raises(RuntimeError, match="does not judge a proposal"):
        call.gate()


def test_a_deploy_that_is_not_a_dry_run_needs_an_explicit_context(layout: StateLayout) -> None:
    from si_paas.services import deploy

    contexts.use(Invocation(command=""), "oss-demo")
    with pytest.raises(UsageError, match="`deploy` changes state and needs --context NAME"):
        deploy.deploy(
            Invocation(command=""),
            "web",
            "demo-1",
            deploy.Health(None),
            first_deploy=True,
            dry_run=False,
            message=None,
            auto_rollback=None,
        )
    with pytest.raises(UsageError, match="--app .web.: no such app in context .oss-demo."):
        deploy.deploy(
            Invocation(command=""),
            "web",
            "demo-1",
            deploy.Health(None),
            first_deploy=True,
            dry_run=True,
            message=None,
            auto_rollback=None,
        )


def test_a_declaration_can_report_under_another_name(layout: StateLayout) -> None:
    from si_paas.services import alerts

    with pytest.raises(UsageError, match="needs --context NAME"):
        alerts.channel_add(Invocation(command=""), "ops", "URL", None, "5s", 2, "1s")
    assert alerts.channel_add.declaration.name == "alert channel add webhook"
    assert alerts.channel_add.declaration.reported == "alert channel add"


def test_a_command_that_uses_no_context_refuses_its_own_context_option(layout: StateLayout) -> None:
    from click.testing import CliRunner

    from si_paas.cli.paas import paas

    runner = CliRunner()
    refused = runner.invoke(paas, ["policy", "list", "--context", "oss-demo"])
    assert refused.exit_code == 2
    assert "--context 'oss-demo': `policy list` uses no context" in refused.output
    assert "--context" not in runner.invoke(paas, ["policy", "list", "--help"]).output
    grouped = runner.invoke(paas, ["--context", "oss-demo", "policy", "list", "--json"])
    assert grouped.exit_code == 0, grouped.output  # the group's option is still only checked
    assert runner.invoke(paas, ["--context", "nope", "policy", "list"]).exit_code == 2
