"""A read-only view of the backup root: where it is, whether it is safe, what it holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from si_paas.snapshot.gitpaths import enclosing_worktree, is_within, real
from si_paas.state.backupstore import StoredSnapshot, backup_root, list_snapshots
from si_paas.state.vaultkeys import key_dir

if TYPE_CHECKING:
    from si_paas.snapshot.snapshot import Snapshot
    from si_paas.state.contexts import Context


def root_problems(root: Path, state_root: Path, keys: Path) -> list[str]:
    """Why a backup root is unsafe (all after realpath): in a repo, the state root, the keys."""
    resolved = real(root)
    via = f" (resolves to {resolved})" if resolved != root else ""
    problems = []
    repo = enclosing_worktree(root)
    if repo is not None:
        problems.append(f"backup root {root}{via} is inside git work tree {repo}")
    if is_within(resolved, real(state_root)):
        problems.append(f"backup root {root}{via} is inside the state root {state_root}: "
                        "one loss takes the records and their backups together")
    if is_within(resolved, real(keys)):
        problems.append(f"backup root {root}{via} is inside the key directory {keys}")
    elif is_within(real(keys), resolved):
        problems.append(f"key directory {keys} is inside backup root {root}{via}: a key kept "
                        "beside its backups is lost with them")
    return problems


@dataclass
class BackupView:
    """The backup root of a snapshot's environment, read lazily, once per context."""

    root: Path
    _cache: dict[str, list[StoredSnapshot]]

    def snapshots(self, ctx: Context) -> list[StoredSnapshot]:
        """A context's complete snapshots, oldest first."""
        if ctx.context_id not in self._cache:
            self._cache[ctx.context_id] = list_snapshots(self.root / ctx.context_id)
        return self._cache[ctx.context_id]


def view(snap: Snapshot) -> BackupView:
    """The snapshot's backup view (made on first use, kept in its memo)."""
    found: Any = snap.memo.get("backups")
    if found is None:
        found = snap.memo["backups"] = BackupView(backup_root(snap.env), {})
    assert isinstance(found, BackupView)
    return found


def backup_events(snap: Snapshot, ctx: Context) -> list[dict[str, Any]]:
    """A context's `backup` events, in file order (oldest first)."""
    from si_paas.state.fsio import read_jsonl

    path = snap.state.layout.events_file(ctx.name, "backup")
    return [record for _, record in read_jsonl(path) if record.get("kind") == "backup"]


def key_dir_of(snap: Snapshot) -> Path:
    """The key directory of the snapshot's environment."""
    return key_dir(snap.env)
