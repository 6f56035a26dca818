"""The gate in-process: a change that adds a blocking finding is refused, repair stays possible."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from si_paas.errors import PolicyRefusal
from si_paas.services import contexts, gate, records
from si_paas.services.invocation import Invocation
from si_paas.state.collections import update_items
from si_paas.state.contexts import Context, load_context
from si_paas.state.layout import StateLayout

Make = Callable[..., Invocation]


@pytest.fixture
def make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Make]:
    """Invocations on one state root under a private HOME; each is closed at the end."""
    home = tmp_path / "home"
    home.mkdir()
    for var in ("GIT_DIR", "GIT_WORK_TREE", "SI_PAAS_ALLOW_REPO_STATE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SI_PAAS_KEY_DIR", str(home / ".si" / "keys"))
    monkeypatch.setenv("SI_PAAS_BACKUP_ROOT", str(home / ".si" / "backups"))
    made: list[Invocation] = []

    def make(command: str = "target add", context: str | None = None, root: Path | None = None) -> Invocation:
        inv = Invocation(command, context_opt=context, layout=StateLayout(root or home / ".si" / "paas"))
        made.append(inv)
        return inv

    yield make
    for inv in made:
        inv.close()


def _init(make: Make, name: str = "oss-demo", ctype: str = "oss-demo", **kw: Any) -> Context:
    inv = make("context init", **kw)
    contexts.init(inv, name, ctype, None)
    inv.close()
    return load_context(inv.layout, name)


def _add(
    make: Make, name: str, host: str, *, disposable: bool = True, context: str = "oss-demo"
) -> Invocation:
    inv = make("target add", context=context)
    records.add_target(inv, name, host, None, None, "ssh", None, disposable, ())
    return inv


def _plant(make: Make, ctx: Context, record: dict[str, Any]) -> None:
    """Write a target straight to the store, past the gate (as a hand edit would)."""
    layout = make().layout
    update_items(layout, ctx, "targets", lambda items: [*items, record])


def _target(ctx: Context, name: str, host: str, disposable: bool) -> dict[str, Any]:
    return {
        "name": name,
        "host": host,
        "port": None,
        "user": None,
        "transport": "ssh",
        "path": None,
        "disposable": disposable,
        "labels": {},
        "context": ctx.name,
        "context_id": ctx.context_id,
        "created_at": ctx.created_at,
        "updated_at": ctx.created_at,
    }


def test_a_clean_change_runs_without_warnings(make: Make) -> None:
    _init(make)
    inv = _add(make, "web", "web.test")
    assert inv.warnings == []


def test_a_change_adding_a_blocking_finding_is_refused(make: Make) -> None:
    ctx = _init(make)
    with pytest.raises(PolicyRefusal) as err:
        _add(make, "web", "web.test", disposable=False)
    assert err.value.failed == ["oss-demo-public-safe"]
    assert "refused by the doctor gate: oss-demo-public-safe: target oss-demo/web" in str(err.value)
    assert not make().layout.collection_file(ctx.name, "targets").exists()


def test_a_change_making_a_production_target_is_refused(make: Make) -> None:
    _init(make)
    with pytest.raises(PolicyRefusal) as err:
        _add(make, "prod-web", "web.test")
    assert err.value.failed == ["oss-demo-public-safe"] and "marked production" in str(err.value)


def test_a_host_of_another_context_is_refused(make: Make) -> None:
    _init(make, "dog", "internal-dogfood")
    _init(make)
    _add(make, "edge", "edge.test", context="dog")
    with pytest.raises(PolicyRefusal) as err:
        _add(make, "web", "EDGE.test")
    assert "no-cross-context-data" in err.value.failed


def test_a_failing_state_lets_a_repair_run_with_a_warning(make: Make) -> None:
    ctx = _init(make)
    _plant(make, ctx, _target(ctx, "old", "old.test", disposable=False))
    inv = _add(make, "web", "web.test")  # does not make it worse
    assert len(inv.warnings) == 1
    assert inv.warnings[0].startswith("state already fails the doctor gate")
    assert "oss-demo-public-safe" in inv.warnings[0]
    with pytest.raises(PolicyRefusal):  # a second such target is worse
        _add(make, "web2", "web2.test", disposable=False)


def test_strict_refuses_a_state_that_already_fails(make: Make) -> None:
    ctx = _init(make)
    _plant(make, ctx, _target(ctx, "old", "old.test", disposable=False))
    inv = make("deploy", context="oss-demo")
    with pytest.raises(PolicyRefusal) as err:
        gate.guard_change(inv, ctx, strict=True)
    assert err.value.failed == ["oss-demo-public-safe"]
    gate.guard_change(make("target list", context="oss-demo"), ctx)  # non-strict: runs


def test_a_vault_raised_to_critical_blocks_strict_commands_and_warns_reads(make: Make) -> None:
    ctx = _init(make)
    vault = Path(ctx.vault_file)
    vault.parent.mkdir(mode=0o700, exist_ok=True)
    vault.write_text("")
    vault.chmod(0o640)
    read = make("target list", context="oss-demo")
    gate.check_read(read, ctx)
    assert len(read.warnings) == 1 and "state-permissions: vault readable by others" in (read.warnings[0])
    with pytest.raises(PolicyRefusal) as err:
        gate.guard_change(make("secret set", context="oss-demo"), ctx, strict=True)
    assert err.value.failed == ["state-permissions"]


def test_a_new_context_with_a_group_readable_vault_is_refused(make: Make, tmp_path: Path) -> None:
    vault = tmp_path / "vaults" / "v.env"
    vault.parent.mkdir(mode=0o700)
    vault.write_text("")
    vault.chmod(0o640)
    inv = make("context init")
    with pytest.raises(PolicyRefusal) as err:
        contexts.init(inv, "oss-demo", "oss-demo", str(vault))
    assert err.value.failed == ["state-permissions"] and "vault readable by others" in str(err.value)


def test_a_clean_read_has_no_warning(make: Make) -> None:
    ctx = _init(make)
    inv = make("target list", context="oss-demo")
    gate.check_read(inv, ctx)
    assert inv.warnings == []


@pytest.fixture
def in_repo(make: Make, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    return repo / "ops" / "state"


def test_a_state_root_in_a_repository_is_refused(make: Make, in_repo: Path) -> None:
    with pytest.raises(PolicyRefusal) as err:
        _init(make, root=in_repo)
    assert "state-root-outside-repo" in err.value.failed


def test_the_unsafe_override_covers_the_state_root_and_its_vaults_only(
    make: Make, in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SI_PAAS_ALLOW_REPO_STATE", "true")
    ctx = _init(make, root=in_repo)
    inv = make("target add", context="oss-demo", root=in_repo)
    gate.guard_change(inv, ctx)
    assert any(w.startswith("UNSAFE: SI_PAAS_ALLOW_REPO_STATE=true") for w in inv.warnings)
    assert inv.audit_args == {"unsafe_override": "SI_PAAS_ALLOW_REPO_STATE"}
    with pytest.raises(PolicyRefusal) as err:  # deploy-class commands: never
        gate.guard_change(make("deploy", context="oss-demo", root=in_repo), ctx, strict=True)
    assert "state-root-outside-repo" in err.value.failed
    ctx2 = load_context(make(root=in_repo).layout, "oss-demo")
    with pytest.raises(PolicyRefusal):  # other findings still refuse
        gate.guard_change(
            make(context="oss-demo", root=in_repo),
            ctx2,
            overlay_items={("oss-demo", "targets"): [_target(ctx2, "w", "w.test", disposable=False)]},
        )


@pytest.mark.parametrize("value", ["1", "true", "YES", "True"])
def test_override_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from si_paas.services.judge import repo_state_override

    monkeypatch.setenv("SI_PAAS_ALLOW_REPO_STATE", value)
    assert repo_state_override()
    monkeypatch.setenv("SI_PAAS_ALLOW_REPO_STATE", "no")
    assert not repo_state_override()


def test_a_refusal_names_the_first_finding_and_counts_the_rest(make: Make) -> None:
    _init(make)
    with pytest.raises(PolicyRefusal) as err:
        _add(make, "prod", "web.test", disposable=False)
    assert str(err.value) == (
        "refused by the doctor gate: oss-demo-public-safe: target "
        "oss-demo/prod is not marked --disposable (+1 more)"
    )


def test_what_made_it_worse_is_named_before_what_already_failed(make: Make) -> None:
    _init(make, "dog", "internal-dogfood")
    ctx = _init(make)
    foreign = {**_target(ctx, "copied", "copied.test", True), "context": "dog"}
    _plant(make, ctx, foreign)  # no-cross-context-data fails already
    with pytest.raises(PolicyRefusal) as err:
        _add(make, "web", "web.test", disposable=False)  # oss-demo-public-safe: worse
    assert err.value.failed == ["oss-demo-public-safe", "no-cross-context-data"]
    assert str(err.value).startswith("refused by the doctor gate: oss-demo-public-safe: ")


def test_the_override_without_a_state_root_in_a_repository_changes_nothing(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SI_PAAS_ALLOW_REPO_STATE", "true")
    ctx = _init(make)
    inv = make(context="oss-demo")
    with pytest.raises(PolicyRefusal):
        gate.guard_change(
            inv, ctx, overlay_items={("oss-demo", "targets"): [_target(ctx, "w", "w.test", disposable=False)]}
        )
    assert inv.warnings == [] and inv.audit_args == {}


def test_the_override_keeps_a_vault_in_a_repository_outside_the_state_root(
    make: Make, in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    monkeypatch.setenv("SI_PAAS_ALLOW_REPO_STATE", "true")
    ctx = _init(make, root=in_repo)
    elsewhere = replace(ctx, vault_file=str(in_repo.parent.parent / "vault.env"))
    inv = make(context="oss-demo", root=in_repo)
    with pytest.raises(PolicyRefusal) as err:
        gate.guard_change(inv, elsewhere, overlay_contexts={"oss-demo": elsewhere})
    assert err.value.failed == ["vault-outside-repo"]
    read = make("target list", context="oss-demo", root=in_repo)
    gate.check_read(read, ctx)  # its own vault, under the overridden state root: covered
    assert [w for w in read.warnings if "would refuse" in w] == []


def test_a_read_judges_the_context_asked_for(make: Make) -> None:
    ctx = _init(make)
    other = _init(make, "demo2", "oss-demo")
    _plant(make, other, _target(other, "old", "old.test", disposable=False))
    mine = make("target list", context="oss-demo")
    gate.check_read(mine, ctx)
    assert mine.warnings == []
    every = make("context list")
    gate.check_read(every, None)
    assert len(every.warnings) == 1 and "target demo2/old" in every.warnings[0]


def test_the_gate_holds_the_state_lock_after_judging(make: Make) -> None:
    import fcntl
    import os

    ctx = _init(make)
    inv = make(context="oss-demo")
    gate.guard_change(inv, ctx)
    fd = os.open(inv.layout.state_lock_file, os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):  # held from judging to writing
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_an_escalation_condition_is_a_warning_whatever_the_gate_decides(make: Make) -> None:
    _init(make, "dog", "internal-dogfood")
    ctx = _init(make)
    _plant(make, ctx, {**_target(ctx, "copied", "copied.test", True), "context": "dog"})
    inv = make(context="oss-demo")
    gate.guard_change(inv, ctx)  # not worse: runs
    assert any(
        w.startswith("escalation condition escalate-3-cross-context-data holds") for w in inv.warnings
    ), inv.warnings
