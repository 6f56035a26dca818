"""What each commit introduces, kept between runs so an unchanged history lists no diff again.

A history snapshot needs, per commit in walk order, its author date and the (mode, blob,
path) entries of `git log --raw --diff-filter=ACMR --no-renames`. Given a commit id, both
are fixed (the id pins the tree, the parents and the dates), so they are kept per commit in
one file per repository under the user's cache folder (`diskcache.repo_folder`, beside the
judged blobs; never in the repository). A run lists the commits with `git rev-list
--reverse` and asks `git log --no-walk --stdin` only for those not kept yet.

The file is written atomically, 0600, behind a SHA-256 of its content; it is ignored (and
rebuilt) when damaged, not the user's or writable by others. It holds commit and blob ids,
dates and paths, never file content. A shallow repository (a boundary commit's parents are
missing, so its diff is not its own) and one with replace refs or grafts (an id no longer
names what git shows) are listed afresh, and nothing is kept for them.
`SI_PAAS_NO_CACHE=1` turns it off with the rest of the cache.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from si_paas import diskcache
from si_paas.errors import InputError
from si_paas.snapshot.gitrun import git_failure, git_output, raw_entry

# One commit's record: (author date, its (mode, blob, path) entries); None when git log
# shows nothing for it (no added, copied, modified or renamed file: a merge, a deletion).
Record = tuple[str, tuple[tuple[str, str, str], ...]] | None

LOG_ARGS = (
    "--format=%x01%H%x00%aI",
    "--raw",
    "-z",
    "--no-abbrev",
    "--diff-filter=ACMR",
    "--no-renames",
)
_NAME = "commits-v1.log"


def _env() -> dict[str, str]:
    """The environment with git's output fully buffered: on a pipe git otherwise flushes
    every commit, one write (and one wake-up of the reader) per line."""
    return {**os.environ, "GIT_FLUSH": "0"}


def _git(root: Path, args: Sequence[str], text: str | None = None) -> bytes:
    return git_output(root, args, text, env=_env())


def parse_log(out: bytes) -> dict[str, Record]:
    """The record of each commit in the output of `git log LOG_ARGS`."""
    tokens = [t for t in out.decode("utf-8", "surrogateescape").split("\0") if t]
    records: dict[str, Record] = {}
    entries: list[tuple[str, str, str]] = []
    commit, date, i = "", "", 0
    while i < len(tokens):
        token = tokens[i]
        if token == "\n":  # the separator after a commit's header; a path "\n" is
            i += 1  # consumed with its entry below, never seen here
            continue
        if token.startswith("\x01"):
            if commit:
                records[commit] = (date, tuple(entries))
            commit, date, entries, i = token[1:], tokens[i + 1], [], i + 2
            continue
        mode, sha, path, i = raw_entry(tokens, i)
        entries.append((mode, sha, path))
    if commit:
        records[commit] = (date, tuple(entries))
    return records


def _start(root: Path, args: Sequence[str]) -> subprocess.Popen[bytes]:
    try:
        pipe = subprocess.PIPE
        return subprocess.Popen(["git", "-C", str(root), *args], stdout=pipe, stderr=pipe, env=_env())
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None


def _finish(root: Path, proc: subprocess.Popen[bytes]) -> bytes:
    """The output of a git started by `_start`; InputError when it failed."""
    out, err = proc.communicate()
    if proc.returncode:
        command = proc.args[3] if isinstance(proc.args, list) else "git"
        raise git_failure(root, command, err, proc.returncode)
    return out


# One probe: "true"/"false" (shallow), the common git folder, then any replace refs.
_PROBE = (
    "rev-parse",
    "--is-shallow-repository",
    "--git-common-dir",
    "--symbolic-full-name",
    "--glob=refs/replace/*",
)


def _cacheable(root: Path, probe: bytes) -> bool:
    """True when commit ids pin what git log shows: not shallow, no replace refs, no grafts
    (`probe`: the output of _PROBE)."""
    lines = probe.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 2 or lines[0].strip() != "false" or not lines[1].strip():
        return False  # shallow, or an answer this probe does not know
    if any(r.strip() for r in lines[2:]):  # replace refs
        return False
    common_dir = Path(lines[1].strip())
    if not common_dir.is_absolute():
        common_dir = root / common_dir
    return not (common_dir / "info" / "grafts").exists()


def _load(folder: Path) -> dict[str, Record]:
    """The kept records, or none when the file is missing, damaged or not to be trusted.

    A commit is kept as 0 (git log shows nothing for it) or [date, its entries' fields
    joined by NUL, which no path holds]."""
    doc = diskcache.read_sealed(folder, _NAME)
    if not isinstance(doc, dict) or doc.get("args") != list(LOG_ARGS):  # made by another listing
        return {}
    kept = doc.get("commits")
    if not isinstance(kept, dict):
        return {}
    records: dict[str, Record] = {}
    for commit, item in kept.items():
        if item == 0:
            records[commit] = None
            continue
        if not (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], str)
        ):
            return {}
        fields = item[1].split("\0") if item[1] else []
        if len(fields) % 3:
            return {}
        records[commit] = (item[0], tuple(zip(fields[0::3], fields[1::3], fields[2::3], strict=True)))
    return records


def _save(folder: Path, records: dict[str, Record]) -> None:
    kept = {c: 0 if r is None else [r[0], "\0".join(x for e in r[1] for x in e)] for c, r in records.items()}
    diskcache.write_sealed(folder, _NAME, {"args": list(LOG_ARGS), "commits": kept})


def _ask_git(root: Path, commits: Sequence[str]) -> dict[str, Record]:
    """The record of each of `commits` from one `git log --no-walk --stdin` (None: not
    shown)."""
    out = _git(root, ["log", "--no-walk=unsorted", "--stdin", *LOG_ARGS], "".join(f"{c}\n" for c in commits))
    found = parse_log(out)
    return {c: found.get(c) for c in commits}


def history(root: Path, rev_range: Sequence[str]) -> list[tuple[str, Record]]:
    """(commit id, record) of every commit of `rev_range`, oldest first, in the order of
    `git log --reverse`: kept records where there are, git log for the others.

    The listing and the probe of `_cacheable` run side by side while the kept file loads.
    """
    rev_range = tuple(rev_range) or ("HEAD",)  # as `git log` with no revision reads HEAD
    folder = diskcache.repo_folder(root)
    if os.environ.get("GIT_REPLACE_REF_BASE") or os.environ.get("GIT_GRAFT_FILE"):
        folder = None
    started = [_start(root, ["rev-list", "--reverse", *rev_range])]
    try:
        if folder is not None:
            started.append(_start(root, _PROBE))
        kept = _load(folder) if folder is not None else {}
        outputs = [_finish(root, proc) for proc in started]
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    order = outputs[0].decode("ascii", "replace").split()
    if folder is not None and not _cacheable(root, outputs[1]):
        folder, kept = None, {}
    missing = [c for c in order if c not in kept]
    if missing:
        kept.update(_ask_git(root, missing))
        if folder is not None:
            listed = set(order)
            # An --all listing holds every commit still reachable; a range keeps the rest.
            _save(folder, {c: r for c, r in kept.items() if c in listed} if "--all" in rev_range else kept)
    return [(c, kept[c]) for c in order]
