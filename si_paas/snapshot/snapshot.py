"""The snapshot a command is judged on: the state root plus the repositories in view."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from si_paas.detect.chunks import Content
from si_paas.records import record
from si_paas.snapshot.pathfacts import PathFacts
from si_paas.snapshot.state import StateSnapshot
from si_paas.snapshot.worktree import RepoFile


class FileSource(Protocol):
    """Files of a repository as some snapshot sees them: work tree, index or history."""

    root: Path
    is_git: bool
    max_file_size: int
    skipped: dict[str, int]
    exclude: tuple[str, ...]
    heads: dict[str, bytes | None]  # per file read: its head if it could be state, else None

    @property
    def files(self) -> tuple[RepoFile, ...]: ...

    def content_files(self) -> Iterator[RepoFile]: ...

    def read(self, f: RepoFile, cap: int | None = None) -> Content | None: ...

    def peek(self, f: RepoFile, limit: int) -> bytes | None: ...

    def content_head(self, f: RepoFile) -> bytes | None: ...

    def close(self) -> None: ...


@record(frozen=True, eq=False)
class Snapshot:
    """Built once per command by `services/judge.build_snapshot` from a `SnapshotSpec`;
    never configured afterwards. Every part is read lazily and at most once; `memo` holds
    what evaluating it derives (the compiled scanner, evidence, the doctor verdict)."""

    state: StateSnapshot
    repos: tuple[FileSource, ...] = ()
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    memo: dict[str, Any] = field(default_factory=dict)
    max_file_size: int | None = None  # a command-line override of every policy's size cap
    deploy: dict[str, Any] | None = None  # the deploy plan the `deploy` scope judges, if any
    # "now" is read once per command and held here (or set from --as-of), so time checks are
    # pure: the same snapshot gives the same verdict whenever it is evaluated.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    explain: bool = False  # secret findings carry the filters they passed; suppressed kept
    legacy_baseline: bool = False  # a version-1 baseline: history blobs judged afresh
    # Where paths resolve, which work tree holds them, links, the user: asked of the snapshot.
    paths: PathFacts = field(default_factory=PathFacts)

    def stats(self) -> dict[str, Any]:
        """What was skipped while reading, per repository, so nothing is dropped silently."""
        return {
            str(r.root): {
                "files": len(r.files),
                "skipped": dict(r.skipped),
                # processes that read and judged its files (engine/parallel.py)
                **({"workers": r.__dict__["workers"]} if "workers" in r.__dict__ else {}),
            }
            for r in self.repos
            if "files" in r.__dict__
        }
