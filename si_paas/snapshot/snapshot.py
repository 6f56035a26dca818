"""The snapshot a command is judged on: the state root plus the repositories in view."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from si_paas.snapshot.state import StateSnapshot
from si_paas.snapshot.worktree import WorktreeSnapshot


@dataclass
class Snapshot:
    """Built once per command; every part is read lazily and at most once."""

    state: StateSnapshot
    repos: list[WorktreeSnapshot] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    memo: dict[str, Any] = field(default_factory=dict)

    def stats(self) -> dict[str, Any]:
        """What was skipped while reading, per repository, so nothing is dropped silently."""
        return {
            str(r.root): {"files": len(r.files), "skipped": dict(r.skipped)}
            for r in self.repos
            if "files" in r.__dict__
        }
