"""The judged-blob cache of history scans, in process: kept, refused and renamed on a real disk."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from si_paas import diskcache
from si_paas.engine import judged
from si_paas.engine.judged import BINARY, JudgedBlobs
from si_paas.findings import Finding
from si_paas.snapshot.gitobjects import HistorySnapshot
from si_paas.snapshot.worktree import RepoFile

pytestmark = pytest.mark.own_cache  # each test looks at its own cache folder

PACK = "pack-digest-1"
CAP = 1024


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real repository of three committed files."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.env").write_text("API_TOKEN=x\n")
    (root / "logo.bin").write_bytes(b"\0\1\2")
    (root / "notes.txt").write_text("plain\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(
            ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid", "-C", str(root), *args],
            check=True,
            capture_output=True,
        )
    return root


def _files(repo: Path) -> dict[str, RepoFile]:
    return {f.relpath: f for f in HistorySnapshot(root=repo).files}


def _finding(n: int) -> Finding:
    return Finding(
        rule="generic-token",
        message="a token",
        path="a.env",
        line=n,
        column=11,
        excerpt="API_TOKEN=[redacted]",
        fingerprint=f"fp{n}",
        severity="high",
        confidence="medium",
        extra={"tag": "t1"},
    )


def _open(repo: Path, pack: str = PACK, cap: int = CAP, explain: bool = False) -> JudgedBlobs:
    return JudgedBlobs.open(repo, pack, cap, explain=explain)


def _kept(repo: Path) -> list[str]:
    """The repository's cache files, but the commit log the listing of its history keeps."""
    folder = diskcache.repo_folder(repo)
    assert folder is not None
    return sorted(n for n in os.listdir(folder) if n != "commits-v1.log") if folder.is_dir() else []


def test_what_is_put_and_saved_is_served_on_reopen(repo: Path) -> None:
    files = _files(repo)
    cache = _open(repo)
    assert cache.get(files["a.env"]) == (False, None)
    cache.put(files["a.env"], [_finding(1), _finding(2)])
    cache.put(files["logo.bin"], None)
    cache.put(files["notes.txt"], [], plain_head=True)
    cache.save()
    again = _open(repo)
    assert again.name == cache.name and _kept(repo) == [cache.name]
    assert again.get(files["a.env"]) == (True, [_finding(1), _finding(2)])
    assert again.get(files["logo.bin"]) == (True, None)
    assert again.get(files["notes.txt"]) == (True, [])
    assert again.plain_heads == {files["notes.txt"].blob}
    moved = RepoFile("b.env", "history", blob=files["a.env"].blob)  # same bytes, other path
    assert again.get(moved) == (False, None)


def test_nothing_put_writes_nothing(repo: Path) -> None:
    _open(repo).save()
    assert _kept(repo) == []
    cache = _open(repo)
    cache.put(RepoFile("x", "staged"), [])  # no blob id: nothing to key it by
    cache.save()
    assert _kept(repo) == []


def test_caching_off_keeps_nothing_and_never_fails(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files(repo)
    monkeypatch.setenv("SI_PAAS_CACHE_DIR", str(tmp_path / "off"))
    monkeypatch.setenv("SI_PAAS_NO_CACHE", "1")
    cache = _open(repo)
    assert cache.folder is None
    cache.put(files["a.env"], [_finding(1)])
    cache.save()
    assert not (tmp_path / "off").exists()


def test_each_input_of_the_judgement_names_its_own_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(repo)
    cache = _open(repo)
    cache.put(files["a.env"], [_finding(1)])
    cache.save()
    names = {cache.name}
    for other in (
        _open(repo, pack="pack-digest-2"),
        _open(repo, cap=CAP + 1),
        _open(repo, explain=True),
    ):
        assert other.get(files["a.env"]) == (False, None)
        names.add(other.name)
    monkeypatch.setenv("SI_PAAS_FINGERPRINT_KEY", "b3RoZXIta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXMhISE=")
    rekeyed = _open(repo)
    assert rekeyed.get(files["a.env"]) == (False, None)  # fingerprints of another key
    names.add(rekeyed.name)
    assert len(names) == 5


def _package(root: Path) -> Path:
    """A copy of the layout of the code a judgement depends on (sizes and mtimes only)."""
    for rel in (
        "detect/scanner.py",
        "detect/filters.py",
        "findings.py",
        "secretwords.py",
        "engine/judged.py",
        "engine/checks/secrets.py",
        "other.py",
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x = 1\n")
    return root / "engine" / "judged.py"


def test_a_change_to_the_detection_code_names_a_new_file(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg"
    monkeypatch.setattr(judged, "__file__", str(_package(package)))
    first = _open(repo).name
    assert _open(repo).name == first
    with open(package / "other.py", "a") as fh:  # not detection code
        fh.write("y = 2\n")
    assert _open(repo).name == first
    seen = {first}
    for rel in ("detect/filters.py", "findings.py", "engine/checks/secrets.py"):
        with open(package / rel, "a") as fh:
            fh.write("y = 2\n")
        name = _open(repo).name
        assert name not in seen, rel
        seen.add(name)


def test_a_cache_in_a_folder_others_may_write_or_own_is_not_read(repo: Path) -> None:
    files = _files(repo)
    cache = _open(repo)
    cache.put(files["a.env"], [_finding(1)])
    cache.save()
    folder = cache.folder
    assert folder is not None
    folder.chmod(0o777)
    assert _open(repo).get(files["a.env"]) == (False, None)
    folder.chmod(0o700)
    assert _open(repo).get(files["a.env"]) == (True, [_finding(1)])
    if os.getuid() == 0:
        os.chown(folder, 4242, 4242)
        assert _open(repo).get(files["a.env"]) == (False, None)


@pytest.mark.parametrize(
    ("text", "entries", "plain"),
    [
        ("{not json", {}, set()),
        ("[1, 2]", {}, set()),
        ('{"plain_heads": ["b1"]}', {}, set()),
        ('{"blobs": ["b1"], "plain_heads": ["b1"]}', {}, set()),
        ('{"blobs": {"k": "binary"}, "plain_heads": "b1"}', {"k": BINARY}, set()),
        ('{"blobs": {}, "plain_heads": ["b1", 7, null]}', {}, {"b1"}),
        ("[" * 100000, {}, set()),
    ],
)
def test_a_damaged_cache_file_is_skipped(
    repo: Path, text: str, entries: dict[str, object], plain: set[str]
) -> None:
    cache = _open(repo)
    assert cache.folder is not None
    cache.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (cache.folder / cache.name).write_text(text)
    again = _open(repo)
    assert again.entries == entries and again.plain_heads == plain


def test_an_entry_that_is_not_a_finding_is_judged_again(repo: Path) -> None:
    files = _files(repo)
    f = files["a.env"]
    cache = _open(repo)
    assert cache.folder is not None
    cache.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    blobs = {f"{f.blob}\0{f.relpath}": [{"rule": "r", "message": "m", "secret": "forged"}]}
    (cache.folder / cache.name).write_text(json.dumps({"blobs": blobs}))
    assert _open(repo).get(f) == (False, None)


def test_saving_drops_the_files_of_older_packs_only(repo: Path) -> None:
    files = _files(repo)
    old = _open(repo)
    old.put(files["a.env"], [])
    old.save()
    folder = old.folder
    assert folder is not None
    (folder / "verdicts.state").write_text("kept")
    (folder / "notes.txt").write_text("kept")
    new = _open(repo, pack="pack-digest-2")
    new.put(files["a.env"], [_finding(1)])
    new.save()
    assert _kept(repo) == sorted([new.name, "notes.txt", "verdicts.state"])
    assert _open(repo, pack="pack-digest-2").get(files["a.env"]) == (True, [_finding(1)])
