"""Vaults and keys outside the state root are judged too; key variables never collide; a value
pasted after KEY never reaches the vault or the terminal; one value in two contexts is found
whatever key directory each uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from si_paas.state.vaultkeys import env_var_for

from conftest import Run
from vaulthelp import random_key_b64


def _perm_findings(si: Callable[..., Run], *args: str) -> list[dict[str, str]]:
    doctor = si("paas", *args, "doctor", "--json")
    check = next(c for c in doctor.json["checks"] if c["id"] == "state-permissions")
    return check["findings"]


def test_world_readable_vault_outside_state_root_is_critical(si: Callable[..., Run], home: Path) -> None:
    # Beside the state root, sharing its name as a prefix: `~/.si/paas-vaults/...`.
    vault = home / ".si" / "paas-vaults" / "demo.env"
    assert (
        si(
            "paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--vault-file", str(vault)
        ).code
        == 0
    )
    assert si("paas", "--context", "oss-demo", "secret", "set", "K", input="value-1").code == 0
    vault.chmod(0o644)
    found = _perm_findings(si)
    assert any(f["path"] == str(vault) and f.get("severity") == "critical" for f in found), found
    assert si("paas", "doctor").code == 1


def test_vault_folder_writable_by_others_is_a_finding(si: Callable[..., Run], tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    init = (
        "paas",
        "context",
        "init",
        "--name",
        "oss-demo",
        "--type",
        "oss-demo",
        "--vault-file",
        str(folder / "v.env"),
    )
    run = si(*init)
    assert run.code == 1 and "writable by others" in run.stderr
    folder.chmod(0o700)
    assert si(*init).code == 0
    folder.chmod(0o777)
    assert any("writable by others" in f["message"] for f in _perm_findings(si))


def test_world_writable_key_directory_is_a_finding_and_refuses_secret_set(
    baseline: Callable[..., Run], home: Path
) -> None:
    si = baseline
    assert si("paas", "--context", "oss-demo", "secret", "set", "K", input="value-1").code == 0
    (home / ".si/keys").chmod(0o777)
    found = _perm_findings(si)
    assert any(f["path"] == str(home / ".si/keys") and "writable by others" in f["message"] for f in found), (
        found
    )
    run = si("paas", "--context", "oss-demo", "secret", "set", "K2", input="value-2")
    assert run.code == 1 and "state-permissions" in run.stderr


def test_key_directory_inside_the_state_root_is_a_finding(
    baseline: Callable[..., Run], state_root: Path
) -> None:
    si = baseline
    inside = {"SI_PAAS_KEY_DIR": str(state_root / "keys")}
    run = si("paas", "--context", "oss-demo", "secret", "set", "K", input="value-1", extra_env=inside)
    assert run.code == 1 and "inside the state root" in run.stderr, run.stderr
    (state_root / "keys").mkdir(mode=0o700)
    doctor = si("paas", "doctor", "--json", extra_env=inside)
    assert doctor.code == 1 and "inside the state root" in doctor.stdout


def test_key_variables_are_injective() -> None:
    names = ["oss-demo", "oss.demo", "oss_demo", "Oss-Demo", "OSS-DEMO", "a-_b", "a_-b", "a--b"]
    assert len({env_var_for(n) for n in names}) == len(names)
    assert env_var_for("oss-demo") == "SI_PAAS_VAULT_KEY_OSS_DEMO"
    assert env_var_for("internal-dogfood") == "SI_PAAS_VAULT_KEY_INTERNAL_DOGFOOD"


def test_dotted_context_never_reads_the_key_of_the_dashed_one(baseline: Callable[..., Run]) -> None:
    si = baseline
    assert si("paas", "context", "init", "--name", "oss.demo", "--type", "oss-demo").code == 0
    shared = {"SI_PAAS_VAULT_KEY_OSS_DEMO": random_key_b64()}
    run = si(
        "paas", "--context", "oss.demo", "secret", "set", "K", "--json", input="value-1", extra_env=shared
    )
    # The variable is oss-demo's: the dotted context must not use it (older versions did).
    assert run.code == 2 and "ambiguous" in run.stderr and "SI_PAAS_VAULT_KEY_OSS_dDEMO" in run.stderr
    own = {**shared, "SI_PAAS_VAULT_KEY_OSS_dDEMO": random_key_b64()}
    run = si("paas", "--context", "oss.demo", "secret", "set", "K", "--json", input="value-1", extra_env=own)
    assert run.code == 0 and run.json["key_source"] == "env"


def test_legacy_variable_still_read_where_no_other_context_could_mean_it(si: Callable[..., Run]) -> None:
    assert si("paas", "context", "init", "--name", "oss.demo", "--type", "oss-demo").code == 0
    legacy = {"SI_PAAS_VAULT_KEY_OSS_DEMO": random_key_b64()}
    run = si(
        "paas", "--context", "oss.demo", "secret", "set", "K", "--json", input="value-1", extra_env=legacy
    )
    assert run.code == 0 and run.json["key_source"] == "env", run.stderr


@pytest.mark.parametrize("value", ["hunter2-Passw0rd!", "AKIA1234567890ABCDEF"])
def test_value_after_key_is_refused_and_never_echoed(
    baseline: Callable[..., Run], state_root: Path, value: str
) -> None:
    si = baseline
    run = si("paas", "--context", "oss-demo", "secret", "set", "DB_PASSWORD", value)
    assert run.code == 2
    assert value not in run.stdout + run.stderr
    assert "visible in `ps`" in run.stderr and "rotate" in run.stderr
    assert not (state_root / "contexts/oss-demo/vault/secrets.env").exists()


def test_same_value_found_across_contexts_with_separate_key_dirs(
    baseline: Callable[..., Run], tmp_path: Path
) -> None:
    si = baseline
    dogfood = {"SI_PAAS_KEY_DIR": str(tmp_path / "keys-dogfood")}
    demo = {"SI_PAAS_KEY_DIR": str(tmp_path / "keys-demo")}
    value = "sh4red-Secret!value-0042"
    assert (
        si(
            "paas",
            "--context",
            "internal-dogfood",
            "secret",
            "set",
            "DB_PASSWORD",
            input=value,
            extra_env=dogfood,
        ).code
        == 0
    )
    run = si("paas", "--context", "oss-demo", "secret", "set", "DEMO_TOKEN", input=value, extra_env=demo)
    assert run.code == 1 and "no-cross-context-data" in run.stderr, run.stderr
