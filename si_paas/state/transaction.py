"""Replace several collection files of a context together, or not at all.

Under the context lock a journal holding the current files is written first, then each file
is replaced, then the journal is deleted. If anything fails in between, the journal is played
back at once; if the process dies, the next command that resolves the context plays it back
(`recover`), so no reader ever acts on a half-replaced set.
"""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path
from typing import Any

from si_paas.errors import InputError
from si_paas.state import fsio
from si_paas.state.contexts import Context
from si_paas.state.layout import StateLayout
from si_paas.textfile import read_bytes

JOURNAL = ".import-journal.json"


def journal_path(layout: StateLayout, name: str) -> Path:
    """Where a context's pending journal lives."""
    return layout.context_dir(name) / JOURNAL


def _restore(layout: StateLayout, ctx: Context, journal: dict[str, Any]) -> None:
    files = journal.get("files")
    if not isinstance(files, dict):
        raise InputError(f"{journal_path(layout, ctx.name)}: not an import journal")
    for collection, old in files.items():
        path = layout.collection_file(ctx.name, collection)
        if old is None:
            path.unlink(missing_ok=True)
        else:
            fsio.atomic_write_bytes(path, base64.b64decode(old))


def recover_locked(layout: StateLayout, ctx: Context) -> bool:
    """Undo a cut-short replacement; the caller holds the context lock. True if it did."""
    path = journal_path(layout, ctx.name)
    try:
        journal = fsio.read_json(path)
    except FileNotFoundError:
        return False
    if not isinstance(journal, dict):
        raise InputError(f"{path}: not an import journal")
    _restore(layout, ctx, journal)
    path.unlink()
    return True


def recover(layout: StateLayout, ctx: Context) -> bool:
    """Take the lock and undo a cut-short replacement, if one is pending."""
    if not journal_path(layout, ctx.name).exists():
        return False
    with fsio.locked(layout.lock_file(ctx.name)):
        return recover_locked(layout, ctx)


def replace_collections(layout: StateLayout, ctx: Context, docs: dict[str, Any]) -> None:
    """Write every `docs[collection]` or none of them; the caller holds the context lock."""
    old: dict[str, str | None] = {}
    for collection in docs:
        try:
            data = read_bytes(layout.collection_file(ctx.name, collection), "state file")
            old[collection] = base64.b64encode(data).decode()
        except FileNotFoundError:
            old[collection] = None
    journal = {"journal": "si-paas-import", "version": 1, "context_id": ctx.context_id, "files": old}
    path = journal_path(layout, ctx.name)
    fsio.atomic_write_bytes(path, json.dumps(journal).encode())
    try:
        for collection, doc in docs.items():
            fsio.atomic_write_json(layout.collection_file(ctx.name, collection), doc)
    except BaseException:
        # Put the files back now; if even that fails the journal stays for the next command.
        with contextlib.suppress(Exception):
            _restore(layout, ctx, journal)
            path.unlink()
        raise
    path.unlink()
    fsio.fsync_dir(path.parent)
