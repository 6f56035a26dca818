"""Restore to a folder and in place, crashes at every step, unsafe roots, full disks."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from backuphelp import CTX, context_id, create, verify

from conftest import Run, files_under, git, write


def _ctx_dir(state_root: Path) -> Path:
    return state_root / "contexts" / CTX


def _records(state_root: Path) -> dict[str, bytes]:
    """The context's restorable records (what a snapshot holds)."""
    base = _ctx_dir(state_root)
    out = {}
    for path, data in files_under(base).items():
        rel = path.relative_to(base).as_posix()
        if rel.startswith(("vault/", "cache/")) or rel in (".lock", "events/backups.jsonl"):
            continue
        out[rel] = data
    return out


@pytest.fixture
def ready(baseline: Callable[..., Run], state_root: Path) -> Callable[..., Run]:
    si = baseline
    assert si("paas", "--context", CTX, "target", "add", "t1", "--host", "t1.internal.test").code == 0
    assert si("paas", "--context", CTX, "secret", "set", "DB_PASSWORD", input="kept-in-vault-7#Q\n").code == 0
    return si


def _secret(si: Callable[..., Run]) -> str:
    run = si(
        "paas", "--context", CTX, "secret", "get", "DB_PASSWORD", "--reveal", "--allow-plaintext", "--json"
    )
    assert run.code == 0, run.stderr
    return str(run.json.get("value"))


def test_restore_to_a_folder(ready: Callable[..., Run], state_root: Path, tmp_path: Path) -> None:
    si = ready
    want = _records(state_root)
    sid = create(si)
    dest = tmp_path / "restored"
    run = si("paas", "--context", CTX, "backup", "restore", sid, "--to", str(dest), "--json")
    assert run.code == 0, run.stdout + run.stderr
    assert {p.relative_to(dest).as_posix(): b for p, b in files_under(dest).items()} == want
    assert not (dest / "vault").exists()
    events = si("paas", "--context", CTX, "events", "list", "--kind", "backup", "--json").json
    actions = [e["action"] for e in events["items"]]
    assert "restore" in actions and "verify" in actions


def test_restore_to_refuses_a_repository(ready: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    si = ready
    sid = create(si)
    repo = make_repo()
    run = si("paas", "--context", CTX, "backup", "restore", sid, "--to", str(repo / "restored"))
    assert run.code == 1 and "inside git work tree" in run.stderr
    assert not (repo / "restored").exists()


def test_restore_to_refuses_the_state_root_and_a_full_folder(
    ready: Callable[..., Run], state_root: Path, tmp_path: Path
) -> None:
    si = ready
    sid = create(si)
    run = si(
        "paas", "--context", CTX, "backup", "restore", sid, "--to", str(state_root / "contexts" / "copy")
    )
    assert run.code == 2 and "inside the state root" in run.stderr
    full = write(tmp_path / "full" / "x.txt", "x").parent
    run = si("paas", "--context", CTX, "backup", "restore", sid, "--to", str(full))
    assert run.code == 2 and "not an empty folder" in run.stderr


def test_restore_in_place_keeps_the_vault_and_runs_doctor(
    ready: Callable[..., Run], state_root: Path, home: Path
) -> None:
    si = ready
    want = _records(state_root)
    vault = _ctx_dir(state_root) / "vault" / "secrets.env"
    vault_bytes, vault_inode = vault.read_bytes(), vault.stat().st_ino
    sid = create(si)
    keys_before = files_under(home / ".si" / "keys")
    assert si("paas", "--context", CTX, "target", "add", "t2", "--host", "t2.internal.test").code == 0
    run = si("paas", "--context", CTX, "backup", "restore", sid, "--in-place", "--json")
    assert run.code == 0, run.stdout + run.stderr
    doc = run.json
    assert doc["doctor"]["ok"] is True and doc["context_show"]["context_config"]["name"] == CTX
    got = _records(state_root)
    # the snapshot's records are back; audit lines written since are the snapshot's plus
    # this run's own, so compare every record but the audit log
    assert {k: v for k, v in got.items() if k != "events/audit.jsonl"} == {
        k: v for k, v in want.items() if k != "events/audit.jsonl"
    }
    assert got["events/audit.jsonl"].startswith(want["events/audit.jsonl"])
    names = [t["name"] for t in si("paas", "--context", CTX, "target", "list", "--json").json["items"]]
    assert names == ["t1"]
    assert vault.read_bytes() == vault_bytes and vault.stat().st_ino == vault_inode
    assert files_under(home / ".si" / "keys") == keys_before
    assert _secret(si) == "kept-in-vault-7#Q"
    record = [
        e
        for e in si("paas", "--context", CTX, "events", "list", "--kind", "backup", "--json").json["items"]
        if e["action"] == "restore"
    ][0]
    assert record["mode"] == "in-place" and record["doctor"]["ok"] is True
    assert record["snapshot"] == sid and record["started_at"] <= record["ended_at"]


def test_restore_in_place_exits_1_when_the_doctor_fails(ready: Callable[..., Run], state_root: Path) -> None:
    si = ready
    sid = create(si)
    # the vault (kept as it is by the restore) is readable by others: doctor fails after it
    (_ctx_dir(state_root) / "vault" / "secrets.env").chmod(0o644)
    run = si("paas", "--context", CTX, "backup", "restore", sid, "--in-place", "--json")
    assert run.code == 1, run.stdout + run.stderr
    assert run.json["doctor"]["ok"] is False and run.json["doctor"]["failed"]


@pytest.mark.parametrize(
    "point,restored",
    [
        ("restore-before-swap", False),
        ("restore-after-first-keep", False),
        ("restore-between-renames", True),
    ],
)
def test_sigkill_during_an_in_place_restore(
    ready: Callable[..., Run], state_root: Path, point: str, restored: bool
) -> None:
    si = ready
    sid = create(si)
    snapshot_records = _records(state_root)
    assert si("paas", "--context", CTX, "target", "add", "t2", "--host", "t2.internal.test").code == 0
    current_records = _records(state_root)
    run = si(
        "paas",
        "--context",
        CTX,
        "backup",
        "restore",
        sid,
        "--in-place",
        extra_env={"SI_PAAS_FAILPOINT": point},
    )
    assert run.code == -9, (run.code, run.stderr)
    # the next command settles the cut-short restore before it reads anything
    names = [t["name"] for t in si("paas", "--context", CTX, "target", "list", "--json").json["items"]]
    assert names == (["t1"] if restored else ["t1", "t2"])
    got = {k: v for k, v in _records(state_root).items() if k != "events/audit.jsonl"}
    want = snapshot_records if restored else current_records
    assert got == {k: v for k, v in want.items() if k != "events/audit.jsonl"}
    assert _secret(si) == "kept-in-vault-7#Q"
    assert not list((state_root / "contexts").glob(".restore-*/"))


def test_sigkill_during_create_leaves_no_snapshot(
    ready: Callable[..., Run], home: Path, state_root: Path
) -> None:
    si = ready
    run = si(
        "paas",
        "--context",
        CTX,
        "backup",
        "create",
        extra_env={"SI_PAAS_FAILPOINT": "backup-create-before-rename"},
    )
    assert run.code == -9
    listed = si("paas", "--context", CTX, "backup", "list", "--json").json
    assert listed["count"] == 0
    leftovers = list((home / ".si" / "backups" / context_id(state_root)).iterdir())
    assert [p.name.startswith(".tmp-") for p in leftovers] == [True]
    assert verify(si).code == 2  # nothing to verify: said so, exit 2
    sid = create(si)  # and the next create works
    assert verify(si, sid).code == 0


def test_backup_root_inside_a_repository_is_refused(
    ready: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    si = ready
    repo = make_repo()
    link = tmp_path / "innocent"
    link.symlink_to(repo / "ops")  # realpath-proof: a symlink does not hide the repository
    for root in (repo / "backups", link):
        run = si(
            "paas",
            "--context",
            CTX,
            "backup",
            "create",
            "--json",
            extra_env={"SI_PAAS_BACKUP_ROOT": str(root)},
        )
        assert run.code == 1 and "backup-outside-repo" in run.stdout, run.stdout
        assert "inside git work tree" in run.json["error"]["message"]
    assert not (repo / "ops").exists() and not (repo / "backups").exists()
    doctor = si("paas", "doctor", "--json", extra_env={"SI_PAAS_BACKUP_ROOT": str(link)})
    check = next(c for c in doctor.json["checks"] if c["id"] == "backup-outside-repo")
    assert doctor.code == 1 and check["status"] == "fail"
    assert git(repo, {**os.environ}, "status", "--porcelain") == ""


def test_backup_root_under_the_state_root_is_refused(ready: Callable[..., Run], state_root: Path) -> None:
    run = ready(
        "paas",
        "--context",
        CTX,
        "backup",
        "create",
        extra_env={"SI_PAAS_BACKUP_ROOT": str(state_root / "backups")},
    )
    assert run.code == 1 and "inside the state root" in run.stderr


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount small tmpfs folders (root only); unmounted afterwards."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        where = tmp_path / f"mnt{len(mounted)}"
        where.mkdir()
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True
        )
        if proc.returncode != 0:
            pytest.skip(f"cannot mount tmpfs here: {proc.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", str(where)], capture_output=True)


def test_read_only_backup_root(ready: Callable[..., Run], tmpfs: Callable[[str], Path]) -> None:
    root = tmpfs("ro,size=1m")
    run = ready(
        "paas", "--context", CTX, "backup", "create", "--json", extra_env={"SI_PAAS_BACKUP_ROOT": str(root)}
    )
    assert run.code == 2, run.stdout + run.stderr
    assert "Read-only file system" in run.json["error"]["message"]
    assert list(root.iterdir()) == []


def test_full_disk_during_create(
    ready: Callable[..., Run], state_root: Path, tmpfs: Callable[[str], Path]
) -> None:
    blob = _ctx_dir(state_root) / "releases" / "big.bin"
    blob.write_bytes(b"\0" + os.urandom(400_000))
    blob.chmod(0o600)
    root = tmpfs("size=128k")
    run = ready(
        "paas", "--context", CTX, "backup", "create", "--json", extra_env={"SI_PAAS_BACKUP_ROOT": str(root)}
    )
    assert run.code == 2, run.stdout + run.stderr
    assert "No space left on device" in run.json["error"]["message"]
    assert [p for p in root.rglob("*") if p.is_file()] == []  # the temp folder is gone
    assert (
        json.loads(
            ready(
                "paas",
                "--context",
                CTX,
                "backup",
                "list",
                "--json",
                extra_env={"SI_PAAS_BACKUP_ROOT": str(root)},
            ).stdout
        )["count"]
        == 0
    )


def test_plaintext_secret_refuses_the_backup(ready: Callable[..., Run], state_root: Path, home: Path) -> None:
    deployments = _ctx_dir(state_root) / "deployments.json"
    token = "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"
    deployments.write_text(json.dumps({"items": [{"env": {"API_TOKEN": token}}]}))
    deployments.chmod(0o600)
    run = ready("paas", "--context", CTX, "backup", "create", "--json")
    assert run.code == 1 and "no-plaintext-secrets" in run.stdout
    assert "deployments.json" in run.json["error"]["message"]
    assert "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC" not in run.stdout + run.stderr
    root = home / ".si" / "backups" / context_id(state_root)
    assert not root.exists() or list(root.iterdir()) == []
    events = _ctx_dir(state_root) / "events" / "audit.jsonl"
    assert "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC" not in events.read_text()


def test_plaintext_secret_in_an_event_log_refuses_the_backup(
    ready: Callable[..., Run], state_root: Path
) -> None:
    log = _ctx_dir(state_root) / "events" / "deployments.jsonl"
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    with log.open("a") as handle:
        handle.write(json.dumps({"note": f"token {token}"}) + "\n")
    run = ready("paas", "--context", CTX, "backup", "create")
    assert run.code == 1 and "events/deployments.jsonl" in run.stderr
    assert token not in run.stderr


def test_mutating_backup_commands_need_an_explicit_context(ready: Callable[..., Run]) -> None:
    si = ready
    si("paas", "context", "use", CTX)
    for args in (
        ("create",),
        ("restore", "x", "--in-place"),
        ("prune", "--keep-last", "1"),
        ("key", "export", "--output", "/tmp/never"),
    ):
        run = si("paas", "backup", *args)
        assert run.code == 2 and "needs --context" in run.stderr, (args, run.stderr)


def test_private_key_across_a_scan_block_boundary_refuses(
    ready: Callable[..., Run], state_root: Path
) -> None:
    """Files are scanned in blocks; a key block cut by a block boundary is still found."""
    from si_paas.state.backupstore import SCAN_BLOCK

    body = "MIIEowIBAAKCAQEA" + "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC" * 2
    key = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join([body] * 12) + "\n-----END RSA PRIVATE KEY-----\n"
    filler = ("x" * 99 + "\n") * (SCAN_BLOCK // 100 - 3)
    note = _ctx_dir(state_root) / "releases" / "notes.txt"
    note.write_text(filler + key + filler)
    note.chmod(0o600)
    run = ready("paas", "--context", CTX, "backup", "create")
    assert run.code == 1 and "releases/notes.txt" in run.stderr, run.stderr
