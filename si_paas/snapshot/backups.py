"""A read-only view of the backup root: where it is and whether it is safe."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from si_paas.snapshot.gitpaths import is_within
from si_paas.snapshot.pathfacts import PathFacts
from si_paas.state.backupstore import backup_root
from si_paas.state.vaultkeys import key_dir

if TYPE_CHECKING:
    from si_paas.snapshot.snapshot import Snapshot


def root_problems(root: Path, state_root: Path, keys: Path, paths: PathFacts) -> list[str]:
    """Why a backup root is unsafe (all after realpath, as `paths` resolves them): in a repo,
    the state root, the keys."""
    real = paths.real
    resolved = real(root)
    via = f" (resolves to {resolved})" if resolved != root else ""
    problems = []
    repo = paths.worktree(root)
    if repo is not None:
        problems.append(f"backup root {root}{via} is inside git work tree {repo}")
    if is_within(resolved, real(state_root)):
        problems.append(
            f"backup root {root}{via} is inside the state root {state_root}: "
            "one loss takes the records and their backups together"
        )
    if is_within(resolved, real(keys)):
        problems.append(f"backup root {root}{via} is inside the key directory {keys}")
    elif is_within(real(keys), resolved):
        problems.append(
            f"key directory {keys} is inside backup root {root}{via}: a key kept "
            "beside its backups is lost with them"
        )
    return problems


def root_of(snap: Snapshot) -> Path:
    """The backup root of the snapshot's environment."""
    return backup_root(snap.env)


def key_dir_of(snap: Snapshot) -> Path:
    """The key directory of the snapshot's environment."""
    return key_dir(snap.env)


def snapshot_folder(snap: Snapshot, context_id: str, snapshot_id: str) -> Path | None:
    """The folder of a recorded snapshot when it is present (holds its manifest), else None."""
    if not snapshot_id or "/" in snapshot_id or snapshot_id.startswith("."):
        return None
    folder = root_of(snap) / context_id / snapshot_id
    return folder if snap.paths.is_file(folder / "manifest.json") else None
