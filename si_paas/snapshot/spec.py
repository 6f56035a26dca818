"""What a command's snapshot is built from: one frozen value, given to one builder.

`services/judge.build_snapshot(spec)` turns it into a `Snapshot`; nothing configures a
snapshot after that. A check gets every fact it needs from the snapshot (files, their bytes
and head facts, the state root and its overlays, the plan, "now") and never reads the disk
or the clock itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from si_paas.records import record

if TYPE_CHECKING:
    from si_paas.state.contexts import Context
    from si_paas.state.layout import StateLayout

Source = Literal["worktree", "staged", "history"]


@record(frozen=True, eq=False)
class SnapshotSpec:
    """Everything a snapshot is built from.

    - `paths`: folders or files to judge (each opens as its work tree, folder or file); for
      `source="staged"` or `"history"`, the one repository whose index or history is read,
      `rev_range` narrowing the history;
    - `excludes`: apply each git repository's `.si-paas.yaml` excludes to the secret scan;
    - `max_file_size`: the command line's size cap, over every policy's;
    - `focus` and the overlays: the context judged and the change a command proposes;
    - `deploy`: the plan the `deploy` scope judges; `now`: the command's clock (None: read
      once when the snapshot is built); `explain`, `legacy_baseline`: how secrets are judged.
    """

    layout: StateLayout
    paths: tuple[Path, ...] = ()
    source: Source = "worktree"
    rev_range: tuple[str, ...] = ()
    progress: Callable[[int, int], None] | None = None
    excludes: bool = True
    max_file_size: int | None = None
    focus: str | None = None
    overlay_items: Mapping[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    overlay_contexts: Mapping[str, Context] = field(default_factory=dict)
    overlay_vault_values: Mapping[str, list[tuple[str, str, str]]] | None = None
    deploy: Mapping[str, Any] | None = None
    env: Mapping[str, str] | None = None  # laid over the process environment
    now: datetime | None = None
    explain: bool = False
    legacy_baseline: bool = False
