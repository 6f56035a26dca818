"""No vault value and no key byte in any snapshot file, output, event or report."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from backuphelp import CTX, context_id, create

from conftest import Run, files_under

VALUES = ["pw-9!Kq#71zLmX", "tok_5$Hr@22pQwE0"]


def test_no_vault_value_or_key_byte_anywhere(
    baseline: Callable[..., Run], home: Path, state_root: Path, tmp_path: Path
) -> None:
    si = baseline
    outputs: list[str] = []

    def run(*args: str, ok: tuple[int, ...] = (0,)) -> Run:
        done = si("paas", "--context", CTX, *args)
        assert done.code in ok, (args, done.stdout, done.stderr)
        outputs.append(done.stdout + done.stderr)
        return done

    for i, value in enumerate(VALUES):
        done = si("paas", "--context", CTX, "secret", "set", f"APP_SECRET_{i}", input=value + "\n")
        assert done.code == 0, done.stderr
    run("target", "add", "t1", "--host", "t1.internal.test")
    sid = create(si)
    run("backup", "create")
    run("backup", "list")
    run("backup", "list", "--json")
    run("backup", "verify", "--latest", "--json")
    run("backup", "verify", sid)
    run("backup", "restore", sid, "--to", str(tmp_path / "restored"), "--json")
    run("backup", "restore", sid, "--in-place", "--json")
    run("backup", "prune", "--keep-last", "1", "--json")
    run("backup", "prune", "--keep-last", "1", "--confirm")
    run("events", "list", "--limit", "500", "--json")
    run("doctor", "--json")
    exported = tmp_path / "exported.key"
    run("backup", "key", "export", "--output", str(exported), "--json")
    (home / ".si" / "keys" / f"{context_id(state_root)}.backup.key").unlink()
    run("backup", "verify", "--latest", "--json", ok=(1,))  # failures name the key, never show it

    key = base64.b64decode(exported.read_text())
    key_forms = [key, base64.b64encode(key), key.hex().encode()]
    value_forms = [v.encode() for v in VALUES]
    files = files_under(
        home / ".si" / "backups", tmp_path / "restored", state_root / "contexts" / CTX / "events"
    )
    assert any(p.name == "archive.sipb" for p in files) and any(p.name == "audit.jsonl" for p in files)
    for path, data in files.items():
        for needle in [*key_forms, *value_forms]:
            assert needle not in data, (path, needle[:4])
    text = "\n".join(outputs).encode()
    for needle in [*key_forms, *value_forms]:
        assert needle not in text
    # the restored records hold no vault at all
    assert not list((tmp_path / "restored").rglob("secrets.env"))
