"""`si paas hook install|uninstall`: a native git pre-commit hook that runs `scan --staged`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from si_paas.errors import InputError, UsageError
from si_paas.services.invocation import Result
from si_paas.snapshot.gitpaths import enclosing_worktree

MARKER = "# si-paas pre-commit hook"
BACKUP_SUFFIX = ".si-paas-saved"


def hook_path(repo: str | None) -> tuple[Path, Path]:
    """(work tree, pre-commit hook path), honouring core.hooksPath."""
    root = enclosing_worktree(Path(repo or ".").expanduser())
    if root is None:
        raise UsageError(f"--repo {repo or '.'!r}: not inside a git repository")
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--git-path",
                              "hooks/pre-commit"], check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        raise InputError(f"{root}: git rev-parse failed: {exc.stderr.strip()}") from None
    path = Path(out.stdout.strip())
    return root, path if path.is_absolute() else root / path


def _script(saved: Path | None) -> str:
    chain = ""
    if saved is not None:
        chain = (f'if [ -x "{saved}" ]; then "{saved}" "$@" || exit $?; fi\n')
    return (f"#!/bin/sh\n{MARKER}: blocks staged secrets and private state.\n"
            f"# Remove with `si paas hook uninstall`.\n{chain}"
            f'exec "{sys.executable}" -m si_paas paas scan --staged\n')


def install(repo: str | None, force: bool) -> Result:
    """Install the hook; a foreign hook is kept aside (with --force) and still runs first."""
    root, path = hook_path(repo)
    saved: Path | None = None
    if path.exists():
        current = path.read_text(errors="replace")
        if MARKER in current:
            saved_path = path.with_name(path.name + BACKUP_SUFFIX)
            saved = saved_path if saved_path.exists() else None
            path.write_text(_script(saved))
            return Result({"repo": str(root), "hook": str(path), "installed": True,
                           "updated": True, "chained": str(saved) if saved else None})
        if not force:
            raise UsageError(f"{path} already exists and is not ours; pass --force to keep it "
                             f"aside as {path.name}{BACKUP_SUFFIX} and run it before si-paas")
        saved = path.with_name(path.name + BACKUP_SUFFIX)
        os.replace(path, saved)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_script(saved))
    path.chmod(0o755)
    return Result({"repo": str(root), "hook": str(path), "installed": True, "updated": False,
                   "chained": str(saved) if saved else None})


def uninstall(repo: str | None) -> Result:
    """Remove our hook and put back the one it kept aside, if any."""
    root, path = hook_path(repo)
    if not path.exists() or MARKER not in path.read_text(errors="replace"):
        raise UsageError(f"{path}: no si-paas hook installed")
    path.unlink()
    saved = path.with_name(path.name + BACKUP_SUFFIX)
    restored = None
    if saved.exists():
        os.replace(saved, path)
        restored = str(path)
    return Result({"repo": str(root), "hook": str(path), "installed": False,
                   "restored": restored})
