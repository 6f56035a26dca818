"""The backup commands' CLI contract: the JSON envelope, one audit row each, a progress bar on
a terminal only, and the backup log's segments staying with the context."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from collections.abc import Callable
from pathlib import Path

from backuphelp import CTX, context_id, create, snapshot_dir

from conftest import SI, Run


def _audit(state_root: Path) -> list[dict[str, object]]:
    path = state_root / "contexts" / CTX / "events" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_each_backup_command_prints_one_envelope_and_leaves_one_audit_row(
    baseline: Callable[..., Run], state_root: Path, tmp_path: Path
) -> None:
    si = baseline
    sid = create(si)
    commands = [
        (("create",), 0),
        (("list",), 0),
        (("verify", "--latest"), 0),
        (("verify", sid), 0),
        (("restore", sid, "--to", str(tmp_path / "restored")), 0),
        (("prune", "--keep-last", "5"), 0),
        (("key", "export", "--output", str(tmp_path / "backup.key")), 0),
        (("verify", "no-such-snapshot"), 2),
    ]
    for args, code in commands:
        before = len(_audit(state_root))
        run = si("paas", "--context", CTX, "backup", *args, "--json")
        assert run.code == code, (args, run.stdout, run.stderr)
        doc = json.loads(run.stdout)  # exactly one JSON document
        assert doc["ok"] is (code == 0) and doc["context"] == CTX, (args, doc)
        name = "backup " + (" ".join(args[:2]) if args[0] == "key" else args[0])
        assert doc["command"] == name, doc
        rows = _audit(state_root)[before:]
        assert [(r["command"], r["exit_code"]) for r in rows] == [(name, code)], (args, rows)


def test_a_progress_bar_on_a_terminal_and_never_with_json(
    baseline: Callable[..., Run], env: dict[str, str], home: Path, state_root: Path
) -> None:
    blob = state_root / "contexts" / CTX / "releases" / "big.bin"
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(b"\0" + os.urandom(2 << 20))
    blob.chmod(0o600)
    assert SI

    def stderr_on_a_tty(*args: str) -> str:
        leader, follower = pty.openpty()
        try:
            proc = subprocess.run(
                [SI, "paas", "--context", CTX, "backup", *args],
                cwd=home,
                env={**env, "TERM": "xterm", "NO_COLOR": ""},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=follower,
                timeout=120,
            )
            os.close(follower)
            follower = -1
            chunks = []
            while True:
                try:
                    data = os.read(leader, 65536)
                except OSError:  # EIO: the writer side is closed and drained
                    break
                if not data:
                    break
                chunks.append(data)
            assert proc.returncode == 0, b"".join(chunks)
            return b"".join(chunks).decode(errors="replace")
        finally:
            if follower >= 0:
                os.close(follower)
            os.close(leader)

    assert "backup create" in stderr_on_a_tty("create")
    assert "verify read-data" in stderr_on_a_tty("verify", "--latest")
    quiet = stderr_on_a_tty("verify", "--latest", "--json")
    assert "verify read-data" not in quiet and "━" not in quiet


def test_rotated_backup_log_segments_are_never_backed_up_and_stay_with_the_context(
    baseline: Callable[..., Run], home: Path, state_root: Path
) -> None:
    si = baseline
    create(si)
    events = state_root / "contexts" / CTX / "events"
    segment = events / "backups.1.jsonl"
    segment.write_bytes((events / "backups.jsonl").read_bytes())
    segment.chmod(0o600)
    sid = create(si)
    manifest = json.loads((snapshot_dir(home, context_id(state_root), sid) / "manifest.json").read_text())
    assert "events/backups.1.jsonl" not in [f["path"] for f in manifest["files"]]
    assert "events/backups.1.jsonl" in [e["path"] for e in manifest["excluded"]]
    kept = segment.read_bytes()
    run = si("paas", "--context", CTX, "backup", "restore", sid, "--in-place", "--json")
    assert run.code == 0, run.stdout + run.stderr
    assert segment.read_bytes() == kept


def test_key_export_warns_refuses_unsafe_places_and_reads_snapshots_again(
    baseline: Callable[..., Run], home: Path, state_root: Path, tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    si = baseline
    sid = create(si)
    base = ("paas", "--context", CTX, "backup", "key", "export", "--output")
    repo = make_repo()
    refused = si(*base, str(repo / "backup.key"))
    assert refused.code == 1 and "inside git work tree" in refused.stderr
    beside = si(*base, str(home / ".si" / "backups" / "backup.key"))
    assert beside.code == 1 and "inside the backup root" in beside.stderr
    assert not (repo / "backup.key").exists() and not (home / ".si" / "backups" / "backup.key").exists()
    out = tmp_path / "offline" / "backup.key"
    done = si(*base, str(out))
    assert done.code == 0, done.stderr
    assert "WARNING: this file is the backup key of context 'internal-dogfood'" in done.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    twice = si(*base, str(out))  # an existing file is never overwritten silently
    assert twice.code == 2 and "--force" in twice.stderr
    key_file = home / ".si" / "keys" / f"{context_id(state_root)}.backup.key"
    key_file.unlink()
    lost = si("paas", "--context", CTX, "backup", "verify", sid, "--read-data", "--json")
    assert lost.code == 1 and lost.json["failed"]["part"] == "backup key"
    again = si(
        "paas",
        "--context",
        CTX,
        "backup",
        "verify",
        sid,
        "--read-data",
        extra_env={"SI_PAAS_BACKUP_KEY_INTERNAL_DOGFOOD": out.read_text().strip()},
    )
    assert again.code == 0, again.stderr
