"""Build small real state roots (config.json, records, events) and snapshots of them."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

from si_paas.engine.policy import Policy, load_policies
from si_paas.snapshot.snapshot import Snapshot
from si_paas.snapshot.state import StateSnapshot
from si_paas.snapshot.worktree import WorktreeSnapshot
from si_paas.state.layout import StateLayout

NOW = "2026-01-01T00:00:00Z"


def cid(n: int) -> str:
    return f"ctx_{n:032x}"


def _private(path: Path, root: Path) -> None:
    """Make the folders from `root` down to `path`'s folder, each 0700."""
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = path.parent
    while folder != root.parent and (folder == root or root in folder.parents):
        folder.chmod(0o700)
        folder = folder.parent


def put(root: Path, rel: str, data: Any, mode: int = 0o600) -> Path:
    """Write `data` (JSON, or text as is) at root/rel with private folders."""
    path = root / rel
    _private(path, root)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    path.chmod(mode)
    return path


def context(
    root: Path, name: str, ctype: str, n: int, vault_file: str | None = None, vault: bool = True
) -> Path:
    """contexts/<name>/config.json (and a 0600 vault file at the default path)."""
    default = root / "contexts" / name / "vault" / "secrets.env"
    put(
        root,
        f"contexts/{name}/config.json",
        {
            "schema_version": 1,
            "name": name,
            "type": ctype,
            "context_id": cid(n),
            "state_root": str(root),
            "vault_file": vault_file or str(default),
            "created_at": NOW,
            "updated_at": NOW,
        },
    )
    if vault and vault_file is None:
        put(root, f"contexts/{name}/vault/secrets.env", "si-paas-vault v1\n")
    return root / "contexts" / name


def target(
    name: str,
    host: str,
    owner: str,
    n: int,
    *,
    disposable: bool = True,
    labels: dict[str, str] | None = None,
    port: int | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "host": host,
        "port": port,
        "user": None,
        "transport": "ssh",
        "path": None,
        "disposable": disposable,
        "labels": labels or {},
        "context": owner,
        "context_id": cid(n),
        "created_at": NOW,
        "updated_at": NOW,
    }


def app(
    name: str, owner: str, n: int, targets: list[str], labels: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "name": name,
        "source": "/src",
        "targets": targets,
        "labels": labels or {},
        "context": owner,
        "context_id": cid(n),
        "created_at": NOW,
        "updated_at": NOW,
    }


def records(root: Path, name: str, n: int, collection: str, items: list[dict[str, Any]]) -> None:
    put(
        root,
        f"contexts/{name}/{collection}.json",
        {"schema_version": 1, "context": name, "context_id": cid(n), "items": items},
    )


def event(owner: str, n: int, **fields: Any) -> dict[str, Any]:
    return {
        "time": NOW,
        "kind": "audit",
        "context": owner,
        "context_id": cid(n),
        "actor": "op",
        "command": "deploy",
        "status": "ok",
        **fields,
    }


def events(root: Path, name: str, rows: list[dict[str, Any]], log: str = "audit") -> None:
    put(root, f"contexts/{name}/events/{log}.jsonl", "".join(json.dumps(r) + "\n" for r in rows))


def snapshot(
    root: Path, *, repos: tuple[Path, ...] = (), focus: str | None = None, env: dict[str, str] | None = None
) -> Snapshot:
    """A snapshot of the state root `root` and `repos`, with `env` over the environment."""
    full = {**os.environ, **(env or {})}
    return Snapshot(
        state=StateSnapshot(StateLayout(root), focus=focus, env=full),
        repos=[WorktreeSnapshot.open(r) for r in repos],
        env=full,
    )


def shipped(pid: str, **changes: Any) -> Policy:
    """A policy of the default pack, optionally changed (`blocking=False`, ...)."""
    policy = next(p for p in load_policies([]) if p.id == pid)
    return replace(policy, **changes)


def run_check(policy: Policy, snap: Snapshot) -> list[Any]:
    """The findings of `policy`'s check kind on `snap`."""
    from si_paas.engine.registry import get_check

    return list(get_check(policy.check).fn(snap, policy.params, policy))


def git(root: Path, *args: str) -> str:
    """Run git in `root` as a fixed committer; what it prints."""
    identity = ["-c", "user.name=T", "-c", "user.email=t@example.invalid"]
    done = subprocess.run(
        ["git", *identity, "-C", str(root), *args], check=True, capture_output=True, text=True
    )
    return done.stdout


def commit(root: Path, files: dict[str, str | bytes], message: str = "c") -> None:
    """Write `files` (path under `root` -> text or bytes), stage everything and commit."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
