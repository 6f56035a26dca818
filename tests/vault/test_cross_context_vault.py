"""The same secret value in two contexts' vaults: found by shared fingerprint, never by value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from si_paas.services import secrets as svc
from si_paas.state import vault
from si_paas.state.contexts import init_context, list_contexts
from si_paas.state.fingerprintkey import VAULT_VALUE, subkey
from si_paas.state.layout import StateLayout
from si_paas.state.vaultkeys import ensure_context_key

from conftest import Run
from vaulthelp import inv, one_line_error, secret, secret_set, service_env

VALUE = "sh4red-Secret!value-0042"


def _plant(layout: StateLayout, name: str, key: str, value: str) -> None:
    """Write a value straight into a vault (as an older tool or a hand copy would)."""
    ctx = next(c for c in list_contexts(layout) if c.name == name)
    vault.set_value(
        layout, ctx, key, value, ensure_context_key(ctx.name, ctx.context_id), subkey(VAULT_VALUE)
    )


def test_index_pairs_the_same_value_across_contexts(tmp_path: Path) -> None:
    with service_env(tmp_path) as layout:
        init_context(layout, "internal-dogfood", "internal-dogfood", None)
        init_context(layout, "oss-demo", "oss-demo", None)
        svc.set_secret(inv(layout, "secret set", "internal-dogfood"), "DB_PASSWORD", lambda: VALUE)
        svc.set_secret(inv(layout, "secret set", "oss-demo"), "UNRELATED", lambda: "x9-other-Val")
        _plant(layout, "oss-demo", "DEMO_PASSWORD", VALUE)
        contexts = list_contexts(layout)
        # No key is needed to build the index: it reads stored fingerprints only.
        for key_file in (tmp_path / "keys").iterdir():
            key_file.unlink()
        index = vault.vault_value_index(layout, contexts)
    shared = {fp: owners for fp, owners in index.items() if len(owners) > 1}
    assert len(shared) == 1
    [(fp, owners)] = shared.items()
    assert sorted(owners) == [
        ("internal-dogfood", "DB_PASSWORD", "internal-dogfood"),
        ("oss-demo", "DEMO_PASSWORD", "oss-demo"),
    ]
    assert len(fp) == 64 and VALUE not in fp
    assert len(index) == 2  # the unrelated value stands alone


def test_index_skips_missing_and_broken_vaults(tmp_path: Path) -> None:
    with service_env(tmp_path) as layout:
        init_context(layout, "oss-demo", "oss-demo", None)
        ctx = list_contexts(layout)[0]
        assert vault.vault_value_index(layout, [ctx]) == {}
        Path(ctx.vault_file).write_bytes(b"\xff\xfe not text")
        assert vault.vault_value_index(layout, [ctx]) == {}


def test_secret_set_refuses_a_value_another_context_holds(
    baseline: Callable[..., Run], state_root: Path
) -> None:
    si = baseline
    assert secret_set(si, "internal-dogfood", "DB_PASSWORD", VALUE).code == 0
    oss_vault = state_root / "contexts/oss-demo/vault/secrets.env"
    run = secret_set(si, "oss-demo", "DEMO_PASSWORD", VALUE)
    assert run.code == 1
    line = one_line_error(run)
    assert "no-cross-context-data" in line and "internal-dogfood:DB_PASSWORD" in line
    assert VALUE not in run.stdout + run.stderr
    assert not oss_vault.exists()
    # Another value is fine, and the same value under another key of the same context too.
    assert secret_set(si, "oss-demo", "DEMO_PASSWORD", "demo-only-Value-77").code == 0
    assert secret_set(si, "internal-dogfood", "DB_PASSWORD_COPY", VALUE).code == 0


def test_doctor_reports_a_shared_value(baseline: Callable[..., Run], state_root: Path, home: Path) -> None:
    si = baseline
    assert secret_set(si, "internal-dogfood", "DB_PASSWORD", VALUE).code == 0
    with service_env(home / ".si") as layout:  # the same state root and key dir as `si`
        assert layout.root == state_root
        _plant(layout, "oss-demo", "DEMO_PASSWORD", VALUE)
    run = si("paas", "doctor", "--json")
    assert run.code == 1
    check = next(c for c in run.json["checks"] if c["id"] == "no-cross-context-data")
    assert check["ok"] is False
    assert any("oss-demo:DEMO_PASSWORD" in f["message"] for f in check["findings"])
    assert VALUE not in run.stdout
    assert secret(si, "oss-demo", "unset", "DEMO_PASSWORD").code == 0
    assert si("paas", "doctor", "--json").code == 0
