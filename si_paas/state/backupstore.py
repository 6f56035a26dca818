"""Where snapshots live, what goes into one, and the streams that write and read them.

    $SI_PAAS_BACKUP_ROOT/<context_id>/<snapshot_id>/manifest.json   (default ~/.si/backups)
    $SI_PAAS_BACKUP_ROOT/<context_id>/<snapshot_id>/archive.sipb

A snapshot is written into `<context_id>/.tmp-<snapshot_id>/`, every file and the folder
fsynced, then renamed into place: a snapshot folder without a dot is complete. The archive
is a tar stream, gzip-compressed, then encrypted in chunks (`state.backupfiles`); files are
read, hashed, compressed and encrypted in one pass, so memory stays flat with the size.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import re
import secrets
import shutil
import stat
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, cast

from si_paas.errors import InputError
from si_paas.state import fsio
from si_paas.state.backupfiles import (
    ARCHIVE_NAME,
    CHUNK_SIZE,
    MANIFEST_NAME,
    ArchiveWriter,
    BackupCorrupt,
    DecryptingReader,
    Header,
    decrypt_chunks,
    parse_manifest,
)
from si_paas.state.layout import path_from_env

BACKUP_ROOT_ENV = "SI_PAAS_BACKUP_ROOT"
DEFAULT_BACKUP_ROOT = "~/.si/backups"
_SNAPSHOT_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
_READ = 1 << 20
SCAN_BLOCK = 1 << 20
SCAN_OVERLAP = 64 * 1024

Progress = Callable[[int], None]  # bytes done since the last call
Scan = Callable[[str, bytes], None]  # (relative path, block of bytes): raise to refuse

EXCLUDED_DIRS = {
    "vault": "the vault: secrets are recovered through the vault only, never from a backup",
    "cache": "cache: rebuilt on demand",
    "locks": "locks: held only while a command runs",
}
EXCLUDED_FILES = {
    ".lock": "lock file: held only while a command runs",
    ".import-journal.json": "journal of an unfinished change: played back, never restored",
    "events/backups.jsonl": "the log of the backups themselves: kept by the context across restores",
}
# the backup log's rotated segments (events/backups.<n>.jsonl) stay with the context too
_BACKUP_LOG_SEGMENT = re.compile(r"events/backups\.[0-9]{1,9}\.jsonl")
KEYS_EXCLUSION = (
    "$SI_PAAS_KEY_DIR",
    "vault and backup keys live in the key directory, outside the state root, and are never backed up",
)


def backup_root(env: dict[str, str] | None = None) -> Path:
    """The backup root: $SI_PAAS_BACKUP_ROOT or ~/.si/backups, made absolute (not resolved)."""
    return path_from_env(BACKUP_ROOT_ENV, DEFAULT_BACKUP_ROOT, env)


def new_snapshot_id(now: datetime) -> str:
    """A snapshot id that sorts by time: `20260131T120000Z-1a2b3c4d`."""
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)


def is_snapshot_id(value: str) -> bool:
    return bool(_SNAPSHOT_RE.match(value))


# -- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One file that goes into a snapshot."""

    rel: str
    path: Path
    size: int


def backup_log_segments(context_dir: Path) -> list[str]:
    """The rotated segments of the backup log present in a context folder (relative paths)."""
    try:
        names = os.listdir(context_dir / "events")
    except OSError:
        return []
    return sorted(f"events/{n}" for n in names if _BACKUP_LOG_SEGMENT.fullmatch(f"events/{n}"))


def collect(context_dir: Path, vault_file: Path) -> tuple[list[Member], list[dict[str, str]]]:
    """The files of a context a snapshot holds, and every exclusion with its reason."""
    included: list[Member] = []
    excluded: list[dict[str, str]] = []
    vault_real = os.path.realpath(vault_file)
    for dirpath, dirnames, filenames in os.walk(context_dir):
        base = Path(dirpath)
        rel_dir = base.relative_to(context_dir).as_posix()
        for name in sorted(dirnames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            path = base / name
            reason = EXCLUDED_DIRS.get(rel) if rel_dir == "." else None
            if path.is_symlink():
                reason = "symlink: never followed"
            if reason:
                excluded.append({"path": rel + "/", "reason": reason})
                dirnames.remove(name)
        dirnames.sort()
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            path = base / name
            st = os.lstat(path)
            reason = EXCLUDED_FILES.get(rel)
            if reason is None and _BACKUP_LOG_SEGMENT.fullmatch(rel):
                reason = EXCLUDED_FILES["events/backups.jsonl"]
            if reason is None and name.startswith(".") and name.endswith(".tmp"):
                reason = "temporary file of an unfinished write"
            elif reason is None and name.endswith(".lock"):
                reason = "lock file: held only while a command runs"
            elif reason is None and stat.S_ISLNK(st.st_mode):
                reason = "symlink: never followed"
            elif reason is None and not stat.S_ISREG(st.st_mode):
                reason = "not a regular file"
            elif reason is None and os.path.realpath(path) == vault_real:
                reason = EXCLUDED_DIRS["vault"]
            if reason:
                excluded.append({"path": rel, "reason": reason})
            else:
                included.append(Member(rel, path, st.st_size))
    excluded.append({"path": KEYS_EXCLUSION[0], "reason": KEYS_EXCLUSION[1]})
    return included, excluded


# -- writing ---------------------------------------------------------------------------------


class _Tap:
    """A read-only file object over one file: hashes what tar reads and feeds the scanner."""

    def __init__(self, handle: BinaryIO, rel: str, scan: Scan | None, progress: Progress | None) -> None:
        self._handle = handle
        self._rel = rel
        self._scan = scan
        self._progress = progress
        self._pending = bytearray()
        self._carry = b""
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        if self._progress is not None:
            self._progress(len(data))
        if self._scan is not None:
            self._pending += data
            if len(self._pending) >= SCAN_BLOCK:  # scanned in line-aligned blocks: flat memory
                cut = self._pending.rfind(b"\n") + 1 or len(self._pending)
                block = self._carry + bytes(self._pending[:cut])
                self._scan(self._rel, block)
                del self._pending[:cut]
                # the next block starts with this one's tail, so a multi-line secret (a
                # private key block) cut by the boundary is still seen whole
                tail = block[-SCAN_OVERLAP:]
                self._carry = tail[tail.find(b"\n") + 1 :] if len(block) > SCAN_OVERLAP else b""
        return data

    def finish(self) -> None:
        if self._scan is not None and self._pending:
            self._scan(self._rel, self._carry + bytes(self._pending))
        self._pending.clear()


def write_archive(
    out: BinaryIO,
    material: bytes,
    header: Header,
    members: list[Member],
    scan: Scan | None = None,
    progress: Progress | None = None,
) -> tuple[list[dict[str, Any]], ArchiveWriter]:
    """Stream `members` into `out` as an encrypted archive; returns the file entries."""
    writer = ArchiveWriter(out, material, header)
    entries: list[dict[str, Any]] = []
    gz = gzip.GzipFile(fileobj=writer, mode="wb", compresslevel=6, mtime=0)
    with tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            try:
                handle = member.path.open("rb")
                st = os.fstat(handle.fileno())
            except OSError as exc:
                raise InputError(f"{member.path}: cannot read: {exc.strerror}") from None
            with handle:
                info = tarfile.TarInfo(member.rel)
                info.size = st.st_size  # what the file held when opened; appends come later
                info.mtime = int(st.st_mtime)
                info.mode = 0o600
                tap = _Tap(handle, member.rel, scan, progress)
                try:
                    tar.addfile(info, cast(Any, tap))
                except OSError as exc:
                    if isinstance(exc, tarfile.ReadError) or exc.errno is None:
                        raise InputError(f"{member.path}: changed while it was read") from None
                    raise
                tap.finish()
            entries.append({"path": member.rel, "size": tap.size, "sha256": tap.digest.hexdigest()})
    gz.close()
    writer.close()
    return entries, writer


def write_snapshot(
    context_root: Path,
    snapshot_id: str,
    fill: Callable[[BinaryIO], dict[str, Any]],
    render_manifest: Callable[[dict[str, Any]], str],
) -> Path:
    """Write archive + manifest into a temp folder, fsync, rename into place last.

    `fill(out)` writes the archive and returns the manifest document (without mac and
    checksum, which `render_manifest` adds). Anything that fails removes the temp folder.
    """
    fsio.ensure_dir(context_root)
    tmp = context_root / f".tmp-{snapshot_id}"
    final = context_root / snapshot_id
    try:
        tmp.mkdir(mode=fsio.DIR_MODE)
    except OSError as exc:
        raise InputError(f"backup root {context_root}: not writable: {exc.strerror}") from None
    try:
        archive = tmp / ARCHIVE_NAME
        fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, fsio.FILE_MODE)
        with os.fdopen(fd, "wb", buffering=_READ) as out:
            doc = fill(out)
            out.flush()
            os.fsync(out.fileno())
        manifest = tmp / MANIFEST_NAME
        fd = os.open(manifest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, fsio.FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(render_manifest(doc).encode("ascii"))
            handle.flush()
            os.fsync(handle.fileno())
        fsio.fsync_dir(tmp)
        from si_paas.state import failpoint

        failpoint.hit("backup-create-before-rename")
        os.rename(tmp, final)
        fsio.fsync_dir(context_root)
    except OSError as exc:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise InputError(
            f"backup root {context_root}: cannot write snapshot: {exc.strerror or exc}"
        ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    return final


# -- listing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSnapshot:
    """A complete snapshot folder and its manifest (or why the manifest is unreadable)."""

    snapshot_id: str
    folder: Path
    manifest: dict[str, Any] | None
    problem: str | None

    @property
    def created_at(self) -> str:
        return str((self.manifest or {}).get("created_at") or "")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a snapshot folder, its own checksum checked."""
    try:
        data = (folder / MANIFEST_NAME).read_bytes()
    except FileNotFoundError:
        raise BackupCorrupt("manifest", f"{folder / MANIFEST_NAME}: missing") from None
    except OSError as exc:
        raise BackupCorrupt("manifest", f"{folder / MANIFEST_NAME}: {exc.strerror}") from None
    return parse_manifest(data)


def list_snapshots(context_root: Path) -> list[StoredSnapshot]:
    """Every complete snapshot folder of a context, oldest first (by time of creation)."""
    try:
        names = sorted(os.listdir(context_root))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InputError(f"{context_root}: cannot list: {exc.strerror}") from None
    found = []
    for name in names:
        if not is_snapshot_id(name) or not (context_root / name).is_dir():
            continue  # temp folders (.tmp-*) and anything else are never snapshots
        try:
            found.append(StoredSnapshot(name, context_root / name, read_manifest(context_root / name), None))
        except BackupCorrupt as exc:
            found.append(StoredSnapshot(name, context_root / name, None, exc.message))
    # An id holds the second; snapshots made within one second are ordered by their
    # manifests' created_at (microseconds), never by the id's random suffix.
    return sorted(found, key=lambda s: (s.snapshot_id[:16], s.created_at, s.snapshot_id))


def remove_snapshot(folder: Path) -> None:
    """Delete a snapshot: rename it out of sight first, so it is never seen half-deleted."""
    doomed = folder.parent / f".deleting-{folder.name}"
    os.rename(folder, doomed)
    fsio.fsync_dir(folder.parent)
    shutil.rmtree(doomed)


# -- reading ---------------------------------------------------------------------------------


def _member_problem(info: tarfile.TarInfo) -> str | None:
    """Why an archive member may not be extracted (only plain relative files may)."""
    if info.issym():
        return "is a symbolic link"
    if info.islnk():
        return "is a hard link"
    if not info.isreg():
        return "is not a regular file"
    name = info.name
    parts = PurePosixPath(name).parts
    if name.startswith("/") or (parts and parts[0] == "/"):
        return "has an absolute path"
    if ".." in parts or "\\" in name or not parts or "." in parts or "\0" in name:
        return "has a path that escapes the snapshot"
    return None


def _open_new(dest: Path, rel: str) -> BinaryIO:
    """Create `dest/rel` (0600, parents 0700) refusing anything that already exists or links."""
    target = dest / rel
    parent = dest
    for part in PurePosixPath(rel).parts[:-1]:
        parent = parent / part
        if parent.is_symlink():
            raise BackupCorrupt(f"archive member {rel!r}", "its folder is a symbolic link")
        if not parent.exists():
            parent.mkdir(mode=fsio.DIR_MODE)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, fsio.FILE_MODE)
    return os.fdopen(fd, "wb")


def read_archive(
    archive: Path,
    material: bytes,
    manifest: dict[str, Any],
    dest: Path | None = None,
    progress: Progress | None = None,
) -> list[str]:
    """Decrypt every chunk and check every file against the manifest; extract into `dest`.

    Returns the checked paths. Every problem raises BackupCorrupt naming what failed.
    """
    expected = {f["path"]: f for f in manifest["files"]}
    seen: set[str] = set()
    if dest is not None:
        fsio.ensure_dir(dest)
    try:
        handle = archive.open("rb")
    except FileNotFoundError:
        raise BackupCorrupt("archive", f"{archive}: missing") from None
    with handle:
        chunks = decrypt_chunks(
            handle,
            material,
            manifest["snapshot_id"],
            manifest["context"]["context_id"],
            manifest.get("archive", {}).get("chunks"),
        )
        reader = DecryptingReader(_counted(chunks, progress))
        try:
            gz = gzip.GzipFile(fileobj=cast(Any, reader), mode="rb")
            with tarfile.open(fileobj=gz, mode="r|") as tar:
                for info in tar:
                    _check_member(tar, info, expected, seen, dest)
            while gz.read(_READ):
                pass
            reader.drain()
        except (tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError) as exc:
            raise BackupCorrupt(
                "archive data", f"not a valid compressed tar stream ({type(exc).__name__}: {exc})"
            ) from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupCorrupt(
            f"file {missing[0]!r}",
            "listed in the manifest but missing from "
            "the archive" + (f" (+{len(missing) - 1} more)" if len(missing) > 1 else ""),
        )
    return sorted(seen)


def _counted(chunks: Iterator[bytes], progress: Progress | None) -> Iterator[bytes]:
    for chunk in chunks:
        if progress is not None:
            progress(len(chunk) + 16)
        yield chunk


def _check_member(
    tar: tarfile.TarFile, info: tarfile.TarInfo, expected: dict[str, Any], seen: set[str], dest: Path | None
) -> None:
    problem = _member_problem(info)
    if problem:
        raise BackupCorrupt(f"archive member {info.name!r}", problem)
    name = PurePosixPath(info.name).as_posix()
    if name not in expected:
        raise BackupCorrupt(f"archive member {name!r}", "not listed in the manifest (extra file)")
    if name in seen:
        raise BackupCorrupt(f"archive member {name!r}", "appears twice")
    seen.add(name)
    source = tar.extractfile(info)
    if source is None:
        raise BackupCorrupt(f"archive member {name!r}", "has no data")
    digest = hashlib.sha256()
    size = 0
    out = _open_new(dest, name) if dest is not None else None
    try:
        while True:
            block = source.read(CHUNK_SIZE * 4)
            if not block:
                break
            digest.update(block)
            size += len(block)
            if out is not None:
                out.write(block)
        if out is not None:
            out.flush()
            os.fsync(out.fileno())
    finally:
        if out is not None:
            out.close()
    entry = expected[name]
    if size != entry["size"]:
        raise BackupCorrupt(f"file {name!r}", f"size {size} differs from the manifest's {entry['size']}")
    if digest.hexdigest() != entry["sha256"]:
        raise BackupCorrupt(f"file {name!r}", "SHA-256 differs from the manifest's")


def sha256_file(path: Path, progress: Progress | None = None) -> tuple[int, str]:
    """(size, hex SHA-256) of a file, read in blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(_READ)
            if not block:
                return size, digest.hexdigest()
            digest.update(block)
            size += len(block)
            if progress is not None:
                progress(len(block))
