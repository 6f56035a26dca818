"""`si paas context ...` end to end through the installed `si`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run


def test_init_is_idempotent(si: Callable[..., Run], state_root: Path) -> None:
    first = si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--json")
    assert first.code == 0, first.stderr
    cfg = first.json["context_config"]
    assert first.json["created"] is True
    assert cfg["context_id"].startswith("ctx_")
    again = si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--json")
    assert again.code == 0 and again.json["created"] is False
    assert again.json["context_config"]["context_id"] == cfg["context_id"]
    assert again.json["context_config"]["created_at"] == cfg["created_at"]
    on_disk = json.loads((state_root / "contexts/oss-demo/config.json").read_text())
    assert on_disk["vault_file"] == "vault/secrets.env"  # relative to the context directory
    assert cfg["vault_file"] == str(state_root / "contexts/oss-demo/vault/secrets.env")


def test_type_cannot_change(baseline: Callable[..., Run]) -> None:
    run = baseline("paas", "context", "init", "--name", "oss-demo", "--type", "internal-dogfood")
    assert run.code == 2 and "cannot change" in run.stderr


def test_list_show_use_remove(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    listed = si("paas", "context", "list", "--json").json
    assert [c["name"] for c in listed["items"]] == ["internal-dogfood", "oss-demo"]
    assert listed["current_context"] == "internal-dogfood"
    assert si("paas", "context", "use", "oss-demo").code == 0
    shown = si("paas", "context", "show", "--json").json
    assert shown["context"] == "oss-demo" and shown["current"] is True
    assert si("paas", "context", "show", "internal-dogfood", "--json").json["context"] == "internal-dogfood"
    # A context holding data needs --force.
    assert (
        si("paas", "--context", "oss-demo", "target", "add", "d1", "--host", "d1.test", "--disposable").code
        == 0
    )
    refused = si("paas", "context", "remove", "oss-demo")
    assert refused.code == 2 and "--force" in refused.stderr
    assert si("paas", "context", "remove", "oss-demo", "--force").code == 0
    assert not (state_root / "contexts/oss-demo").exists()
    assert not (state_root / "current_context").exists()
    assert si("paas", "context", "list", "--json").json["count"] == 1


def test_human_output_is_a_table(baseline: Callable[..., Run]) -> None:
    run = baseline("paas", "context", "list")
    assert run.code == 0 and "internal-dogfood" in run.stdout and "oss-demo" in run.stdout
    assert "┃" in run.stdout or "|" in run.stdout


@pytest.mark.parametrize("name", ["a/b", "..", "has space", "", "x" * 65, "../evil", "-dash"])
def test_bad_context_names(si: Callable[..., Run], state_root: Path, name: str) -> None:
    run = si("paas", "context", "init", "--name", name, "--type", "oss-demo")
    assert run.code == 2, run.stderr
    assert "context name" in run.stderr or "--name" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr
    assert not (state_root / "contexts").exists()


def test_unknown_type(si: Callable[..., Run], state_root: Path) -> None:
    run = si("paas", "context", "init", "--name", "x", "--type", "prod")
    assert run.code == 2 and "--type" in run.stderr
    assert not state_root.exists()


def test_unknown_context(baseline: Callable[..., Run]) -> None:
    run = baseline("paas", "--context", "nope", "target", "list", "--json")
    assert run.code == 2
    assert run.json["ok"] is False and "unknown context 'nope'" in run.json["error"]["message"]


def test_state_root_is_a_file(si: Callable[..., Run], home: Path) -> None:
    bad = home / "statefile"
    bad.write_text("x")
    run = si(
        "paas",
        "context",
        "init",
        "--name",
        "a",
        "--type",
        "oss-demo",
        extra_env={"SI_PAAS_STATE_ROOT": str(bad)},
    )
    assert run.code == 2 and "not a directory" in run.stderr
    assert bad.read_text() == "x"


def test_state_root_unwritable(si: Callable[..., Run], home: Path, tmp_path: Path) -> None:
    import os
    import subprocess

    locked = tmp_path / "readonly"
    locked.mkdir()
    if os.geteuid() == 0:
        # Root ignores modes; a read-only mount refuses writes even to root.
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(locked)], capture_output=True
        )
        if mounted.returncode != 0:
            pytest.skip("cannot mount a read-only tmpfs here")
    else:
        locked.chmod(0o500)
    try:
        run = si(
            "paas",
            "context",
            "init",
            "--name",
            "a",
            "--type",
            "oss-demo",
            extra_env={"SI_PAAS_STATE_ROOT": str(locked / "paas")},
        )
        assert run.code == 2 and "not writable" in run.stderr, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(locked)], check=True)


def test_state_root_unreadable(si: Callable[..., Run], home: Path, tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every directory whatever its mode")
    root = tmp_path / "state"
    root.mkdir(mode=0o000)
    run = si("paas", "context", "list", extra_env={"SI_PAAS_STATE_ROOT": str(root)})
    assert run.code == 2 and "not readable" in run.stderr


def test_context_option_after_subcommand(baseline: Callable[..., Run]) -> None:
    run = baseline("paas", "target", "list", "--context", "oss-demo", "--json")
    assert run.code == 0 and run.json["context"] == "oss-demo"
    clash = baseline("paas", "--context", "internal-dogfood", "target", "list", "--context", "oss-demo")
    assert clash.code == 2 and "--context" in clash.stderr


def test_restored_to_another_path_relocate_repairs_it(
    baseline: Callable[..., Run], state_root: Path, home: Path
) -> None:
    import shutil

    si = baseline
    assert si("paas", "--context", "oss-demo", "secret", "set", "TOKEN", input="v-12345678").code == 0
    config = json.loads((state_root / "contexts/oss-demo/config.json").read_text())
    assert config["vault_file"] == "vault/secrets.env"  # relative: travels with the state root
    moved = home / "restored" / "paas"
    moved.parent.mkdir(mode=0o700)
    shutil.copytree(state_root, moved, symlinks=True)
    shutil.rmtree(state_root)
    env = {"SI_PAAS_STATE_ROOT": str(moved)}
    before = si("paas", "doctor", "--json", extra_env=env)
    assert before.code == 1 and "context relocate" in before.stdout
    run = si("paas", "context", "relocate", "--json", extra_env=env)
    assert run.code == 0, run.stderr
    assert sorted(m["name"] for m in run.json["relocated"]) == ["internal-dogfood", "oss-demo"]
    assert si("paas", "doctor", "--json", extra_env=env).code == 0
    got = si("paas", "--context", "oss-demo", "secret", "get", "TOKEN", "--json", extra_env=env)
    assert got.code == 0 and got.json["key"] == "TOKEN"
    assert si("paas", "context", "relocate", "--json", extra_env=env).json["count"] == 0


def test_relocate_rebases_an_absolute_vault_path_from_an_older_config(
    baseline: Callable[..., Run], state_root: Path, home: Path
) -> None:
    import shutil

    si = baseline
    path = state_root / "contexts/oss-demo/config.json"
    config = json.loads(path.read_text())
    config["vault_file"] = str(state_root / "contexts/oss-demo/vault/secrets.env")
    path.write_text(json.dumps(config))
    moved = home / "elsewhere"
    shutil.copytree(state_root, moved, symlinks=True)
    env = {"SI_PAAS_STATE_ROOT": str(moved)}
    run = si("paas", "context", "relocate", "oss-demo", "--json", extra_env=env)
    assert run.code == 0, run.stderr
    assert run.json["relocated"][0]["vault_file"] == str(moved / "contexts/oss-demo/vault/secrets.env")
    stored = json.loads((moved / "contexts/oss-demo/config.json").read_text())
    assert stored["vault_file"] == "vault/secrets.env" and stored["state_root"] == str(moved)
