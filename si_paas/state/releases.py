"""Deploy records of a context: release records, deployments.json and drills.jsonl.

    contexts/<ctx>/releases/<app>/<release_id>/release.json   one per uploaded release
    contexts/<ctx>/deployments.json                          per (app, target): history
    contexts/<ctx>/drills.jsonl                              one line per rollback drill

Every write is atomic under the context lock; order comes from sequence numbers kept in the
records, never from file times.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from si_paas import schemacheck
from si_paas.errors import InputError
from si_paas.state import fsio, jsonl
from si_paas.state.contexts import Context
from si_paas.state.layout import StateLayout

Doc = dict[str, Any]


def releases_dir(layout: StateLayout, ctx: str, app: str | None = None) -> Path:
    """`contexts/<ctx>/releases[/<app>]`."""
    base = layout.context_dir(ctx) / "releases"
    return base / app if app else base


def release_file(layout: StateLayout, ctx: str, app: str, release_id: str) -> Path:
    return releases_dir(layout, ctx, app) / release_id / "release.json"


def deployments_file(layout: StateLayout, ctx: str) -> Path:
    return layout.context_dir(ctx) / "deployments.json"


def drills_file(layout: StateLayout, ctx: str) -> Path:
    return layout.context_dir(ctx) / "drills.jsonl"


def write_release(layout: StateLayout, ctx: Context, record: Doc) -> Path:
    """Write one release record (validated) atomically under the context lock."""
    path = release_file(layout, ctx.name, record["app"], record["release_id"])
    schemacheck.check(record, "release", path)
    with fsio.locked(layout.lock_file(ctx.name)):
        fsio.ensure_dir(path.parent)
        fsio.atomic_write_json(path, record)
    return path


def read_release(layout: StateLayout, ctx: Context, app: str, release_id: str) -> Doc | None:
    """One release record, validated, or None when there is none."""
    path = release_file(layout, ctx.name, app, release_id)
    try:
        doc = fsio.read_json(path)
    except FileNotFoundError:
        return None
    schemacheck.check(doc, "release", path)
    record: Doc = doc
    return record


def iter_release_records(layout: StateLayout, name: str) -> Iterator[tuple[Path, Doc]]:
    """Every release record of a context (any app), unvalidated: for the policies."""
    base = releases_dir(layout, name)
    if not base.is_dir():
        return
    for app in sorted(os.listdir(base)):
        app_dir = base / app
        if not app_dir.is_dir():
            continue
        for rid in sorted(os.listdir(app_dir)):
            path = app_dir / rid / "release.json"
            try:
                doc = fsio.read_json(path)
            except (FileNotFoundError, NotADirectoryError):
                continue
            if isinstance(doc, dict):
                yield path, doc


def _empty(ctx: Context) -> Doc:
    return {"schema_version": 1, "context": ctx.name, "context_id": ctx.context_id, "items": []}


def read_deployments(layout: StateLayout, ctx: Context) -> Doc:
    """deployments.json, validated (an empty document when there is none)."""
    path = deployments_file(layout, ctx.name)
    try:
        doc = fsio.read_json(path)
    except FileNotFoundError:
        return _empty(ctx)
    schemacheck.check(doc, "deployments", path)
    found: Doc = doc
    return found


def update_deployments(layout: StateLayout, ctx: Context, change: Callable[[Doc], Any]) -> Any:
    """Apply `change` to deployments.json under the context lock, write it atomically.

    Returns whatever `change` returns; an exception leaves the file as it was.
    """
    path = deployments_file(layout, ctx.name)
    with fsio.locked(layout.lock_file(ctx.name)):
        doc = read_deployments(layout, ctx)
        result = change(doc)
        doc["items"].sort(key=lambda i: (i["app"], i["target"]))
        schemacheck.check(doc, "deployments", path)
        fsio.atomic_write_json(path, doc)
        return result


def append_drill(layout: StateLayout, ctx: Context, record: Doc) -> None:
    """Append one drill record (validated) as one whole line."""
    path = drills_file(layout, ctx.name)
    schemacheck.check(record, "drill", path)
    jsonl.append_line(path, record)


def read_drills(layout: StateLayout, ctx: Context) -> list[Doc]:
    """Every drill record, oldest first, validated."""
    path = drills_file(layout, ctx.name)
    out = []
    for number, record in jsonl.read_lines(path):
        schemacheck.check(record, "drill", f"{path}: line {number}")
        out.append(record)
    return out


def raw_drills(layout: StateLayout, name: str) -> Iterator[tuple[Path, int, Doc]]:
    """Drill lines of a context, unvalidated: for the policies."""
    path = drills_file(layout, name)
    try:
        for number, record in jsonl.read_lines(path):
            yield path, number, record
    except InputError:
        return
