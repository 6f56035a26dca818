"""Which git work tree, if any, holds a path: judged after realpath, walking up to /.

Two kinds of work tree hold a path:

- an ordinary one: some ancestor of the real path has a `.git` entry;
- an external one, whose git directory lives elsewhere: a "dotfiles" repository such as
  `~/.dotfiles` used as `git --git-dir=~/.dotfiles --work-tree=~` (bare, or with
  `core.worktree`), yadm and vcsh repositories, and `GIT_WORK_TREE`/`GIT_DIR` in the
  environment. Nothing in the work tree points at these, so they are looked for by name
  in every ancestor of the path and in `$HOME`.

A work tree that spans a whole home folder holds everything in it; there, a path the
repository ignores (its `info/exclude` or `.gitignore`) with nothing under it tracked is
not counted, since `git add` then refuses it without `-f`.
"""

from __future__ import annotations

import functools
import os
import stat
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from si_paas.records import record

# Git directories that dotfiles tools and tutorials keep beside the files they track.
DOTFILES_GIT_DIRS = (
    ".dotfiles",
    ".dotfiles.git",
    ".cfg",
    ".cfg.git",
    ".dots",
    ".dots.git",
    ".myconf",
    ".config/yadm/repo.git",
    ".local/share/yadm/repo.git",
)
VCSH_REPOS = ".config/vcsh/repo.d"
_GIT_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_CEILING_DIRECTORIES",
)
MAX_WALK_ENTRIES = 50_000


def real(path: Path | str) -> Path:
    """realpath of `path`, resolving the longest existing prefix (the rest need not exist)."""
    return Path(os.path.realpath(os.fspath(path)))


def enclosing_worktree(path: Path | str) -> Path | None:
    """The top of the ordinary git work tree that contains `path` (after realpath), or None."""
    probe = real(path)
    for candidate in (probe, *probe.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def repository_top(path: Path | str) -> Path | None:
    """The top of the git work tree `git` itself would find from `path`, or None.

    Walks up from the real path to the first folder whose `.git` is a git directory, or a
    `gitdir:` file naming one (a linked worktree or a submodule); a `.git` that is neither
    is passed over, as git does.
    """
    probe = real(path)
    for candidate in (probe, *probe.parents):
        dot = candidate / ".git"
        if os.path.isdir(dot):
            if _is_git_dir(dot):
                return candidate
        elif os.path.isfile(dot) and _gitdir_file_target(dot) is not None:
            return candidate
    return None


def _gitdir_file_target(dot: Path) -> Path | None:
    try:
        with open(dot, "rb") as handle:
            first = handle.read(4096).split(b"\n", 1)[0].strip()
    except OSError:
        return None
    if not first.startswith(b"gitdir:"):
        return None
    target = Path(os.fsdecode(first[len(b"gitdir:") :].strip()))
    target = target if target.is_absolute() else dot.parent / target
    # A linked worktree's git directory holds HEAD and a `commondir` file, not objects/.
    linked = (target / "HEAD").is_file() and (target / "commondir").is_file()
    return target if linked or _is_git_dir(target) else None


def is_within(path: Path, root: Path) -> bool:
    """True when `path` is `root` or below it (both already real)."""
    return path == root or root in path.parents


@record(frozen=True)
class ExternalWorktree:
    """A work tree whose git directory is not a `.git` entry inside it."""

    worktree: Path
    git_dir: Path | None
    how: str  # what makes it one, for messages: "bare repository ~/.cfg", "GIT_WORK_TREE"


@record(frozen=True)
class Holder:
    """The work tree that holds a path, and, for an external one, how it was found."""

    top: Path
    external: ExternalWorktree | None = None

    def describe(self) -> str:
        """`/repo`, or `/home/u (bare repository /home/u/.cfg used with --work-tree)`."""
        return f"{self.top} ({self.external.how})" if self.external else str(self.top)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _GIT_ENV}


def _git(*args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, env=_clean_env(), timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def _is_git_dir(path: Path) -> bool:
    try:
        return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()
    except OSError:
        return False


def _config(git_dir: Path, key: str) -> str | None:
    done = _git("config", "--file", str(git_dir / "config"), "--includes", "--get", key)
    value = done.stdout.strip() if done is not None and done.returncode == 0 else ""
    return value or None


@functools.lru_cache(maxsize=512)
def _external_at(folder: Path) -> tuple[ExternalWorktree, ...]:
    """Dotfiles-style repositories kept in `folder`, with the work trees they use."""
    names = list(DOTFILES_GIT_DIRS)
    vcsh = folder / VCSH_REPOS
    try:
        if vcsh.is_dir():
            names += sorted(f"{VCSH_REPOS}/{n}" for n in os.listdir(vcsh) if n.endswith(".git"))
    except OSError:
        pass
    found = []
    for name in names:
        candidate = folder / name
        if _is_git_dir(candidate):
            git_dir, bare_style = candidate, True
        elif _is_git_dir(candidate / ".git"):
            git_dir, bare_style = candidate / ".git", False
        else:
            continue
        configured = _config(git_dir, "core.worktree")
        if configured:
            tree = real(git_dir / os.path.expanduser(configured))
            how = f"core.worktree of {git_dir}"
        elif bare_style:  # the convention: `git --git-dir=FOLDER/NAME --work-tree=FOLDER`
            tree = real(folder)
            how = f"bare repository {git_dir} used with --work-tree"
        else:
            continue  # an ordinary clone is its own work tree, found by walking up
        found.append(ExternalWorktree(tree, real(git_dir), how))
    return tuple(found)


def external_worktrees(path: Path | str, env: Mapping[str, str] | None = None) -> list[ExternalWorktree]:
    """External work trees that could hold `path`: dotfiles repositories in its ancestors
    and in $HOME, and the work tree `GIT_WORK_TREE`/`GIT_DIR` name in `env`."""
    env = os.environ if env is None else env
    probe = real(path)
    folders = [*probe.parents] if probe != Path(probe.anchor) else []
    if os.path.isdir(probe):
        folders.insert(0, probe)
    home = env.get("HOME")
    if home and os.path.isdir(home):
        folders.append(real(home))
    out: dict[tuple[Path, Path | None], ExternalWorktree] = {}
    for folder in dict.fromkeys(folders):
        for ext in _external_at(folder):
            out.setdefault((ext.worktree, ext.git_dir), ext)
    git_dir = env.get("GIT_DIR")
    tree = env.get("GIT_WORK_TREE")
    if tree:
        ext = ExternalWorktree(real(tree), real(git_dir) if git_dir else None, "GIT_WORK_TREE")
        out.setdefault((ext.worktree, ext.git_dir), ext)
    elif git_dir and _is_git_dir(real(git_dir)):
        configured = _config(real(git_dir), "core.worktree")
        if configured:
            ext = ExternalWorktree(
                real(real(git_dir) / configured), real(git_dir), "core.worktree of $GIT_DIR"
            )
            out.setdefault((ext.worktree, ext.git_dir), ext)
    return list(out.values())


@functools.lru_cache(maxsize=512)
def _ignored_and_untracked(ext: ExternalWorktree, path: Path) -> bool:
    """True when the repository ignores `path` and tracks nothing under it."""
    if ext.git_dir is None:
        return False
    base = ("--git-dir", str(ext.git_dir), "--work-tree", str(ext.worktree))
    ignored = _git(*base, "check-ignore", "-q", "--", str(path))
    if ignored is None or ignored.returncode != 0:
        return False
    tracked = _git(*base, "ls-files", "-z", "--", str(path))
    return tracked is not None and tracked.returncode == 0 and not tracked.stdout


def holding_worktree(path: Path | str, env: Mapping[str, str] | None = None) -> Holder | None:
    """The work tree, ordinary or external, that holds `path` after realpath, or None."""
    top = enclosing_worktree(path)
    if top is not None:
        return Holder(top)
    probe = real(path)
    for ext in external_worktrees(probe, env):
        if is_within(probe, ext.worktree) and not _ignored_and_untracked(ext, probe):
            return Holder(ext.worktree, ext)
    return None


def symlinks_under(root: Path, limit: int = MAX_WALK_ENTRIES) -> Iterator[tuple[Path, Path]]:
    """(link, real target) of every symlink under `root`, following linked folders once.

    A folder reached through a link is walked too (each real folder once), so a link
    anywhere below `root` is seen; at most `limit` entries are looked at.
    """
    from si_paas.walk import MAX_DEPTH

    seen: set[tuple[int, int]] = set()
    stack = [(root, 0)]
    budget = limit
    while stack and budget > 0:
        folder, depth = stack.pop()
        try:  # each real folder once, by identity (a realpath per folder is quadratic in depth)
            st = os.stat(folder)
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            budget -= 1
            if budget < 0:
                return
            entry = folder / name
            try:
                st = os.lstat(entry)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                target = real(entry)
                yield entry, target
                if os.path.isdir(target) and depth < MAX_DEPTH:
                    stack.append((entry, depth + 1))
            elif stat.S_ISDIR(st.st_mode) and depth < MAX_DEPTH:  # deeper: counted by `walk`
                stack.append((entry, depth + 1))


def check_history(root: Path, since: str | None) -> None:
    """Raise one clear UsageError when `scan --history` (HEAD, or `--since` ..HEAD) has
    nothing it can read in `root`: a repository without commits, or a `--since` that names
    no commit."""
    from si_paas.errors import InputError, UsageError

    def verify(rev: str) -> bool:
        done = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{rev}^{{commit}}",
            ],
            capture_output=True,
            env=_clean_env(),
            timeout=60,
            check=False,
        )
        return done.returncode == 0

    try:
        if not verify("HEAD"):
            raise UsageError(
                f"--history: {root} has no commits yet (HEAD names no commit); "
                "commit first, or judge the work tree with `si paas scan`"
            )
        if since is not None and (since.startswith("-") or not verify(since)):
            raise UsageError(
                f"--since {since!r}: names no commit in {root} "
                "(give a commit, tag or branch, e.g. --since origin/main)"
            )
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"{root}: git rev-parse did not answer within 60 s") from None
