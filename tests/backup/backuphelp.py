"""Helpers shared by the backup tests: real `si` runs, real snapshot files, forged manifests."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from si_paas.state import backupfiles as bf

from conftest import Run

CTX = "internal-dogfood"


def context_id(state_root: Path, ctx: str = CTX) -> str:
    """The context id from the context's config.json."""
    doc = json.loads((state_root / "contexts" / ctx / "config.json").read_text())
    return str(doc["context_id"])


def create(si: Callable[..., Run], ctx: str = CTX, **kw: Any) -> str:
    """`backup create`, asserting success; returns the snapshot id."""
    run = si("paas", "--context", ctx, "backup", "create", "--json", **kw)
    assert run.code == 0, run.stdout + run.stderr
    return str(run.json["snapshot"]["snapshot_id"])


def verify(si: Callable[..., Run], snapshot: str | None = None, *args: str, ctx: str = CTX, **kw: Any) -> Run:
    """`backup verify [SNAPSHOT] --read-data --json`."""
    target = [snapshot] if snapshot else ["--latest"]
    return si("paas", "--context", ctx, "backup", "verify", *target, "--read-data", *args, "--json", **kw)


def snapshot_dir(home: Path, cid: str, sid: str) -> Path:
    return home / ".si" / "backups" / cid / sid


def key_material(home: Path, cid: str) -> bytes:
    """The backup key of a context, read from its key file."""
    return base64.b64decode((home / ".si" / "keys" / f"{cid}.backup.key").read_text())


def rewrite_manifest(folder: Path, change: Callable[[dict[str, Any]], None], key: bytes | None) -> None:
    """Edit the manifest, then recompute its checksum (and its MAC when the key is given)."""
    path = folder / bf.MANIFEST_NAME
    doc = json.loads(path.read_text())
    change(doc)
    if key is not None:
        cid = doc["context"]["context_id"]
        doc["mac"]["value"] = bf.compute_mac(bf.mac_key(key, cid), doc)
    path.write_text(bf.manifest_text(doc))


def reseal_archive_digest(folder: Path, key: bytes) -> None:
    """After changing the archive's bytes, make the manifest agree (someone with the key)."""
    import hashlib

    data = (folder / bf.ARCHIVE_NAME).read_bytes()

    def change(doc: dict[str, Any]) -> None:
        doc["archive"]["size"] = len(data)
        doc["archive"]["sha256"] = hashlib.sha256(data).hexdigest()

    rewrite_manifest(folder, change, key)


def chunk_spans(folder: Path) -> tuple[int, list[tuple[int, int]]]:
    """(header length, [(start, end) of each sealed chunk]) of a snapshot's archive."""
    with (folder / bf.ARCHIVE_NAME).open("rb") as handle:
        _, raw = bf.Header.read(handle)
    size = os.path.getsize(folder / bf.ARCHIVE_NAME)
    sealed = bf.CHUNK_SIZE + bf.TAG_SIZE
    spans = []
    at = len(raw)
    while at < size:
        spans.append((at, min(at + sealed, size)))
        at += sealed
    return len(raw), spans
