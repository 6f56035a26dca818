"""state.permissions on real modes: what is high, what is critical, what passes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from si_paas.engine.evaluate import evaluate

from statehelp import context, put, run_check, shipped, snapshot

POLICY = shipped("state-permissions")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    root = tmp_path / "state"
    root.mkdir(mode=0o700)
    return root


def _env(tmp_path: Path) -> dict[str, str]:
    return {"SI_PAAS_KEY_DIR": str(tmp_path / "keys")}


def test_private_state_passes(state: Path, tmp_path: Path) -> None:
    context(state, "demo", "oss-demo", 1)
    assert run_check(POLICY, snapshot(state, env=_env(tmp_path))) == []


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o620])
def test_a_vault_open_to_group_or_others_is_critical(state: Path, tmp_path: Path, mode: int) -> None:
    ctx = context(state, "demo", "oss-demo", 1)
    (ctx / "vault" / "secrets.env").chmod(mode)
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [(f.severity, f.path) for f in findings] == [("critical", str(ctx / "vault" / "secrets.env"))]
    assert findings[0].message.startswith("vault readable by others: ")
    check = evaluate([POLICY], snapshot(state, env=_env(tmp_path)), "doctor").checks[0]
    assert check.severity == "critical" and check.blocking and check.status == "fail"


def test_a_vault_named_by_config_outside_a_vault_folder_is_critical(state: Path, tmp_path: Path) -> None:
    vault = state / "contexts" / "demo" / "keep.env"
    context(state, "demo", "oss-demo", 1, vault_file=str(vault))
    put(state, "contexts/demo/keep.env", "x", mode=0o640)
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [f.severity for f in findings] == ["critical"]


def test_an_owner_only_vault_with_extra_owner_bits_is_high(state: Path, tmp_path: Path) -> None:
    ctx = context(state, "demo", "oss-demo", 1)
    (ctx / "vault" / "secrets.env").chmod(0o700)  # executable by the owner: not exposed
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [(f.severity, f.message) for f in findings] == [(None, "mode 0700, want 0600")]


@pytest.mark.parametrize("mode", [0o400, 0o600])
def test_fewer_bits_pass(state: Path, tmp_path: Path, mode: int) -> None:
    ctx = context(state, "demo", "oss-demo", 1)
    (ctx / "vault" / "secrets.env").chmod(mode)
    (ctx / "config.json").chmod(mode)
    assert run_check(POLICY, snapshot(state, env=_env(tmp_path))) == []


def test_a_record_or_folder_open_to_others_is_high(state: Path, tmp_path: Path) -> None:
    ctx = context(state, "demo", "oss-demo", 1)
    (ctx / "config.json").chmod(0o640)
    (state / "contexts").chmod(0o750)
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert sorted((f.path, f.severity, f.message) for f in findings) == [
        (str(state / "contexts"), None, "mode 0750, want 0700"),
        (str(ctx / "config.json"), None, "mode 0640, want 0600"),
    ]
    check = evaluate([POLICY], snapshot(state, env=_env(tmp_path)), "doctor").checks[0]
    assert check.severity == "high" and check.blocking


def test_the_state_root_itself_is_judged(state: Path, tmp_path: Path) -> None:
    state.chmod(0o755)
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [(f.path, f.message) for f in findings] == [(str(state), "mode 0755, want 0700")]


def test_other_contexts_are_not_judged_with_a_focus(state: Path, tmp_path: Path) -> None:
    context(state, "demo", "oss-demo", 1)
    other = context(state, "dog", "internal-dogfood", 2)
    (other / "vault" / "secrets.env").chmod(0o644)
    assert run_check(POLICY, snapshot(state, focus="demo", env=_env(tmp_path))) == []
    assert len(run_check(POLICY, snapshot(state, focus="dog", env=_env(tmp_path)))) == 1


@pytest.mark.parametrize(
    ("mode", "severity"), [(0o640, "critical"), (0o604, "critical"), (0o600, None), (0o400, None)]
)
def test_a_vault_outside_the_state_root(state: Path, tmp_path: Path, mode: int, severity: str | None) -> None:
    folder = tmp_path / "vaults"
    folder.mkdir(mode=0o700)
    vault = folder / "demo.env"
    vault.write_text("x")
    vault.chmod(mode)
    context(state, "demo", "oss-demo", 1, vault_file=str(vault))
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [f.severity for f in findings] == ([severity] if severity else [])
    if severity:
        assert findings[0].path == str(vault) and "mode 0" in findings[0].message


@pytest.mark.parametrize(
    ("mode", "expect"), [(0o757, "critical"), (0o1777, None), (0o755, None), (0o700, None)]
)
def test_the_folder_of_an_outside_vault(state: Path, tmp_path: Path, mode: int, expect: str | None) -> None:
    folder = tmp_path / "vaults"
    folder.mkdir()
    folder.chmod(mode)
    (folder / "demo.env").write_text("x")
    (folder / "demo.env").chmod(0o600)
    context(state, "demo", "oss-demo", 1, vault_file=str(folder / "demo.env"))
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [f.severity for f in findings] == ([expect] if expect else [])
    if expect:
        assert "writable by others" in findings[0].message


@pytest.mark.parametrize(
    ("mode", "expect"),
    [(0o700, []), (0o750, [None]), (0o705, [None]), (0o770, ["critical"]), (0o702, ["critical"])],
)
def test_the_key_directory(state: Path, tmp_path: Path, mode: int, expect: list[str | None]) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    keys.chmod(mode)
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [f.severity for f in findings] == expect
    assert all(f.path == str(keys) for f in findings)


def test_a_key_directory_inside_the_state_root(state: Path) -> None:
    keys = state / "keys"
    keys.mkdir(mode=0o700)
    findings = run_check(POLICY, snapshot(state, env={"SI_PAAS_KEY_DIR": str(keys)}))
    assert len(findings) == 1 and "inside the state root" in findings[0].message


@pytest.mark.skipif(os.getuid() != 0, reason="chown needs root")
def test_another_owner_is_a_finding(state: Path, tmp_path: Path) -> None:
    ctx = context(state, "demo", "oss-demo", 1)
    os.chown(ctx / "config.json", 12345, -1)
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert any("owned by uid 12345" in f.message for f in findings)


def test_folders_too_deep_to_judge_are_a_finding(state: Path, tmp_path: Path) -> None:
    context(state, "demo", "oss-demo", 1)
    deep = state / "contexts" / "demo" / "tmp"
    deep.mkdir(mode=0o700)
    os.makedirs(deep / "/".join(["d"] * 258))
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [(f.path, f.message) for f in findings if f.path == str(state)] == [
        (
            str(state),
            "folders deeper than 256 levels: 1 not judged under the state root; "
            "nothing of si-paas nests that deep: remove them",
        )
    ]


def test_each_outside_vault_is_judged_after_one_inside(state: Path, tmp_path: Path) -> None:
    """A context whose vault is under the state root does not end the look at the others."""
    context(state, "a-inside", "oss-demo", 1)
    folder = tmp_path / "vaults"
    folder.mkdir(mode=0o700)
    (folder / "b.env").write_text("x")
    (folder / "b.env").chmod(0o640)
    context(state, "b-outside", "internal-dogfood", 2, vault_file=str(folder / "b.env"))
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [(f.path, f.severity) for f in findings] == [(str(folder / "b.env"), "critical")]


def test_an_outside_vault_not_made_yet_passes(state: Path, tmp_path: Path) -> None:
    folder = tmp_path / "vaults"
    folder.mkdir(mode=0o700)
    context(state, "demo", "oss-demo", 1, vault_file=str(folder / "later.env"))
    assert run_check(POLICY, snapshot(state, env=_env(tmp_path))) == []


@pytest.mark.skipif(os.getuid() != 0, reason="chown needs root")
def test_an_outside_vault_of_another_owner_is_a_finding(state: Path, tmp_path: Path) -> None:
    folder = tmp_path / "vaults"
    folder.mkdir(mode=0o700)
    (folder / "v.env").write_text("x")
    (folder / "v.env").chmod(0o600)
    os.chown(folder / "v.env", 12345, -1)
    context(state, "demo", "oss-demo", 1, vault_file=str(folder / "v.env"))
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [(f.path, f.message, f.severity) for f in findings] == [
        (str(folder / "v.env"), f"vault owned by uid 12345, not {os.getuid()}", None)
    ]


@pytest.mark.skipif(os.getuid() != 0, reason="chown needs root")
def test_a_key_directory_of_another_owner_is_a_finding(state: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    os.chown(keys, 12345, -1)
    findings = run_check(POLICY, snapshot(state, env=_env(tmp_path)))
    assert [(f.path, f.message) for f in findings] == [
        (str(keys), f"key directory owned by uid 12345, not {os.getuid()}")
    ]
