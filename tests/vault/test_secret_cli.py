"""`si paas secret ...` end to end: storage format, modes, redaction, errors, refusals."""

from __future__ import annotations

import base64
import json
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from vaulthelp import ENC_LINE, holders, one_line_error, random_key_b64, secret, secret_set

VALUE = "Kq7#vR2p!Lm9-Zt4xW8"
OTHER = "another_Value-4455aa"


def _ctx_id(state_root: Path, name: str) -> str:
    return str(json.loads((state_root / f"contexts/{name}/config.json").read_text())["context_id"])


def _vault(state_root: Path, name: str = "oss-demo") -> Path:
    return state_root / f"contexts/{name}/vault/secrets.env"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_set_list_get_unset(baseline: Callable[..., Run], state_root: Path, home: Path) -> None:
    si = baseline
    run = secret_set(si, "oss-demo", "DB_PASSWORD", VALUE, "--json")
    assert run.code == 0, run.stderr
    doc = run.json
    assert doc["ok"] is True and doc["key"] == "DB_PASSWORD" and doc["created"] is True
    assert re.fullmatch(r"fp:[0-9a-f]{12}", doc["fingerprint"])
    fp = doc["fingerprint"]

    vault = _vault(state_root)
    key_file = home / ".si/keys" / f"{_ctx_id(state_root, 'oss-demo')}.key"
    assert _mode(vault) == 0o600 and _mode(vault.parent) == 0o700
    assert _mode(key_file) == 0o600 and _mode(key_file.parent) == 0o700
    assert _mode(home / ".si/fingerprint.key") == 0o600
    assert len(base64.b64decode(key_file.read_text().strip())) == 32
    text = vault.read_text()
    assert VALUE not in text
    assert _ctx_id(state_root, "oss-demo") in text
    [line] = ENC_LINE.findall(text)
    assert line[0] == "DB_PASSWORD" and len(base64.b64decode(line[1])) == 12

    again = secret_set(si, "oss-demo", "DB_PASSWORD", OTHER, "--json")
    assert again.code == 0 and again.json["created"] is False and again.json["fingerprint"] != fp
    assert secret_set(si, "oss-demo", "API_TOKEN", VALUE).code == 0

    listed = secret(si, "oss-demo", "list", "--json")
    assert listed.code == 0, listed.stderr
    assert [i["key"] for i in listed.json["items"]] == ["API_TOKEN", "DB_PASSWORD"]
    assert listed.json["items"][0]["fingerprint"] == fp  # same value, same fingerprint
    assert all(set(i) == {"key", "fingerprint", "updated_at"} for i in listed.json["items"])
    human = secret(si, "oss-demo", "list")
    assert "API_TOKEN" in human.stdout and fp in human.stdout and VALUE not in human.stdout

    got = secret(si, "oss-demo", "get", "API_TOKEN", "--json")
    assert got.code == 0 and "value" not in got.json
    assert got.json["redacted"] == f"{VALUE[:4]}…{fp}"
    plain = secret(si, "oss-demo", "get", "API_TOKEN")
    assert plain.stdout.strip() == f"API_TOKEN = {VALUE[:4]}…{fp}"

    gone = secret(si, "oss-demo", "unset", "API_TOKEN", "--json")
    assert gone.code == 0 and gone.json["removed"] is True and gone.json["fingerprint"] == fp
    assert "API_TOKEN" not in vault.read_text()
    missing = secret(si, "oss-demo", "get", "API_TOKEN")
    assert missing.code == 2 and "no secret API_TOKEN" in one_line_error(missing)
    assert secret(si, "oss-demo", "unset", "API_TOKEN").code == 2
    # The last value gone, the file goes too, and the context holds nothing any more.
    assert secret(si, "oss-demo", "unset", "DB_PASSWORD").code == 0
    assert not vault.exists()
    assert secret(si, "oss-demo", "list", "--json").json["count"] == 0
    assert si("paas", "context", "remove", "oss-demo").code == 0


def test_short_values_show_fewer_characters(baseline: Callable[..., Run]) -> None:
    for value, shown in (("abcdefgh", "ab"), ("abcde", "a"), ("abc", "")):
        assert secret_set(baseline, "oss-demo", "SHORT", value).code == 0
        redacted = secret(baseline, "oss-demo", "get", "SHORT", "--json").json["redacted"]
        assert redacted.startswith(shown + "…fp:")


def test_reveal_needs_allow_plaintext(baseline: Callable[..., Run]) -> None:
    assert secret_set(baseline, "oss-demo", "DB_PASSWORD", VALUE).code == 0
    refused = secret(baseline, "oss-demo", "get", "DB_PASSWORD", "--reveal")
    assert refused.code == 2 and "--allow-plaintext" in one_line_error(refused)
    assert VALUE not in refused.stdout + refused.stderr
    shown = secret(baseline, "oss-demo", "get", "DB_PASSWORD", "--reveal", "--allow-plaintext")
    assert shown.code == 0 and shown.stdout == VALUE + "\n"
    as_json = secret(baseline, "oss-demo", "get", "DB_PASSWORD", "--reveal", "--allow-plaintext", "--json")
    assert as_json.json["value"] == VALUE


def test_value_flag_warns_about_argv(baseline: Callable[..., Run]) -> None:
    run = baseline("paas", "--context", "oss-demo", "secret", "set", "DB_PASSWORD", "--value", VALUE)
    assert run.code == 0 and "argv" in run.stderr and "ps" in run.stderr
    assert VALUE not in run.stdout + run.stderr


def test_empty_value_refused(baseline: Callable[..., Run], state_root: Path) -> None:
    run = baseline("paas", "--context", "oss-demo", "secret", "set", "DB_PASSWORD", input="")
    assert run.code == 2 and "empty" in one_line_error(run)
    assert not _vault(state_root).exists()


@pytest.mark.parametrize("args", [("list",), ("get", "K"), ("unset", "K"), ("set", "K")])
def test_every_secret_command_needs_explicit_context(
    baseline: Callable[..., Run], args: tuple[str, ...]
) -> None:
    # A context is selected (current_context), and still --context is required.
    run = baseline("paas", "secret", *args, input="some-value-123\n")
    assert run.code == 2 and "--context" in one_line_error(run) and "runbook rule" in run.stderr


@pytest.mark.parametrize("key", ["1ABC", "DB-PASSWORD", "has space", "", "A" * 129, "é_KEY"])
def test_bad_key_names(baseline: Callable[..., Run], state_root: Path, key: str) -> None:
    run = secret_set(baseline, "oss-demo", key, VALUE)
    assert run.code == 2
    line = one_line_error(run)
    assert "secret key" in line and "is invalid" in line
    if len(key) <= 40 and key.isascii():
        assert repr(key) in line
    assert not _vault(state_root).exists()


def test_audit_lines_carry_names_and_fingerprints_only(
    baseline: Callable[..., Run], state_root: Path
) -> None:
    si = baseline
    fp = secret_set(si, "oss-demo", "DB_PASSWORD", VALUE, "--json").json["fingerprint"]
    si("paas", "--context", "oss-demo", "secret", "set", "API_TOKEN", "--value", OTHER)
    secret(si, "oss-demo", "get", "DB_PASSWORD", "--reveal", "--allow-plaintext")
    events = si("paas", "--context", "oss-demo", "events", "list", "--kind", "audit", "--json")
    items = events.json["items"]
    sets = [e for e in items if e["command"] == "secret set"]
    assert {e["args"]["key"] for e in sets} == {"DB_PASSWORD", "API_TOKEN"}
    assert any(e["args"].get("fingerprint") == fp for e in sets)
    assert all("value" not in e["args"] for e in items)
    assert VALUE not in events.stdout and OTHER not in events.stdout
    assert holders(VALUE, state_root) == [] and holders(OTHER, state_root) == []


# -- broken vaults and keys: one line, exit 2, never a traceback --------------------------------


def _tamper(vault: Path, key: str, how: str) -> None:
    text = vault.read_text()
    m = next(m for m in ENC_LINE.finditer(text) if m.group("key") == key)
    if how == "flip":
        raw = bytearray(base64.b64decode(m.group("ct")))
        raw[0] ^= 0x01
        new = f"{key}=ENC[v1,{m.group('nonce')},{base64.b64encode(bytes(raw)).decode()}]"
    elif how == "base64":
        new = f"{key}=ENC[v1,{m.group('nonce')},@@not*base64@@]"
    else:  # plaintext pasted over the value
        new = f"{key}=hunter2-hunter2"
    vault.write_text(text.replace(m.group(0), new))


@pytest.mark.parametrize(
    ("how", "command"),
    [
        ("flip", ("get", "DB_PASSWORD")),
        ("flip", ("list",)),
        ("flip", ("set", "NEW_KEY")),
        ("base64", ("get", "DB_PASSWORD")),
        ("plaintext", ("list",)),
    ],
)
def test_tampered_vault(
    baseline: Callable[..., Run], state_root: Path, how: str, command: tuple[str, ...]
) -> None:
    assert secret_set(baseline, "oss-demo", "DB_PASSWORD", VALUE).code == 0
    vault = _vault(state_root)
    _tamper(vault, "DB_PASSWORD", how)
    before = vault.read_bytes()
    run = (
        secret(baseline, "oss-demo", *command, "--json")
        if command[0] != "set"
        else secret_set(baseline, "oss-demo", "NEW_KEY", OTHER)
    )
    assert run.code == 2
    expected = f"{vault}: key DB_PASSWORD: cannot decrypt (wrong key or tampered file)"
    assert expected in one_line_error(run)
    assert vault.read_bytes() == before


def test_value_moved_to_another_key_does_not_decrypt(baseline: Callable[..., Run], state_root: Path) -> None:
    assert secret_set(baseline, "oss-demo", "DB_PASSWORD", VALUE).code == 0
    vault = _vault(state_root)
    text = vault.read_text().replace("#@ DB_PASSWORD", "#@ ADMIN_PASSWORD")
    vault.write_text(text.replace("\nDB_PASSWORD=", "\nADMIN_PASSWORD="))
    run = secret(baseline, "oss-demo", "get", "ADMIN_PASSWORD")
    assert run.code == 2 and "key ADMIN_PASSWORD: cannot decrypt" in one_line_error(run)


def test_vault_copied_to_another_context_does_not_decrypt(
    baseline: Callable[..., Run], state_root: Path, home: Path
) -> None:
    si = baseline
    assert secret_set(si, "internal-dogfood", "DB_PASSWORD", VALUE).code == 0
    assert secret_set(si, "oss-demo", "UNRELATED", OTHER).code == 0
    src, dst = _vault(state_root, "internal-dogfood"), _vault(state_root)
    # Copied whole: the header names the other context.
    dst.write_bytes(src.read_bytes())
    run = secret(si, "oss-demo", "list")
    assert run.code == 2 and "belongs to context_id" in one_line_error(run)
    # Copied without its header, with the oss-demo key given: the bound context_id fails it.
    body = "".join(line for line in src.read_text().splitlines(True) if not line.startswith("# "))
    dst.write_text(body)
    run = secret(si, "oss-demo", "get", "DB_PASSWORD")
    assert run.code == 2 and "key DB_PASSWORD: cannot decrypt" in one_line_error(run)


def test_wrong_key_in_environment(baseline: Callable[..., Run], state_root: Path) -> None:
    assert secret_set(baseline, "oss-demo", "DB_PASSWORD", VALUE).code == 0
    wrong = {"SI_PAAS_VAULT_KEY_OSS_DEMO": random_key_b64()}
    for args in (("get", "DB_PASSWORD"), ("list",)):
        run = secret(baseline, "oss-demo", *args, extra_env=wrong)
        assert run.code == 2
        assert one_line_error(run).endswith(
            f"{_vault(state_root)}: key DB_PASSWORD: cannot decrypt (wrong key or tampered file)"
        )
    # A set with the wrong key never mixes two keys in one vault.
    before = _vault(state_root).read_bytes()
    run = secret_set(baseline, "oss-demo", "OTHER_KEY", OTHER, extra_env=wrong)
    assert run.code == 2 and _vault(state_root).read_bytes() == before


def test_malformed_key_in_environment(baseline: Callable[..., Run]) -> None:
    bad = "not-a-key-Zm9vYmFy"
    run = secret_set(
        baseline, "oss-demo", "DB_PASSWORD", VALUE, extra_env={"SI_PAAS_VAULT_KEY_OSS_DEMO": bad}
    )
    assert run.code == 2
    line = one_line_error(run)
    assert "$SI_PAAS_VAULT_KEY_OSS_DEMO" in line and "32-byte" in line and bad not in line


def test_key_from_environment_only(baseline: Callable[..., Run], state_root: Path, home: Path) -> None:
    key = {"SI_PAAS_VAULT_KEY_OSS_DEMO": random_key_b64()}
    run = secret_set(baseline, "oss-demo", "DB_PASSWORD", VALUE, "--json", extra_env=key)
    assert run.code == 0 and run.json["key_source"] == "env"
    assert not (home / ".si/keys" / f"{_ctx_id(state_root, 'oss-demo')}.key").exists()
    got = secret(baseline, "oss-demo", "get", "DB_PASSWORD", "--reveal", "--allow-plaintext", extra_env=key)
    assert got.stdout.strip() == VALUE
    # Without the variable there is no key at all: the vault has values, so that is an error.
    run = secret(baseline, "oss-demo", "get", "DB_PASSWORD")
    assert run.code == 2 and "SI_PAAS_VAULT_KEY_OSS_DEMO" in one_line_error(run)


def test_missing_key_file(baseline: Callable[..., Run], state_root: Path, home: Path) -> None:
    assert secret_set(baseline, "oss-demo", "DB_PASSWORD", VALUE).code == 0
    key_file = home / ".si/keys" / f"{_ctx_id(state_root, 'oss-demo')}.key"
    key_file.unlink()
    for run in (
        secret(baseline, "oss-demo", "get", "DB_PASSWORD"),
        secret(baseline, "oss-demo", "list"),
        secret_set(baseline, "oss-demo", "NEW_KEY", OTHER),
    ):
        assert run.code == 2
        line = one_line_error(run)
        assert str(key_file) in line and "$SI_PAAS_VAULT_KEY_OSS_DEMO" in line
    # No fresh key was made behind the operator's back: the old values would be lost with it.
    assert not key_file.exists()


def test_key_file_readable_by_others(baseline: Callable[..., Run], state_root: Path, home: Path) -> None:
    assert secret_set(baseline, "oss-demo", "DB_PASSWORD", VALUE).code == 0
    key_file = home / ".si/keys" / f"{_ctx_id(state_root, 'oss-demo')}.key"
    key_file.chmod(0o644)
    run = secret(baseline, "oss-demo", "list")
    assert run.code == 2 and "chmod 600" in one_line_error(run)


# -- where vaults may live -----------------------------------------------------------------------


def test_vault_inside_a_repo_refuses_secret_set(
    si: Callable[..., Run], tmp_path: Path, env: dict[str, str]
) -> None:
    folder = tmp_path / "vaults" / "demo"
    vault = folder / "secrets.env"
    init = si(
        "paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--vault-file", str(vault)
    )
    assert init.code == 0, init.stderr
    assert secret_set(si, "oss-demo", "FIRST", VALUE).code == 0
    before = vault.read_bytes()
    subprocess.run(["git", "init", "-q", str(folder)], env=env, check=True)
    run = secret_set(si, "oss-demo", "DB_PASSWORD", OTHER)
    assert run.code == 1, run.stderr
    assert "vault-outside-repo" in run.stderr
    assert vault.read_bytes() == before
    as_json = secret_set(si, "oss-demo", "DB_PASSWORD", OTHER, "--json")
    assert as_json.code == 1 and "vault-outside-repo" in as_json.json["error"]["failed_checks"]


def test_vault_symlinked_into_a_repo_is_refused(
    si: Callable[..., Run], tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo("app")
    (tmp_path / "vaults").mkdir()
    (tmp_path / "vaults" / "demo").symlink_to(repo / "private")
    vault = tmp_path / "vaults" / "demo" / "secrets.env"
    init = si(
        "paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--vault-file", str(vault)
    )
    assert init.code == 1 and "vault-outside-repo" in init.stderr


def test_shared_vault_path_refused_at_init(si: Callable[..., Run], tmp_path: Path) -> None:
    vault = tmp_path / "vaults" / "shared.env"
    first = si(
        "paas",
        "context",
        "init",
        "--name",
        "internal-dogfood",
        "--type",
        "internal-dogfood",
        "--vault-file",
        str(vault),
    )
    assert first.code == 0, first.stderr
    second = si(
        "paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--vault-file", str(vault)
    )
    assert second.code == 1 and "no-cross-context-data" in second.stderr


def test_key_dir_inside_a_repo_is_refused(
    baseline: Callable[..., Run], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo("keys-repo")
    run = secret_set(
        baseline, "oss-demo", "DB_PASSWORD", VALUE, extra_env={"SI_PAAS_KEY_DIR": str(repo / "keys")}
    )
    assert run.code == 1 and "SI_PAAS_KEY_DIR" in one_line_error(run)
    assert not (repo / "keys").exists()
