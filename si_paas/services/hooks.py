"""`si paas hook install|uninstall`: a native git pre-commit hook that runs `scan --staged`.

Our hook is recognised by its exact first two lines (`#!/bin/sh` and `HEADER`), never by a
string that merely occurs in it. What si-paas writes sits between `BEGIN` and `END`; every
other line belongs to the user and is kept when the hook is updated or uninstalled. No path
is pasted into the script unquoted: the interpreter is quoted with shlex and the saved
foreign hook is found next to the hook itself (`$0`), so the repository path never appears.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from si_paas.errors import InputError, UsageError
from si_paas.services.invocation import Result
from si_paas.services.pipeline import Call, command
from si_paas.snapshot.gitpaths import enclosing_worktree

SHEBANG = "#!/bin/sh"
HEADER = "# si-paas pre-commit hook: blocks staged secrets and private state (si paas hook install)"
BEGIN = "# >>> si-paas >>> managed block; lines outside it are yours and are kept"
END = "# <<< si-paas <<<"
BACKUP_SUFFIX = ".si-paas-saved"
HOOK_MODE = 0o755

# The hook the first release wrote (no block, no user lines): recognised only verbatim.
_LEGACY = re.compile(
    r"#!/bin/sh\n# si-paas pre-commit hook: blocks staged secrets and private state\.\n"
    r"# Remove with `si paas hook uninstall`\.\n"
    r'(if \[ -x "[^"\n]*" \]; then "[^"\n]*" "\$@" \|\| exit \$\?; fi\n)?'
    r'exec "[^"\n]*" -m si_paas paas scan --staged\n'
)


@dataclass(frozen=True)
class OurHook:
    """A hook we wrote, split into the user's lines before and after our block."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    legacy: bool = False

    @property
    def user_lines(self) -> int:
        return sum(1 for line in (*self.before, *self.after) if line.strip())


def hook_path(repo: str | None) -> tuple[Path, Path]:
    """(work tree, pre-commit hook path), honouring core.hooksPath."""
    root = enclosing_worktree(Path(repo or ".").expanduser())
    if root is None:
        raise UsageError(f"--repo {repo or '.'!r}: not inside a git repository")
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--git-path", "hooks/pre-commit"],
            check=True,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None
    except subprocess.CalledProcessError as exc:
        lines = exc.stderr.strip().splitlines()
        raise InputError(f"{root}: git rev-parse failed: {lines[-1] if lines else exc}") from None
    path = Path(out.stdout.rstrip("\n"))
    return root, path if path.is_absolute() else root / path


def block(chained: bool) -> list[str]:
    """Our lines: the saved foreign hook first (if any), then the staged scan."""
    lines = [BEGIN]
    if chained:
        lines += [
            'si_paas_saved="$(dirname -- "$0")/pre-commit' + BACKUP_SUFFIX + '"',
            'if [ -x "$si_paas_saved" ]; then "$si_paas_saved" "$@" || exit $?; fi',
        ]
    lines += [f"{shlex.quote(sys.executable)} -m si_paas paas scan --staged || exit $?", END]
    return lines


def parse(text: str) -> OurHook | None:
    """Our hook split around its block, or None when the hook is not ours."""
    if _LEGACY.fullmatch(text):
        return OurHook((), (), legacy=True)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if lines[:2] != [SHEBANG, HEADER] or lines.count(BEGIN) != 1 or lines.count(END) != 1:
        return None
    start, stop = lines.index(BEGIN), lines.index(END)
    if stop < start:
        return None
    return OurHook(tuple(lines[2:start]), tuple(lines[stop + 1 :]))


def render(hook: OurHook, chained: bool) -> str:
    """The whole script: header, the user's lines in place around a fresh block."""
    return "\n".join([SHEBANG, HEADER, *hook.before, *block(chained), *hook.after]) + "\n"


def _read(path: Path) -> str | None:
    """The hook's text, or None when there is none; anything but a regular file is refused."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None if not path.is_symlink() else ""
    except OSError as exc:
        raise InputError(f"{path}: cannot stat: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: not a regular file; remove it or point core.hooksPath elsewhere")
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _write(path: Path, text: str, mode: int = HOOK_MODE) -> None:
    """Replace the hook atomically (temp file, rename): a crash never leaves half a script."""
    target = Path(os.path.realpath(path))
    tmp = target.with_name(f".{target.name}.si-paas-tmp-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write the hook: {exc.strerror}") from None


def _payload(root: Path, path: Path, saved: Path | None, **extra: object) -> dict[str, object]:
    return {"repo": str(root), "hook": str(path), "chained": str(saved) if saved else None, **extra}


@command("hook install", context="none", gate="none")
def install(call: Call, repo: str | None, force: bool) -> Result:
    """Install or update the hook; a foreign hook is kept aside (with --force) and runs first.

    Updating our own hook rewrites only our block: the user's lines stay where they are.
    """
    root, path = hook_path(repo)
    saved_path = path.with_name(path.name + BACKUP_SUFFIX)
    current = _read(path)
    if current is not None:
        ours = parse(current)
        if ours is not None:
            saved = saved_path if saved_path.exists() else None
            mode = stat.S_IMODE(os.stat(path).st_mode) | 0o100
            _write(path, render(ours, saved is not None), mode)
            return Result(
                _payload(root, path, saved, installed=True, updated=True, kept_lines=ours.user_lines)
            )
        if not force:
            raise UsageError(
                f"{path} already exists and is not a si-paas hook; pass --force to "
                f"keep it aside as {saved_path.name} and run it before si-paas"
            )
        if saved_path.exists() or saved_path.is_symlink():
            raise UsageError(
                f"{saved_path} already exists: a hook is already kept aside there; "
                "move one of the two away first"
            )
        try:
            os.replace(path, saved_path)
        except OSError as exc:
            raise InputError(f"{path}: cannot move it aside: {exc.strerror}") from None
    saved = saved_path if current is not None else None
    _write(path, render(OurHook((), ()), saved is not None))
    return Result(_payload(root, path, saved, installed=True, updated=False, kept_lines=0))


@command("hook uninstall", context="none", gate="none")
def uninstall(call: Call, repo: str | None, force: bool = False) -> Result:
    """Remove our block; the user's lines stay as a hook, or the hook kept aside comes back."""
    root, path = hook_path(repo)
    current = _read(path)
    ours = parse(current) if current is not None else None
    if ours is None:
        what = "no hook" if current is None else "a hook that is not si-paas's"
        raise UsageError(f"{path}: no si-paas hook installed ({what} is there)")
    saved = path.with_name(path.name + BACKUP_SUFFIX)
    has_saved = saved.exists()
    if ours.user_lines and has_saved and not force:
        raise UsageError(
            f"{path} holds {ours.user_lines} line(s) you added, and restoring "
            f"{saved.name} would replace them; move them into {saved.name} or "
            "pass --force to drop them"
        )
    restored = None
    kept = 0
    if ours.user_lines and not has_saved:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        _write(path, "\n".join([SHEBANG, *ours.before, *ours.after]) + "\n", mode)
        kept = ours.user_lines
    else:
        try:
            path.unlink()
            if has_saved:
                os.replace(saved, path)
                restored = str(path)
        except OSError as exc:
            raise InputError(f"{path}: cannot remove the hook: {exc.strerror}") from None
    return Result(
        {"repo": str(root), "hook": str(path), "installed": False, "restored": restored, "kept_lines": kept}
    )
