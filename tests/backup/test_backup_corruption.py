"""Every way a snapshot can be damaged or misused fails, with a message naming what failed."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from backuphelp import (
    CTX,
    chunk_spans,
    context_id,
    create,
    key_material,
    reseal_archive_digest,
    rewrite_manifest,
    snapshot_dir,
    verify,
)

from si_paas.state import backupfiles as bf
from si_paas.state.backupstore import write_archive

from conftest import Run


@dataclass
class Snap:
    si: Callable[..., Run]
    home: Path
    cid: str
    sid: str

    @property
    def folder(self) -> Path:
        return snapshot_dir(self.home, self.cid, self.sid)

    @property
    def archive(self) -> Path:
        return self.folder / bf.ARCHIVE_NAME

    @property
    def key(self) -> bytes:
        return key_material(self.home, self.cid)


@pytest.fixture
def snap(baseline: Callable[..., Run], home: Path, state_root: Path) -> Snap:
    si = baseline
    si("paas", "--context", CTX, "target", "add", "t1", "--host", "t1.internal.test")
    blob = state_root / "contexts" / CTX / "releases" / "r1" / "blob.bin"
    blob.parent.mkdir(parents=True, mode=0o700)
    blob.write_bytes(b"\0" + os.urandom(5 * bf.CHUNK_SIZE))  # incompressible: 6 chunks
    blob.chmod(0o600)
    sid = create(si)
    return Snap(si, home, context_id(state_root), sid)


def failed(run: Run) -> dict[str, str]:
    assert run.code == 1, run.stdout + run.stderr
    doc = run.json
    assert doc["ok"] is False and doc["verified"] is False
    assert run.stderr.count("\n") <= 2 and "Traceback" not in run.stderr
    return dict(doc["failed"])


def test_a_clean_snapshot_verifies(snap: Snap) -> None:
    run = verify(snap.si, snap.sid)
    assert run.code == 0, run.stdout
    assert [s["step"] for s in run.json["steps"]] == ["manifest", "archive", "read-data"]
    assert len(chunk_spans(snap.folder)[1]) >= 5


@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_flipped_byte_in_a_chunk(snap: Snap, which: str) -> None:
    _, spans = chunk_spans(snap.folder)
    index = {"first": 0, "middle": len(spans) // 2, "last": len(spans) - 1}[which]
    data = bytearray(snap.archive.read_bytes())
    data[spans[index][0] + 7] ^= 0x01
    snap.archive.write_bytes(bytes(data))
    # Without the key's help the archive digest catches it (level 2, no key needed)...
    assert failed(verify(snap.si, snap.sid))["part"] == "archive sha256"
    # ...and with a manifest made to agree, the chunk's tag does.
    reseal_archive_digest(snap.folder, snap.key)
    got = failed(verify(snap.si, snap.sid))
    assert got["part"] == f"chunk {index}", got
    assert "authentication failed" in got["message"]


def test_truncated_last_chunk(snap: Snap) -> None:
    data = snap.archive.read_bytes()
    snap.archive.write_bytes(data[:-5])
    assert failed(verify(snap.si, snap.sid))["part"] == "archive size"
    reseal_archive_digest(snap.folder, snap.key)
    _, spans = chunk_spans(snap.folder)
    assert failed(verify(snap.si, snap.sid))["part"] == f"chunk {len(spans) - 1}"


def test_last_chunk_cut_off_at_a_chunk_boundary(snap: Snap) -> None:
    _, spans = chunk_spans(snap.folder)
    snap.archive.write_bytes(snap.archive.read_bytes()[: spans[-1][0]])
    reseal_archive_digest(snap.folder, snap.key)
    got = failed(verify(snap.si, snap.sid))
    assert got["part"] == f"chunk {len(spans) - 2}"
    assert "not the last one (truncated)" in got["message"]


def test_two_chunks_swapped(snap: Snap) -> None:
    _, spans = chunk_spans(snap.folder)
    data = snap.archive.read_bytes()
    (a0, a1), (b0, b1) = spans[1], spans[2]
    snap.archive.write_bytes(data[:a0] + data[b0:b1] + data[a0:a1] + data[b1:])
    reseal_archive_digest(snap.folder, snap.key)
    got = failed(verify(snap.si, snap.sid))
    assert got["part"] == "chunk 1" and "holds chunk 2 (chunks reordered)" in got["message"]


def test_chunk_appended(snap: Snap) -> None:
    _, spans = chunk_spans(snap.folder)
    data = snap.archive.read_bytes()
    snap.archive.write_bytes(data + data[spans[0][0] : spans[0][1]])
    reseal_archive_digest(snap.folder, snap.key)
    got = failed(verify(snap.si, snap.sid))
    assert got["part"] == f"chunk {len(spans) - 1}"
    assert "appended" in got["message"]


def _edit_entry(doc: dict[str, object]) -> None:
    files = doc["files"]
    assert isinstance(files, list)
    files[0]["sha256"] = "0" * 64


def test_edited_manifest_entry_left_as_is(snap: Snap) -> None:
    path = snap.folder / bf.MANIFEST_NAME
    path.write_text(path.read_text().replace('"size": ', '"size": 1', 1))
    assert failed(verify(snap.si, snap.sid))["part"] == "manifest checksum"


def test_edited_manifest_entry_without_the_mac_key(snap: Snap) -> None:
    rewrite_manifest(snap.folder, _edit_entry, key=None)  # checksum redone, MAC not
    got = failed(verify(snap.si, snap.sid))
    assert got["part"] == "manifest mac" and "mismatch" in got["message"]


def test_edited_manifest_entry_with_the_mac_key(snap: Snap) -> None:
    rewrite_manifest(snap.folder, _edit_entry, key=snap.key)
    quick = snap.si("paas", "--context", CTX, "backup", "verify", snap.sid, "--json")
    assert quick.code == 0  # levels 1-2 cannot know: only the data can
    got = failed(verify(snap.si, snap.sid))
    assert got["part"].startswith("file ") and "SHA-256 differs" in got["message"]


def test_wrong_key(snap: Snap) -> None:
    import base64

    key_file = snap.home / ".si" / "keys" / f"{snap.cid}.backup.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    got = failed(verify(snap.si, snap.sid))
    assert got["part"] == "backup key" and "not the key this snapshot was made with" in got["message"]


def test_wrong_key_from_the_environment(snap: Snap) -> None:
    import base64

    env = {"SI_PAAS_BACKUP_KEY_INTERNAL_DOGFOOD": base64.b64encode(os.urandom(32)).decode()}
    got = failed(verify(snap.si, snap.sid, extra_env=env))
    assert got["part"] == "backup key" and "SI_PAAS_BACKUP_KEY_INTERNAL_DOGFOOD" in got["message"]


def test_missing_key(snap: Snap) -> None:
    (snap.home / ".si" / "keys" / f"{snap.cid}.backup.key").unlink()
    got = failed(verify(snap.si, snap.sid))
    assert got["part"] == "backup key" and "no backup key" in got["message"]
    # level 2 needs no key: an operator can still check the archive is intact... but the
    # manifest's MAC cannot be checked, so even the quick verify says what is missing
    quick = snap.si("paas", "--context", CTX, "backup", "verify", snap.sid, "--json")
    assert quick.code == 1 and quick.json["failed"]["part"] == "backup key"


def test_snapshot_of_another_context(snap: Snap, state_root: Path) -> None:
    other = context_id(state_root, "oss-demo")
    dest = snapshot_dir(snap.home, other, snap.sid)
    dest.parent.mkdir(parents=True)
    shutil.copytree(snap.folder, dest)
    got = failed(verify(snap.si, snap.sid, ctx="oss-demo"))
    assert got["part"] == "context" and "belongs to context 'internal-dogfood'" in got["message"]
    run = snap.si("paas", "--context", "oss-demo", "backup", "restore", snap.sid, "--in-place")
    assert run.code == 1 and "belongs to context 'internal-dogfood'" in run.stderr
    assert (
        json.loads((state_root / "contexts" / "oss-demo" / "config.json").read_text())["context_id"] == other
    )


def _forge(snap: Snap, member: tarfile.TarInfo, data: bytes = b"") -> None:
    """Replace the snapshot's archive with one holding `member`, sealed with the real key."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    plain = raw.getvalue()
    header = bf.Header.new(snap.sid, snap.cid)
    import gzip

    with snap.archive.open("wb") as out:
        writer = bf.ArchiveWriter(out, snap.key, header)
        writer.write(gzip.compress(plain))
        writer.close()
    import hashlib

    def change(doc: dict[str, object]) -> None:
        doc["files"] = [{"path": member.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}]

    rewrite_manifest(snap.folder, change, snap.key)
    reseal_archive_digest(snap.folder, snap.key)


@pytest.mark.parametrize(
    "name,kind,why",
    [
        ("../escaped.json", tarfile.REGTYPE, "escapes the snapshot"),
        ("events/../../escaped.json", tarfile.REGTYPE, "escapes the snapshot"),
        ("/tmp/absolute.json", tarfile.REGTYPE, "absolute path"),
        ("link.json", tarfile.SYMTYPE, "symbolic link"),
        ("hard.json", tarfile.LNKTYPE, "hard link"),
        ("fifo", tarfile.FIFOTYPE, "not a regular file"),
    ],
)
def test_archive_member_that_must_not_be_extracted(
    snap: Snap, tmp_path: Path, name: str, kind: bytes, why: str
) -> None:
    member = tarfile.TarInfo(name)
    member.type = kind
    data = b'{"x": 1}\n' if kind == tarfile.REGTYPE else b""
    member.size = len(data)
    if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
        member.linkname = "/etc/passwd"
    if name.startswith("/"):
        # the schema refuses an absolute path in the manifest before the archive is read
        _forge(snap, member, data)
        got = failed(verify(snap.si, snap.sid))
        assert got["part"] == "manifest" and "files" in got["message"]
        return
    _forge(snap, member, data)
    got = failed(verify(snap.si, snap.sid))
    if ".." in name:
        assert got["part"] == "manifest" and "files" in got["message"]
    else:
        assert got["part"] == f"archive member {name!r}" and why in got["message"], got
    dest = tmp_path / "out" / "restored"
    run = snap.si("paas", "--context", CTX, "backup", "restore", snap.sid, "--to", str(dest))
    assert run.code == 1 and not dest.exists()
    assert not (tmp_path / "out" / "escaped.json").exists()
    assert not list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True


def test_member_escaping_even_when_the_manifest_is_not_asked(snap: Snap) -> None:
    """Member checks are the archive reader's own, not only the manifest schema's."""
    from si_paas.state.backupfiles import BackupCorrupt
    from si_paas.state.backupstore import read_archive

    member = tarfile.TarInfo("../escaped.json")
    member.size = 2
    _forge(snap, member, b"{}")
    manifest = json.loads((snap.folder / bf.MANIFEST_NAME).read_text())
    with pytest.raises(BackupCorrupt, match=r"escapes the snapshot"):
        read_archive(snap.archive, snap.key, manifest, None)


def test_write_archive_and_read_back_empty(tmp_path: Path) -> None:
    """An empty set of files is one empty last chunk, and it verifies."""
    from si_paas.state.backupstore import read_archive

    key = os.urandom(32)
    sid, cid = "20260101T000000Z-00000000", "ctx_" + "0" * 32
    path = tmp_path / "a.sipb"
    with path.open("wb") as out:
        entries, writer = write_archive(out, key, bf.Header.new(sid, cid), [])
    assert entries == [] and writer.chunks >= 1
    assert read_archive(path, key, {"files": [], "snapshot_id": sid, "context": {"context_id": cid}}) == []
