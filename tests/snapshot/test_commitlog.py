"""The per-commit log cache: a history listed from it is the listing of one `git log`.

Each test builds a real repository and compares `HistorySnapshot.files` (path, blob, first
and last commit, date and ordinal of every entry, in order) with the same listing parsed
from one `git log --reverse` over the whole history, as it was made before the cache, with
the cache cold, warm, refused and off.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from si_paas import diskcache
from si_paas.snapshot.commitlog import LOG_ARGS, _cacheable
from si_paas.snapshot.gitobjects import HistorySnapshot
from si_paas.snapshot.worktree import RepoFile

DATE = "2026-01-01T00:00:00+00:00"  # every commit at one time: only the walk orders them


def _git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    ).stdout


def _commit(root: Path, message: str, files: dict[str, str], *, drop: tuple[str, ...] = ()) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for name in drop:
        _git(root, "rm", "-q", name)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "--allow-empty", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Branches, a merge, a deletion-only and an empty commit, a symlink, equal dates."""
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_DATE", DATE)
        monkeypatch.setenv(f"GIT_{key}_NAME", "t")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "t@example.test")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _commit(root, "one", {"a.txt": "a\n", "src/m.py": "X = 1\n"})
    _git(root, "checkout", "-q", "-b", "side")
    _commit(root, "side", {"b.txt": "b\n", "src/m.py": "X = 2\n"})
    _git(root, "checkout", "-q", "main")
    _commit(root, "three", {"c.txt": "c\n", "src/m.py": "X = 1\n"})
    _commit(root, "delete", {}, drop=("a.txt",))
    _commit(root, "empty", {})
    _git(root, "merge", "-q", "--no-edit", "side")
    os.symlink("c.txt", root / "link")
    _commit(root, "link", {"a.txt": "a again\n"})
    return root


def _one_log(root: Path, rev_range: tuple[str, ...]) -> tuple[RepoFile, ...]:
    """The listing as one `git log --reverse` over the history gives it (the parse the
    history snapshot made before the commit log was kept)."""
    out = subprocess.run(
        ["git", "-C", str(root), "log", *rev_range, *LOG_ARGS, "--reverse"], check=True, capture_output=True
    ).stdout.decode("utf-8", "surrogateescape")
    tokens = [t for t in out.split("\0") if t]
    seen: dict[tuple[str, str], dict[str, str]] = {}
    commit, date, ordinal, i = "", "", 0, 0
    while i < len(tokens):
        token = tokens[i]
        if token == "\n":
            i += 1
            continue
        if token.startswith("\x01"):
            commit, date, i = token[1:], tokens[i + 1], i + 2
            ordinal += 1
            continue
        parts = token.lstrip("\n")[1:].split(" ")
        mode, sha, path, i = parts[1], parts[3], tokens[i + 1], i + 2
        if mode in ("160000", "120000") or sha == "0" * 40:
            continue
        meta = seen.setdefault(
            (path, sha), {"first_commit": commit, "first_date": date, "first_ordinal": str(ordinal)}
        )
        meta.update(last_commit=commit, last_date=date, last_ordinal=str(ordinal))
    return tuple(
        RepoFile(path, "history", blob=sha, info=tuple(sorted(meta.items())))
        for (path, sha), meta in seen.items()
    )


def _listing(root: Path, rev_range: tuple[str, ...] = ("--all",)) -> tuple[RepoFile, ...]:
    return HistorySnapshot(root, rev_range=rev_range).files


def _log_file(root: Path) -> Path:
    folder = diskcache.repo_folder(root)
    assert folder is not None
    return folder / "commits-v1.log"


def _traced(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[RepoFile, ...], str]:
    trace = tmp_path / f"trace-{len(list(tmp_path.glob('trace-*')))}.txt"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    try:
        listed = _listing(root)
    finally:
        monkeypatch.delenv("GIT_TRACE")
    return listed, trace.read_text()


def test_cold_warm_and_uncached_listings_are_the_one_log_listing(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for rev_range in (("--all",), ("HEAD",), ("HEAD~2..HEAD",)):
        expected = _one_log(repo, rev_range)
        assert expected and _listing(repo, rev_range) == expected  # cold
        assert _listing(repo, rev_range) == expected  # warm
    assert _log_file(repo).is_file()
    cold, ran = _traced(repo, tmp_path, monkeypatch)
    assert cold == _one_log(repo, ("--all",))
    assert "git rev-list --reverse --all" in ran and " git log " not in ran, ran
    monkeypatch.setenv("SI_PAAS_NO_CACHE", "1")
    assert _listing(repo) == _one_log(repo, ("--all",))
    # Ordinals count only the commits git log shows: the merge, deletion and empty
    # commit take none, and the side branch's commit sorts where the walk puts it.
    numbers = {int(dict(f.info)["last_ordinal"]) for f in cold}
    assert numbers == set(range(1, 5))


def test_new_and_rewritten_commits_are_asked_of_git_alone(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _listing(repo)
    _commit(repo, "late", {"late.txt": "late\n"})
    late = _git(repo, "rev-parse", "HEAD").strip()
    assert _listing(repo) == _one_log(repo, ("--all",))  # late is kept now
    _git(repo, "commit", "-q", "--amend", "-m", "late, amended")
    _git(repo, "checkout", "-q", "-b", "rewritten", "HEAD~3")
    _commit(repo, "rewritten", {"c.txt": "rewritten\n"})
    listed, ran = _traced(repo, tmp_path, monkeypatch)
    assert listed == _one_log(repo, ("--all",))
    asked = [line for line in ran.splitlines() if " git log " in line]
    assert len(asked) == 1 and "--no-walk=unsorted --stdin" in asked[0], ran
    kept = json.loads(_log_file(repo).read_bytes().partition(b"\n")[2])["commits"]
    assert set(kept) == set(_git(repo, "rev-list", "--all").split())
    assert late not in kept  # amended away: no longer reachable, no longer kept


def test_a_damaged_or_tampered_log_is_refused_and_rebuilt(repo: Path) -> None:
    expected = _one_log(repo, ("--all",))
    _listing(repo)
    path = _log_file(repo)
    good = path.read_bytes()
    head, _, body = good.partition(b"\n")
    forged = body.replace(b"c.txt", b"forged.txt")
    assert forged != body
    damaged = [
        b"",
        b"not a cache",
        good[: len(good) // 2],
        head + b"\n" + forged,  # a path changed, the digest not: refused
        head.replace(head[-8:], b"0" * 8) + b"\n" + body,
        good + b"x",
    ]
    for data in damaged:
        path.write_bytes(data)
        listed = _listing(repo)
        assert listed == expected
        assert all(f.relpath != "forged.txt" for f in listed)
        assert path.read_bytes() == good  # listed afresh and written again


def test_a_sealed_log_of_the_wrong_shape_is_refused(repo: Path) -> None:
    expected = _one_log(repo, ("--all",))
    _listing(repo)
    folder = _log_file(repo).parent
    commit = _git(repo, "rev-parse", "HEAD").strip()
    for doc in ({"commits": []}, {"commits": {commit: [1, []]}}, {"commits": {commit: ["d", [["x"]]]}}, []):
        diskcache.write_sealed(folder, "commits-v1.log", doc)
        assert _listing(repo) == expected


def test_a_log_others_may_write_is_ignored(repo: Path) -> None:
    _listing(repo)
    path = _log_file(repo)
    head, _, body = path.read_bytes().partition(b"\n")
    forged = body.replace(b"c.txt", b"forged.txt")
    resealed = head[:-64] + hashlib.sha256(forged).hexdigest().encode() + b"\n" + forged
    path.write_bytes(resealed)
    assert any(f.relpath == "forged.txt" for f in _listing(repo))  # a sealed file is trusted...
    path.write_bytes(resealed)
    path.chmod(0o666)
    assert all(f.relpath != "forged.txt" for f in _listing(repo))  # ...unless others may write it
    target = path.parent / "target"
    target.write_bytes(resealed)
    target.chmod(0o600)
    path.unlink()
    path.symlink_to(target)
    assert all(f.relpath != "forged.txt" for f in _listing(repo))  # a link is not followed
    assert path.is_file() and not path.is_symlink()
    if os.getuid() == 0:  # a file of another user
        path.write_bytes(resealed)
        os.chown(path, 65534, 65534)
        assert all(f.relpath != "forged.txt" for f in _listing(repo))


def test_a_shallow_clone_is_listed_afresh_and_not_kept(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    _git(tmp_path, "clone", "-q", "--depth", "2", "--no-single-branch", f"file://{repo}", str(clone))
    assert _git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    shallow = _one_log(clone, ("--all",))
    assert _listing(clone) == shallow
    assert not _log_file(clone).exists()
    _git(clone, "fetch", "-q", "--unshallow")
    deep = _one_log(clone, ("--all",))
    assert deep != shallow  # the boundary commits' diffs are their own again
    assert _listing(clone) == deep
    assert _log_file(clone).is_file()


def test_replace_refs_and_grafts_turn_the_log_off(repo: Path) -> None:
    _listing(repo)
    path = _log_file(repo)
    path.unlink()
    old, new = _git(repo, "rev-parse", "HEAD~1", "side").split()
    _git(repo, "replace", old, new)
    replaced = _one_log(repo, ("--all",))
    assert _listing(repo) == replaced and not path.exists()
    _git(repo, "replace", "-d", old)
    grafts = Path(_git(repo, "rev-parse", "--git-common-dir").strip())
    grafts = (grafts if grafts.is_absolute() else repo / grafts) / "info" / "grafts"
    grafts.parent.mkdir(exist_ok=True)
    grafts.write_text(f"{old}\n")
    assert _listing(repo) == _one_log(repo, ("--all",)) and not path.exists()
    grafts.unlink()
    assert _listing(repo) == _one_log(repo, ("--all",)) and path.is_file()


def test_only_a_whole_probe_answer_of_a_deep_repository_keeps_the_log(repo: Path) -> None:
    """The probe's answer as `git rev-parse` gives it keeps the log; a short, shallow or
    replaced answer (an old or odd git) turns it off, never an error."""
    common = _git(repo, "rev-parse", "--git-common-dir").strip()
    assert _cacheable(repo, f"false\n{common}\n".encode())
    for answer in (
        b"",
        b"false\n",
        b"false\n\n",
        f"true\n{common}\n".encode(),
        f"--is-shallow-repository\n{common}\n".encode(),
        f"false\n{common}\nrefs/replace/{'0' * 40}\n".encode(),
    ):
        assert not _cacheable(repo, answer), answer


def test_the_log_holds_ids_dates_and_paths_only_and_is_the_users(repo: Path) -> None:
    _commit(repo, "token", {"deploy.env": "API_TOKEN=Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5G0001\n"})
    _listing(repo)
    path = _log_file(repo)
    assert b"Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5G0001" not in path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert not list(repo.rglob("commits-v1.log"))
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_paths_that_are_not_utf8_or_hold_newlines_come_back_whole(repo: Path) -> None:
    odd = [os.fsdecode(b"caf\xe9.txt"), "new\nline.txt", " lead and trail "]
    for name in odd:
        (repo / name).write_text(f"{name!r}\n")
    _commit(repo, "odd names", {})
    expected = _one_log(repo, ("--all",))
    assert set(odd) <= {f.relpath for f in expected}
    assert _listing(repo) == expected  # cold: kept with escapes
    assert _listing(repo) == expected  # warm: read back the same
