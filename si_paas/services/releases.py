"""Releases: pack an app's source folder into a manifest, and read the deploy history.

A release is the source folder at deploy time (the files git would publish when it is a
repository: tracked and untracked-not-ignored), each file with its size, mode and SHA-256,
and one bundle digest: the SHA-256 of the manifest file stored beside the files.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from si_paas.errors import UsageError
from si_paas.snapshot.gitpaths import enclosing_worktree, is_within, real
from si_paas.state.deploylock import this_host
from si_paas.state.fsio import pid_alive
from si_paas.walk import walk

MANIFEST_NAME = ".si-paas-manifest"
GOOD = ("succeeded",)


@dataclass
class Bundle:
    """One packed source folder: what will be uploaded and recorded."""

    root: Path
    files: list[dict[str, Any]]
    git_sha: str | None
    dirty: bool | None
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def manifest(self) -> bytes:
        """The manifest in `sha256sum` format: one `<hex>  <path>` line per file, sorted."""
        return "".join(f"{f['sha256']}  {f['path']}\n" for f in self.files).encode("utf-8")

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.manifest).hexdigest()

    @property
    def total_bytes(self) -> int:
        return sum(int(f["size"]) for f in self.files)

    def upload_list(self) -> list[tuple[str, int]]:
        return [(f["path"], int(f["mode"])) for f in self.files]


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)


def _listed(src: Path) -> tuple[list[str], str | None, bool | None]:
    """Relative paths to pack, the git sha and the dirty flag (None outside a repository)."""
    if enclosing_worktree(src) is None:
        paths = []
        skipped: dict[str, int] = {}
        for dirpath, dirnames, filenames in walk(src, skipped):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            rel = os.path.relpath(dirpath, src)
            for name in filenames:
                paths.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
        if skipped:  # a release never leaves files behind silently
            reason, n = next(iter(skipped.items()))
            raise UsageError(f"--source {src}: {reason}: {n}; a release must hold every file")
        return sorted(paths), None, None
    listed = _git(src, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    if listed.returncode != 0:
        raise UsageError(
            f"--source {src}: git ls-files failed: {listed.stderr.decode(errors='replace').strip()}"
        )
    paths = sorted({p for p in listed.stdout.decode("utf-8", "surrogateescape").split("\0") if p})
    head = _git(src, "rev-parse", "--verify", "-q", "HEAD")
    sha = head.stdout.decode().strip() or None if head.returncode == 0 else None
    status = _git(src, "status", "--porcelain", "-z", "--", ".")
    return paths, sha, bool(status.stdout.strip())


def pack(source: str, state_root: Path) -> Bundle:
    """Hash the files of `source`; a missing folder or one overlapping the state root is exit 2."""
    src = Path(source)
    if not src.is_dir():
        raise UsageError(
            f"app source {source!r}: not a directory (fix it with `app remove` and `app add --source DIR`)"
        )
    root, state = real(src), real(state_root)
    if is_within(root, state) or is_within(state, root):
        raise UsageError(
            f"app source {source!r}: overlaps the state root {state_root}; "
            "a release never carries private state"
        )
    paths, sha, dirty = _listed(root)
    bundle = Bundle(root, [], sha, dirty)
    for rel in paths:
        if rel == MANIFEST_NAME or "\n" in rel or "\\" in rel:
            raise UsageError(f"{root / rel}: file name not allowed in a release")
        full = root / rel
        try:
            st = full.lstat()
        except FileNotFoundError:  # tracked but deleted in the work tree
            bundle.skipped["deleted"] = bundle.skipped.get("deleted", 0) + 1
            continue
        except OSError as exc:  # ENAMETOOLONG and the like: the release cannot hold it
            raise UsageError(f"{rel[:200]}: cannot read: {exc.strerror}") from None
        if not full.is_file() or full.is_symlink():
            bundle.skipped["not a regular file"] = bundle.skipped.get("not a regular file", 0) + 1
            continue
        digest = hashlib.sha256()
        try:
            with open(full, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):  # noqa: B023
                    digest.update(chunk)
        except OSError as exc:
            raise UsageError(f"{full}: cannot read: {exc.strerror}") from None
        mode = 0o755 if st.st_mode & 0o111 else 0o644
        bundle.files.append({"path": rel, "size": st.st_size, "sha256": digest.hexdigest(), "mode": mode})
    if not bundle.files:
        raise UsageError(f"app source {source!r}: no files to deploy")
    return bundle


def release_id(seq: int, target: str) -> str:
    """`r000007-edge-a`: ids sort by the per-(app, target) sequence number."""
    return f"r{seq:06d}-{target}"


def row_state(row: dict[str, Any]) -> str:
    """A history row's status as shown: a running row whose pid is dead here is abandoned."""
    if (
        row["status"] == "running"
        and row.get("host") == this_host()
        and not pid_alive(int(row.get("pid") or 0))
    ):
        return "abandoned"
    return str(row["status"])


def shown_rows(pair: dict[str, Any]) -> list[dict[str, Any]]:
    """History rows with their shown state (newest first)."""
    return [{**row, "state": row_state(row)} for row in reversed(pair.get("history", []))]


def good_releases(pair: dict[str, Any]) -> list[str]:
    """Releases with a succeeded deploy row, in sequence order (oldest first)."""
    found: dict[str, int] = {}
    for row in pair.get("history", []):
        if row["kind"] == "deploy" and row["status"] in GOOD:
            found[row["release"]] = seq_of(row["release"])
    return sorted(found, key=lambda r: found[r])


def seq_of(release: str) -> int:
    """The sequence number inside a release id."""
    try:
        return int(release[1:7])
    except ValueError:
        return 0


def previous_good(pair: dict[str, Any], current: str | None) -> list[str]:
    """Rollback candidates: succeeded releases before `current`, newest first."""
    limit = seq_of(current) if current else 1 << 30
    return [r for r in reversed(good_releases(pair)) if seq_of(r) < limit]


def find_pair(doc: dict[str, Any], app: str, target: str) -> dict[str, Any] | None:
    return next((i for i in doc["items"] if i["app"] == app and i["target"] == target), None)
