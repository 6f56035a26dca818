"""Running git for the snapshots: one runner, one failure line, one `--raw -z` entry reader."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from si_paas.errors import InputError


def git_failure(root: Path, command: str, stderr: bytes, fallback: object) -> InputError:
    """The one line a failed `git COMMAND` in `root` is reported as: git's last line of
    stderr, else `fallback` (the exit status or the exception)."""
    lines = stderr.decode(errors="replace").strip().splitlines()
    return InputError(f"{root}: git {command} failed: {lines[-1] if lines else fallback}")


def git_output(
    root: Path, args: Sequence[str], text: str | None = None, env: Mapping[str, str] | None = None
) -> bytes:
    """What `git -C root ARGS` prints (`text` on its stdin, `env` its environment); a
    missing git or a failing command is one InputError line naming the git command."""
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            check=True,
            capture_output=True,
            input=None if text is None else text.encode(),
            env=None if env is None else dict(env),
        ).stdout
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None
    except subprocess.CalledProcessError as exc:
        raise git_failure(root, args[0], exc.stderr, exc) from None


def raw_entry(tokens: list[str], start: int) -> tuple[str, str, str, int]:
    """One `--raw -z` entry at tokens[start]: (new mode, new sha, path, next index)."""
    header = tokens[start].lstrip("\n")
    parts = header[1:].split(" ")
    return parts[1], parts[3], tokens[start + 1], start + 2
