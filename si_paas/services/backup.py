"""`si paas backup`: encrypted, checksum-verified snapshots of a context's records.

create: scan the included files for plaintext secrets, stream them into an encrypted archive
in a temp folder beside a MAC'd, checksummed manifest, fsync, rename into place.
verify: level `manifest` (its checksum, schema, context id, key id, MAC), `archive` (size
and SHA-256, no key needed), `read-data` (decrypt every chunk, check every file). Every run
appends a `backup` event (see docs/PAAS_BACKUP_RESTORE_POLICY.md for its fields).
restore: verify with read-data, extract with member checks, re-hash, then `--to DIR` or
`--in-place` (a rename swap keeping vault and keys), doctor, context show, a restore record.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from si_paas import __version__
from si_paas.errors import ExitCode, InputError, PolicyRefusal, UsageError
from si_paas.services.invocation import Invocation, Result
from si_paas.services.pipeline import Call, command
from si_paas.snapshot.backups import root_problems
from si_paas.snapshot.gitpaths import enclosing_worktree, is_within, real
from si_paas.snapshot.pathfacts import PathFacts
from si_paas.state import backupfiles as bf
from si_paas.state import backupkeys, failpoint, fsio, restoreswap
from si_paas.state.backupstore import (
    StoredSnapshot,
    backup_root,
    collect,
    list_snapshots,
    new_snapshot_id,
    read_archive,
    read_manifest,
    remove_snapshot,
    sha256_file,
    write_archive,
    write_snapshot,
)
from si_paas.state.clock import actor, parse_time, utc_now
from si_paas.state.contexts import Context
from si_paas.state.events import append_event, iter_events
from si_paas.state.vaultkeys import key_dir

LEVELS = ("manifest", "archive", "read-data")


class Progress(Protocol):
    """Where a long run reports how far it got (the CLI draws a bar on a terminal)."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, amount: int) -> None: ...

    def stop(self) -> None: ...


class _Quiet:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass

    def stop(self) -> None:
        pass


def _root_for(inv: Invocation) -> Path:
    return backup_root()


def _check_root(inv: Invocation, root: Path) -> None:
    problems = root_problems(root, inv.layout.root, key_dir(), PathFacts())
    if problems:
        raise PolicyRefusal(
            f"refused: backup-outside-repo: {problems[0]}; set "
            "$SI_PAAS_BACKUP_ROOT to a folder outside every repository, the "
            "state root and the key directory",
            failed=["backup-outside-repo"],
        )


def _record(inv: Invocation, ctx: Context, action: str, ok: bool, **fields: Any) -> None:
    """One `backup` event in `events/backups.jsonl`, in the shape checklist item 3 and
    escalation condition 4 read (`snapshot/operations.backup_verifications`)."""
    append_event(
        inv.layout, ctx, "backup", f"backup {action}", "ok" if ok else "error", action=action, ok=ok, **fields
    )


def _backup_records(inv: Invocation, ctx: Context) -> list[dict[str, Any]]:
    """The context's `backup` events, oldest first (rotated segments included)."""
    return [record for _, _, record in iter_events(inv.layout, ctx, "backup")]


# -- create ----------------------------------------------------------------------------------


def _secret_scanner() -> Callable[[str, bytes], None]:
    from si_paas.detect.rulepack import load_secret_rules
    from si_paas.detect.scanner import SecretScanner

    scanner = SecretScanner(load_secret_rules())

    def scan(rel: str, block: bytes) -> None:
        findings = scanner.scan_bytes(rel, block)
        if findings:
            first = findings[0]
            raise PolicyRefusal(
                f"refused: no-plaintext-secrets: {rel}: {first.rule} "
                f"({first.excerpt or 'redacted'}); a backup never carries a plaintext secret: "
                "move the value into the vault (`si paas secret set`) and create the backup "
                "again",
                failed=["no-plaintext-secrets"],
            )

    return scan


def _scan_json_values(members: list[Any]) -> None:
    """Secret-like keys with plaintext values in the context's JSON documents."""
    import json

    from si_paas.redaction import redacted
    from si_paas.services.bundle import find_secret_values

    for member in members:
        if not member.rel.endswith(".json") or member.size > 8 << 20:
            continue
        try:
            doc = json.loads(member.path.read_bytes())
        except (OSError, ValueError):
            continue  # not JSON after all: the detector pass judges its bytes
        found = find_secret_values(doc)
        if found:
            path, value = found[0]
            raise PolicyRefusal(
                f"refused: no-plaintext-secrets: {member.rel}: {path}: secret-like key holds a "
                f"plaintext value ({redacted(value)}); a backup never carries a "
                "plaintext secret: move it into the vault",
                failed=["no-plaintext-secrets"],
            )


@command("backup create", context="explicit", gate="none")
def create(call: Call, progress: Progress | None = None) -> Result:
    """Make one snapshot of the explicit --context (refused while a plaintext secret is in
    what it would hold)."""
    progress = progress or _Quiet()
    inv, ctx = call.inv, call.ctx
    root = _root_for(inv)
    _check_root(inv, root)
    key, made = backupkeys.ensure_backup_key(ctx.name, ctx.context_id)
    if made:
        inv.warnings.append(
            f"made a new backup key {key.where}: without it no snapshot of "
            f"{ctx.name!r} can be read; keep a copy elsewhere "
            f"(`si paas --context {ctx.name} backup key export --output FILE`)"
        )
    now = datetime.now(UTC)
    snapshot_id = new_snapshot_id(now)
    header = bf.Header.new(snapshot_id, ctx.context_id)
    scan = _secret_scanner()
    lock = inv.layout.lock_file(ctx.name)
    with fsio.locked(lock):  # a consistent set: no command changes the records meanwhile
        members, excluded = collect(inv.layout.context_dir(ctx.name), Path(ctx.vault_file))
        _scan_json_values(members)
        total = sum(m.size for m in members)

        def fill(out: BinaryIO) -> dict[str, Any]:
            progress.start("backup create", total)
            try:
                entries, writer = write_archive(out, key.material, header, members, scan, progress.advance)
            finally:
                progress.stop()
            return {
                "format": bf.MANIFEST_FORMAT,
                "version": bf.MANIFEST_VERSION,
                "snapshot_id": snapshot_id,
                "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "actor": actor(),
                "tool_version": __version__,
                "context": {"name": ctx.name, "context_id": ctx.context_id, "type": ctx.type},
                "key_id": bf.key_id(key.material),
                "checksum_algorithm": "SHA256",
                "archive": {
                    "path": bf.ARCHIVE_NAME,
                    "size": writer.size,
                    "sha256": writer.digest.hexdigest(),
                    "cipher": "AES-256-GCM",
                    "chunk_size": bf.CHUNK_SIZE,
                    "chunks": writer.chunks,
                    "container": "tar",
                    "compression": "gzip",
                },
                "files": entries,
                "excluded": excluded,
            }

        def render(doc: dict[str, Any]) -> str:
            doc["mac"] = {
                "algorithm": "HMAC-SHA256",
                "value": bf.compute_mac(bf.mac_key(key.material, ctx.context_id), doc),
            }
            return bf.manifest_text(doc)

        folder = write_snapshot(root / ctx.context_id, snapshot_id, fill, render)
    manifest = read_manifest(folder)
    summary = _summary(manifest)
    _record(
        inv,
        ctx,
        "create",
        True,
        snapshot=snapshot_id,
        archive_sha256=manifest["archive"]["sha256"],
        files=len(manifest["files"]),
    )
    inv.audit_args["snapshot"] = snapshot_id
    return Result(
        {
            "snapshot": summary,
            "folder": str(folder),
            "excluded": manifest["excluded"],
            "key": {"source": key.source, "where": key.where},
        },
        context=ctx.name,
    )


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "snapshot_id": manifest["snapshot_id"],
        "created_at": manifest["created_at"],
        "actor": manifest["actor"],
        "files": len(manifest["files"]),
        "bytes": sum(f["size"] for f in manifest["files"]),
        "archive_size": manifest["archive"]["size"],
        "archive_sha256": manifest["archive"]["sha256"],
    }


# -- list ------------------------------------------------------------------------------------


def _last_verifications(inv: Invocation, ctx: Context) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for record in _backup_records(inv, ctx):
        if record.get("command") == "backup verify" and isinstance(record.get("snapshot"), str):
            found[record["snapshot"]] = record
    return found


@command("backup list", context="required", gate="none")
def list_all(call: Call) -> Result:
    """Every complete snapshot of the context, newest first, with its last verification."""
    inv, ctx = call.inv, call.ctx
    root = _root_for(inv)
    verified = _last_verifications(inv, ctx)
    items = []
    for stored in reversed(list_snapshots(root / ctx.context_id)):
        last = verified.get(stored.snapshot_id)
        row: dict[str, Any] = {"snapshot_id": stored.snapshot_id, "folder": str(stored.folder)}
        if stored.manifest is not None:
            row.update(_summary(stored.manifest))
        else:
            row["problem"] = stored.problem
        row["last_verify"] = (
            {"time": last["time"], "level": last.get("level"), "ok": last.get("ok")} if last else None
        )
        items.append(row)
    return Result({"backup_root": str(root), "items": items, "count": len(items)}, context=ctx.name)


# -- verify ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a verification found: each step, and the first failure."""

    snapshot: str
    level: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    failed: dict[str, str] | None = None
    manifest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.failed is None

    def passed(self, step: str, detail: str) -> None:
        self.steps.append({"step": step, "ok": True, "detail": detail})

    def fail(self, part: str, message: str) -> None:
        self.steps.append({"step": part, "ok": False, "detail": message})
        self.failed = {"part": part, "message": message}


def _validate_manifest(doc: dict[str, Any]) -> None:
    from si_paas import schemacheck

    found = schemacheck.problem(doc, "backup-manifest")
    if found is not None:
        raise bf.BackupCorrupt("manifest", found)


def check_snapshot(
    ctx: Context,
    stored: StoredSnapshot,
    level: str,
    progress: Progress | None = None,
    dest: Path | None = None,
) -> Outcome:
    """Verify one snapshot up to `level`, stopping at the first failure."""
    progress = progress or _Quiet()
    out = Outcome(stored.snapshot_id, level)
    try:
        manifest = stored.manifest or read_manifest(stored.folder)  # raises what is wrong
        out.manifest = manifest
        _validate_manifest(manifest)
        claimed = manifest["context"]["context_id"]
        if claimed != ctx.context_id or stored.folder.parent.name != ctx.context_id:
            raise bf.BackupCorrupt(
                "context",
                f"snapshot belongs to context "
                f"{manifest['context']['name']!r} ({claimed}), not "
                f"{ctx.name!r} ({ctx.context_id})",
            )
        if manifest["snapshot_id"] != stored.snapshot_id:
            raise bf.BackupCorrupt(
                "manifest",
                f"names snapshot {manifest['snapshot_id']}, but sits in folder {stored.snapshot_id}",
            )
        key = backupkeys.load_backup_key(ctx.name, ctx.context_id)
        if key is None:
            raise bf.BackupCorrupt("backup key", backupkeys.missing_key_message(ctx.name, ctx.context_id))
        if bf.key_id(key.material) != manifest["key_id"]:
            raise bf.BackupCorrupt(
                "backup key",
                f"{key.where} is not the key this snapshot "
                f"was made with (key id {bf.key_id(key.material)}, the "
                f"snapshot's {manifest['key_id']})",
            )
        bf.check_mac(bf.mac_key(key.material, ctx.context_id), manifest)
        out.passed("manifest", "checksum, schema, context id, key id and MAC match")
        if level == "manifest":
            return out
        archive = stored.folder / manifest["archive"]["path"]
        if manifest["archive"]["path"] != bf.ARCHIVE_NAME:
            raise bf.BackupCorrupt("manifest", "field archive.path: must be " + bf.ARCHIVE_NAME)
        try:
            size = os.stat(archive).st_size
        except FileNotFoundError:
            raise bf.BackupCorrupt("archive", f"{archive}: missing") from None
        if size != manifest["archive"]["size"]:
            raise bf.BackupCorrupt(
                "archive size", f"{size} bytes, the manifest says {manifest['archive']['size']}"
            )
        progress.start("verify archive digest", size)
        try:
            _, digest = sha256_file(archive, progress.advance)
        finally:
            progress.stop()
        if digest != manifest["archive"]["sha256"]:
            raise bf.BackupCorrupt("archive sha256", "differs from the manifest's")
        out.passed("archive", f"size {size} and SHA-256 match")
        if level == "archive":
            return out
        progress.start("verify read-data" if dest is None else "restore", size)
        try:
            checked = read_archive(archive, key.material, manifest, dest, progress.advance)
        finally:
            progress.stop()
        out.passed(
            "read-data",
            f"every chunk decrypted; {len(checked)} files match the manifest, none missing, none extra",
        )
    except bf.BackupCorrupt as exc:
        out.fail(exc.part, exc.message.split(": ", 1)[1] if ": " in exc.message else exc.message)
    except InputError as exc:
        out.fail("backup key", exc.message)
    return out


def _pick(inv: Invocation, ctx: Context, snapshot: str | None) -> StoredSnapshot:
    found = list_snapshots(_root_for(inv) / ctx.context_id)
    if snapshot is None:
        if not found:
            raise UsageError(
                f"context {ctx.name!r} has no snapshot in {_root_for(inv)}; "
                f"make one with `si paas --context {ctx.name} backup create`"
            )
        return found[-1]
    for stored in found:
        if stored.snapshot_id == snapshot:
            return stored
    known = ", ".join(s.snapshot_id for s in found[-3:]) or "none"
    raise UsageError(f"snapshot {snapshot!r}: no such snapshot of context {ctx.name!r} (newest: {known})")


def _check_verify(call: Call, snapshot: str | None, latest: bool, *_: Any) -> None:
    if snapshot and latest:
        raise UsageError("give SNAPSHOT or --latest, not both")


@command("backup verify", context="required", gate="none", check=_check_verify)
def verify(
    call: Call, snapshot: str | None, latest: bool, read_data: bool, progress: Progress | None = None
) -> Result:
    """Verify a snapshot (or the newest); appends a `backup` event; exit 1 on a failure."""
    inv, ctx = call.inv, call.ctx
    stored = _pick(inv, ctx, snapshot)
    level = "read-data" if read_data or snapshot is None else "archive"
    out = check_snapshot(ctx, stored, level, progress)
    return _verify_result(inv, ctx, out)


def _verify_result(inv: Invocation, ctx: Context, out: Outcome) -> Result:
    latest = list_snapshots(_root_for(inv) / ctx.context_id)
    is_latest = bool(latest) and latest[-1].snapshot_id == out.snapshot
    created = (out.manifest or {}).get("created_at")
    what = f"{out.failed['part']}: {out.failed['message']}" if out.failed else None
    _record(
        inv,
        ctx,
        "verify",
        out.ok,
        snapshot=out.snapshot,
        level=out.level,
        latest=is_latest,
        snapshot_created_at=created,
        failed=[what] if what else [],
        message=what,
    )
    inv.audit_args.update({"snapshot": out.snapshot, "level": out.level})
    payload = {
        "snapshot": out.snapshot,
        "level": out.level,
        "verified": out.ok,
        "latest": is_latest,
        "steps": out.steps,
        "failed": out.failed,
    }
    if out.ok:
        return Result(payload, context=ctx.name)
    assert what is not None
    warning = f"snapshot {out.snapshot} failed verification: {what}"
    _alert_failed_verify(inv, ctx, out, is_latest, what)
    return Result(payload, context=ctx.name, ok=False, exit_code=ExitCode.POLICY_FAILED, warnings=[warning])


def _alert_failed_verify(inv: Invocation, ctx: Context, out: Outcome, is_latest: bool, what: str) -> None:
    """A failed verification raises a backup alert: critical for the newest snapshot (the
    runbook's escalation condition 4), warning for an older one. Never raises."""
    from si_paas.services.alerts import INCIDENT_RUNBOOK, raise_alert

    severity = "critical" if is_latest else "warning"
    raise_alert(
        inv,
        severity,
        "backup",
        f"backup verification ({out.level}) of {'the newest' if is_latest else 'an older'} "
        f"snapshot {out.snapshot} failed: {what}",
        {"alertname": "si-paas-backup-verify", "snapshot": out.snapshot},
        ctx=ctx,
        annotations={
            "remediation": f"si paas --context {ctx.name} backup create; "
            f"si paas --context {ctx.name} backup verify --latest",
            "runbook": INCIDENT_RUNBOOK,
        },
    )


# -- restore ---------------------------------------------------------------------------------


def _refuse_destination(inv: Invocation, dest: Path) -> None:
    repo = enclosing_worktree(dest)
    if repo is not None:
        raise PolicyRefusal(
            f"refused: no-repo-private-state: --to {dest} is inside git work "
            f"tree {repo}; restore outside every repository",
            failed=["no-repo-private-state"],
        )
    resolved = real(dest)
    for what, root in (
        ("the state root", inv.layout.root),
        ("the backup root", _root_for(inv)),
        ("the key directory", key_dir()),
    ):
        if is_within(resolved, real(root)):
            raise UsageError(
                f"--to {dest}: inside {what} {root}; restore to a folder of its own "
                "(use --in-place to restore the context itself)"
            )
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"--to {dest}: exists and is not an empty folder")


def _rehash(folder: Path, manifest: dict[str, Any]) -> None:
    """Re-read every restored file from disk and compare it with the manifest."""
    for entry in manifest["files"]:
        path = folder / entry["path"]
        try:
            size, digest = sha256_file(path)
        except FileNotFoundError:
            raise bf.BackupCorrupt(f"restored file {entry['path']!r}", "missing") from None
        if size != entry["size"] or digest != entry["sha256"]:
            raise bf.BackupCorrupt(
                f"restored file {entry['path']!r}", "differs from the manifest after extraction"
            )


def _check_restore(call: Call, snapshot: str, to: str | None, in_place: bool, *_: Any) -> None:
    if bool(to) == in_place:
        raise UsageError("give exactly one of --to DIR or --in-place")


@command("backup restore", context="explicit", gate="none", check=_check_restore)
def restore(
    call: Call, snapshot: str, to: str | None, in_place: bool, progress: Progress | None = None
) -> Result:
    """Restore a verified snapshot to a new folder or in place (see the module doc); a
    snapshot that fails its read-data verification is refused."""
    inv, ctx = call.inv, call.ctx
    started = utc_now()
    stored = _pick(inv, ctx, snapshot)
    out = check_snapshot(ctx, stored, "read-data", progress)
    verified = _verify_result(inv, ctx, out)
    if not out.ok:
        assert out.failed is not None
        failed = "backup-verified" if out.failed["part"] != "context" else "no-cross-context-data"
        raise PolicyRefusal(
            f"refused: snapshot {snapshot} failed verification: "
            f"{out.failed['part']}: {out.failed['message']}",
            failed=[failed],
        )
    manifest = out.manifest
    assert manifest is not None
    inv.audit_args["snapshot"] = snapshot
    if to:
        return _restore_to(
            inv, ctx, stored, manifest, Path(to).expanduser().absolute(), started, progress, verified
        )
    return _restore_in_place(inv, ctx, stored, manifest, started, progress, verified)


def _restore_to(
    inv: Invocation,
    ctx: Context,
    stored: StoredSnapshot,
    manifest: dict[str, Any],
    dest: Path,
    started: str,
    progress: Progress | None,
    verified: Result,
) -> Result:
    _refuse_destination(inv, dest)
    staging = dest.parent / f".{dest.name}.restore-{stored.snapshot_id}"
    if staging.exists():
        shutil.rmtree(staging)
    fsio.ensure_dir(staging)
    try:
        out = check_snapshot(ctx, stored, "read-data", progress, dest=staging)
        if not out.ok:
            assert out.failed is not None
            raise bf.BackupCorrupt(out.failed["part"], out.failed["message"])
        _rehash(staging, manifest)
        if dest.exists():
            dest.rmdir()
        os.rename(staging, dest)
        fsio.fsync_dir(dest.parent)
    except bf.BackupCorrupt as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PolicyRefusal(
            f"refused: restore of {stored.snapshot_id}: {exc.message}", failed=["backup-verified"]
        ) from None
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(f"--to {dest}: cannot write: {exc.strerror}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    record = {
        "snapshot": stored.snapshot_id,
        "mode": "to",
        "destination": str(dest),
        "archive_sha256": manifest["archive"]["sha256"],
        "started_at": started,
        "ended_at": utc_now(),
        "files": len(manifest["files"]),
    }
    _record(inv, ctx, "restore", True, **record)
    return Result({"restore": record, "verification": verified.payload}, context=ctx.name)


def _restore_in_place(
    inv: Invocation,
    ctx: Context,
    stored: StoredSnapshot,
    manifest: dict[str, Any],
    started: str,
    progress: Progress | None,
    verified: Result,
) -> Result:
    layout = inv.layout
    work = restoreswap.work_dir(layout, ctx.name)
    with restoreswap.restore_lock(layout, ctx.name), fsio.locked(layout.lock_file(ctx.name)):
        if work.exists():
            shutil.rmtree(work)
        fsio.ensure_dir(work)
        try:
            out = check_snapshot(ctx, stored, "read-data", progress, dest=work / "new")
            if not out.ok:
                assert out.failed is not None
                raise bf.BackupCorrupt(out.failed["part"], out.failed["message"])
            _rehash(work / "new", manifest)
            restored = fsio.read_json(work / "new" / "config.json")
            if (
                not isinstance(restored, dict)
                or restored.get("context_id") != ctx.context_id
                or restored.get("name") != ctx.name
            ):
                raise bf.BackupCorrupt("config.json", "the restored config is not this context's")
        except (bf.BackupCorrupt, FileNotFoundError) as exc:
            shutil.rmtree(work, ignore_errors=True)
            why = exc.message if isinstance(exc, bf.BackupCorrupt) else "config.json: missing"
            raise PolicyRefusal(
                f"refused: restore of {stored.snapshot_id}: {why}", failed=["backup-verified"]
            ) from None
        except OSError as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise InputError(f"{work}: cannot write: {exc.strerror}") from None
        failpoint.hit("restore-before-swap")
        restoreswap.swap(layout, ctx.name)
    return _after_restore(inv, ctx, stored, manifest, started, verified, restored)


def _after_restore(
    inv: Invocation,
    ctx: Context,
    stored: StoredSnapshot,
    manifest: dict[str, Any],
    started: str,
    verified: Result,
    restored: dict[str, Any],
) -> Result:
    """Section 7 of the runbook: doctor and context show, then the restore record."""
    from si_paas.services import contexts as contexts_svc
    from si_paas.services import doctor as doctor_svc
    from si_paas.services.pipeline import resolve

    warnings = []
    if restored.get("vault_file") != ctx.vault_file:
        warnings.append(
            f"the restored config names vault file {restored.get('vault_file')}, "
            f"the context used {ctx.vault_file}; the vault itself was not touched"
        )
    doc_inv = Invocation(command="doctor", context_opt=ctx.name, layout=inv.layout)
    doctor = doctor_svc.run(doc_inv, (), ())
    show_inv = Invocation(command="context show", context_opt=ctx.name, layout=inv.layout)
    show = contexts_svc.summary(show_inv, resolve(show_inv, explicit=False))
    failed_checks = [c["id"] for c in doctor.payload["checks"] if c["status"] == "fail"]
    record = {
        "snapshot": stored.snapshot_id,
        "mode": "in-place",
        "archive_sha256": manifest["archive"]["sha256"],
        "started_at": started,
        "ended_at": utc_now(),
        "files": len(manifest["files"]),
        "doctor": {"ok": doctor.ok, "failed": failed_checks},
    }
    _record(inv, ctx, "restore", doctor.ok, **record)
    payload = {
        "restore": record,
        "verification": verified.payload,
        "doctor": {"ok": doctor.ok, "summary": doctor.payload["summary"], "failed": failed_checks},
        "context_show": show.payload,
    }
    if not doctor.ok:
        warnings.append("post-restore doctor failed: " + ", ".join(failed_checks))
        from si_paas.services.alerts import INCIDENT_RUNBOOK, raise_alert

        raise_alert(
            inv,
            "critical",
            "backup",
            f"doctor failed after the in-place restore of snapshot "
            f"{stored.snapshot_id}: " + ", ".join(failed_checks),
            {"alertname": "si-paas-restore-doctor", "snapshot": stored.snapshot_id},
            ctx=ctx,
            annotations={"remediation": f"si paas --context {ctx.name} doctor", "runbook": INCIDENT_RUNBOOK},
        )
    return Result(
        payload,
        context=ctx.name,
        ok=doctor.ok,
        exit_code=ExitCode.OK if doctor.ok else ExitCode.POLICY_FAILED,
        warnings=[*doc_inv.warnings, *warnings],
    )


# -- prune -----------------------------------------------------------------------------------


def _bucket(when: datetime, rule: str) -> tuple[int, ...]:
    if rule == "daily":
        return (when.year, when.month, when.day)
    if rule == "weekly":
        iso = when.isocalendar()
        return (iso[0], iso[1])
    return (when.year, when.month)


def plan_prune(
    snapshots: list[StoredSnapshot], keep_last: int, keep: dict[str, int], newest_verified: str | None
) -> dict[str, list[str]]:
    """Why each snapshot is kept (newest first); the rest go. Pure: easy to test."""
    newest_first = list(reversed(snapshots))
    reasons: dict[str, list[str]] = {s.snapshot_id: [] for s in newest_first}
    for s in newest_first[:keep_last]:
        reasons[s.snapshot_id].append("last")
    for rule, count in keep.items():
        seen: list[tuple[int, ...]] = []
        for s in newest_first:
            if s.manifest is None:
                continue
            key = _bucket(parse_time(s.created_at), rule)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            reasons[s.snapshot_id].append(rule)
    for s in newest_first:
        if s.manifest is None:
            reasons[s.snapshot_id].append("unreadable manifest: judge it by hand")
        if s.snapshot_id == newest_verified:
            reasons[s.snapshot_id].append("newest verified")
    return reasons


def _newest_verified(inv: Invocation, ctx: Context, ids: set[str]) -> str | None:
    best = None
    for record in _backup_records(inv, ctx):
        if (
            record.get("command") == "backup verify"
            and record.get("ok") is True
            and record.get("level") == "read-data"
            and record.get("snapshot") in ids
            and (best is None or str(record["snapshot"]) > best)
        ):
            best = str(record["snapshot"])
    return best


def _check_keep(call: Call, keep_last: int, daily: int, weekly: int, monthly: int, *_: Any) -> None:
    for flag, value in (
        ("--keep-last", keep_last),
        ("--keep-daily", daily),
        ("--keep-weekly", weekly),
        ("--keep-monthly", monthly),
    ):
        if value < 0:
            raise UsageError(f"{flag} {value}: must be 0 or more")
    if not (keep_last or daily or weekly or monthly):
        raise UsageError(
            "--keep-last N (or --keep-daily/--keep-weekly/--keep-monthly) is "
            "required: prune never guesses what to keep"
        )


@command("backup prune", context="explicit", gate="none", check=_check_keep)
def prune(call: Call, keep_last: int, daily: int, weekly: int, monthly: int, confirm: bool) -> Result:
    """Remove snapshots no keep rule holds; a dry run unless `confirm`."""
    inv, ctx = call.inv, call.ctx
    folder = _root_for(inv) / ctx.context_id
    snapshots = list_snapshots(folder)
    newest_verified = _newest_verified(inv, ctx, {s.snapshot_id for s in snapshots})
    keep = {k: v for k, v in (("daily", daily), ("weekly", weekly), ("monthly", monthly)) if v}
    reasons = plan_prune(snapshots, keep_last, keep, newest_verified)
    kept = [{"snapshot_id": sid, "why": why} for sid, why in reasons.items() if why]
    doomed = [sid for sid, why in reasons.items() if not why]
    removed = []
    if confirm:
        with fsio.locked(folder / ".prune.lock"):
            for sid in doomed:
                remove_snapshot(folder / sid)
                removed.append(sid)
        if removed:
            _record(inv, ctx, "prune", True, removed=removed, kept=[k["snapshot_id"] for k in kept])
    inv.audit_args.update({"dry_run": not confirm, "remove": doomed})
    if not newest_verified and snapshots:
        inv.warnings.append(
            "no snapshot of this context passed a read-data verification yet: "
            f"run `si paas --context {ctx.name} backup verify --latest`"
        )
    return Result(
        {
            "dry_run": not confirm,
            "kept": kept,
            "remove": doomed,
            "removed": removed,
            "newest_verified": newest_verified,
        },
        context=ctx.name,
    )


# -- key export ------------------------------------------------------------------------------

KEY_WARNING = (
    "WARNING: this file is the backup key of context {ctx!r}. Anyone holding it and "
    "a snapshot can read the context's records; without it no snapshot can be "
    "restored. Keep it offline or in a password manager, never beside the backups, "
    "never in a repository."
)


@command("backup key export", context="explicit", gate="none")
def key_export(call: Call, output: str, force: bool) -> Result:
    """Write a copy of the context's backup key to a private file (0600), outside repos."""
    import base64

    inv, ctx = call.inv, call.ctx
    key = backupkeys.load_backup_key(ctx.name, ctx.context_id)
    if key is None:
        raise UsageError(
            backupkeys.missing_key_message(ctx.name, ctx.context_id) + "; `backup create` makes one"
        )
    target = Path(output).expanduser().absolute()
    repo = enclosing_worktree(target)
    if repo is not None:
        raise PolicyRefusal(
            f"refused: no-repo-private-state: --output {target} is inside git "
            f"work tree {repo}; a key never goes into a repository",
            failed=["no-repo-private-state"],
        )
    if is_within(real(target), real(_root_for(inv))):
        raise PolicyRefusal(
            f"refused: backup-outside-repo: --output {target} is inside the "
            "backup root: a key kept beside its backups is lost with them",
            failed=["backup-outside-repo"],
        )
    if target.is_dir():
        raise UsageError(f"--output {target}: is a directory")
    if target.exists() and not force:
        raise UsageError(f"--output {target}: exists; pass --force to replace it")
    # The bare key, as the key file holds it: copy it back to the key file, or into
    # $SI_PAAS_BACKUP_KEY_<CTX>, to read the snapshots again.
    text = base64.b64encode(key.material).decode() + "\n"
    fsio.atomic_write_bytes(target, text.encode())
    inv.audit_args["output"] = str(target)
    inv.warnings.append(KEY_WARNING.format(ctx=ctx.name))
    return Result(
        {
            "output": str(target),
            "key_id": bf.key_id(key.material),
            "source": key.where,
            "env_var": backupkeys.env_var_for(ctx.name),
        },
        context=ctx.name,
    )
