"""Swap a context's records for a restored set by renames, keeping its vault and keys.

The restored files are extracted into `contexts/.restore-<ctx>/new/` (same filesystem, a
dot name no command lists). Then, under the context lock and with a journal written first:

1. every kept item (vault/, cache/, locks, `.lock`, `events/backups*.jsonl`) is renamed from
   the live folder into `new/` (the vault's bytes are never read or rewritten);
2. the live folder is renamed to `.restore-<ctx>/old`, and `new/` to the live name;
3. the journal and the old records are removed.

A crash at any point is settled by `recover`, which every command that resolves the
context runs first: before step 2 it moves kept items back (the context is as it was), after
the first rename of step 2 it finishes the swap (the context is fully restored). The keys
live in the key directory and are never touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from si_paas.errors import InputError
from si_paas.state import failpoint, fsio
from si_paas.state.backupstore import EXCLUDED_DIRS, EXCLUDED_FILES, backup_log_segments
from si_paas.state.layout import StateLayout

JOURNAL = "journal.json"


def work_dir(layout: StateLayout, name: str) -> Path:
    """Where a restore of context `name` stages its files."""
    return layout.contexts_dir / f".restore-{name}"


@contextlib.contextmanager
def restore_lock(layout: StateLayout, name: str) -> Iterator[None]:
    """The lock a restore and its recovery share (it outlives the swapped folder)."""
    with fsio.locked(layout.contexts_dir / f".restore-{name}.lock"):
        yield


def kept_items(live: Path) -> list[str]:
    """The items of the live folder a restore keeps (they are never in a snapshot)."""
    names = [*(f"{d}" for d in EXCLUDED_DIRS), *EXCLUDED_FILES, *backup_log_segments(live)]
    return [rel for rel in names if os.path.lexists(live / rel)]


def _move(src: Path, dst: Path) -> None:
    fsio.ensure_dir(dst.parent)
    os.rename(src, dst)


def swap(layout: StateLayout, name: str) -> None:
    """Put `.restore-<name>/new` in place of the live context folder (see module doc).

    The caller holds `restore_lock` and the context lock, and has checked `new/`.
    """
    work = work_dir(layout, name)
    live, new, old = layout.context_dir(name), work / "new", work / "old"
    keep = kept_items(live)
    fsio.atomic_write_json(
        work / JOURNAL, {"journal": "si-paas-restore", "version": 1, "context": name, "keep": keep}
    )
    for i, rel in enumerate(keep):
        if os.path.lexists(new / rel):  # a snapshot never holds these; a staged copy goes
            _remove(new / rel)
        _move(live / rel, new / rel)
        if i == 0:
            failpoint.hit("restore-after-first-keep")
    fsio.fsync_dir(new)
    os.rename(live, old)
    failpoint.hit("restore-between-renames")
    os.rename(new, live)
    fsio.fsync_dir(layout.contexts_dir)
    _finish(work)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _finish(work: Path) -> None:
    (work / JOURNAL).unlink(missing_ok=True)
    fsio.fsync_dir(work)
    shutil.rmtree(work)


def recover(layout: StateLayout, name: str) -> str | None:
    """Settle a restore of `name` cut short by a crash; returns what was done, or None."""
    work = work_dir(layout, name)
    if not work.is_dir():
        return None
    with restore_lock(layout, name):
        if not work.is_dir():
            return None
        return _recover_locked(layout, name, work)


def _recover_locked(layout: StateLayout, name: str, work: Path) -> str:
    live, new, old = layout.context_dir(name), work / "new", work / "old"
    journal_path = work / JOURNAL
    if not journal_path.exists():
        shutil.rmtree(work)  # extraction never finished: the live folder was never touched
        return "removed an unfinished restore's staged files"
    journal = fsio.read_json(journal_path)
    keep = journal.get("keep") if isinstance(journal, dict) else None
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise InputError(f"{journal_path}: not a restore journal")
    if live.is_dir() and new.is_dir():  # kept items were being moved: move them back
        for rel in keep:
            if os.path.lexists(new / rel) and not os.path.lexists(live / rel):
                _move(new / rel, live / rel)
        _finish(work)
        return "rolled back a restore cut short before the swap"
    if not live.exists() and new.is_dir():
        os.rename(new, live)
        fsio.fsync_dir(layout.contexts_dir)
        _finish(work)
        return "finished a restore cut short during the swap"
    if not live.exists() and old.is_dir():
        os.rename(old, live)
        _finish(work)
        return "put back the records of a restore that lost its staged files"
    _finish(work)
    return "removed the old records of a finished restore"
