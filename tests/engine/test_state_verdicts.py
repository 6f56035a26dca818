"""The per-blob private-state verdicts, in process: kept sealed, refused and renamed on a real disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from si_paas import diskcache
from si_paas.engine import stateverdicts
from si_paas.engine.stateverdicts import StateVerdicts

pytestmark = pytest.mark.own_cache  # each test looks at its own cache folder

CAP = 4096
A, B, C = "a" * 40, "b" * 40, "c" * 40


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return root


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "private_state.yaml"
    path.write_text("schema_version: 1\n")
    return path


def _kept(repo: Path) -> list[str]:
    folder = diskcache.repo_folder(repo)
    assert folder is not None
    return sorted(os.listdir(folder)) if folder.is_dir() else []


def _saved(repo: Path, rules: Path) -> StateVerdicts:
    cache = StateVerdicts.open(repo, rules, CAP)
    cache.put(A, None)
    cache.put(B, ("vault-file", None))
    cache.put(C, ("state-archive", "contexts/demo/config.json"))
    cache.save()
    return cache


def test_what_is_put_and_saved_is_served_on_reopen(repo: Path, rules: Path) -> None:
    cache = _saved(repo, rules)
    assert _kept(repo) == [cache.name] and cache.name.endswith(".state")
    again = StateVerdicts.open(repo, rules, CAP)
    assert again.get(A) == (True, None)
    assert again.get(B) == (True, ("vault-file", None))
    assert again.get(C) == (True, ("state-archive", "contexts/demo/config.json"))
    assert again.get("d" * 40) == (False, None)


def test_nothing_new_writes_nothing(repo: Path, rules: Path) -> None:
    StateVerdicts.open(repo, rules, CAP).save()
    assert _kept(repo) == []
    cache = _saved(repo, rules)
    path = cache.folder / cache.name  # type: ignore[operator]
    before = os.stat(path)
    again = StateVerdicts.open(repo, rules, CAP)
    again.put(A, None)  # what is kept already
    again.put(B, ("vault-file", None))
    again.save()
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    again.put(A, ("vault-file", None))  # a verdict that changed is written
    again.save()
    assert os.stat(path).st_ino != before.st_ino
    assert StateVerdicts.open(repo, rules, CAP).get(A) == (True, ("vault-file", None))


def test_caching_off_keeps_nothing(
    repo: Path, rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SI_PAAS_NO_CACHE", "1")
    cache = StateVerdicts.open(repo, rules, CAP)
    assert cache.folder is None
    cache.put(A, ("vault-file", None))
    assert cache.get(A) == (False, None)
    cache.save()
    assert not (tmp_path / "cache").exists()


def test_unreadable_rules_keep_nothing(repo: Path, tmp_path: Path) -> None:
    cache = StateVerdicts.open(repo, tmp_path / "missing.yaml", CAP)
    assert cache.folder is None
    cache.put(A, None)
    cache.save()
    assert not (tmp_path / "cache").exists()


def test_other_rules_or_cap_name_another_file(repo: Path, rules: Path) -> None:
    first = _saved(repo, rules).name
    assert StateVerdicts.open(repo, rules, CAP + 1).get(A) == (False, None)
    assert StateVerdicts.open(repo, rules, CAP + 1).name != first
    rules.write_text("schema_version: 1\n# changed\n")
    changed = StateVerdicts.open(repo, rules, CAP)
    assert changed.name != first and changed.get(A) == (False, None)


def test_a_change_to_the_state_code_names_a_new_file(
    repo: Path, rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg"
    for rel in (*stateverdicts._CODE, "other.py"):
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text("x = 1\n")
    monkeypatch.setattr(stateverdicts, "__file__", str(package / "engine" / "stateverdicts.py"))
    seen = {StateVerdicts.open(repo, rules, CAP).name}
    with open(package / "other.py", "a") as fh:
        fh.write("y = 2\n")
    assert StateVerdicts.open(repo, rules, CAP).name in seen
    for rel in ("detect/state_content.py", "snapshot/heads.py"):
        with open(package / rel, "a") as fh:
            fh.write("y = 2\n")
        name = StateVerdicts.open(repo, rules, CAP).name
        assert name not in seen, rel
        seen.add(name)


def test_only_well_formed_verdicts_are_kept(repo: Path, rules: Path) -> None:
    name = StateVerdicts.open(repo, rules, CAP).name
    folder = diskcache.repo_folder(repo)
    assert folder is not None
    forged = {
        "ok-none": 0,
        "ok-rule": ["vault-file", None],
        "ok-member": ["state-archive", "m.json"],
        "two-letters": "ab",
        "short": ["vault-file"],
        "long": ["vault-file", None, None],
        "number-rule": [1, None],
        "number-member": ["vault-file", 2],
        "one": 1,
        "null": None,
    }
    diskcache.write_sealed(folder, name, {"blobs": forged})
    assert StateVerdicts.open(repo, rules, CAP).verdicts == {
        "ok-none": None,
        "ok-rule": ("vault-file", None),
        "ok-member": ("state-archive", "m.json"),
    }
    for doc in ([["ok-none", 0]], {"blobs": [["ok-none", 0]]}, {"other": {"ok-none": 0}}):
        diskcache.write_sealed(folder, name, doc)
        assert StateVerdicts.open(repo, rules, CAP).verdicts == {}


def test_a_damaged_or_untrusted_file_is_ignored(repo: Path, rules: Path) -> None:
    cache = _saved(repo, rules)
    folder = cache.folder
    assert folder is not None
    path = folder / cache.name
    data = path.read_bytes()
    path.write_bytes(data.replace(b"vault-file", b"vault-fila"))  # the seal no longer matches
    assert StateVerdicts.open(repo, rules, CAP).verdicts == {}
    path.write_bytes(data)
    assert StateVerdicts.open(repo, rules, CAP).get(B) == (True, ("vault-file", None))
    path.chmod(0o622)
    assert StateVerdicts.open(repo, rules, CAP).verdicts == {}
    path.chmod(0o600)
    folder.chmod(0o770)
    assert StateVerdicts.open(repo, rules, CAP).verdicts == {}
    folder.chmod(0o700)
    if os.getuid() == 0:
        os.chown(path, 4242, 4242)
        assert StateVerdicts.open(repo, rules, CAP).verdicts == {}


def test_saving_drops_the_files_of_older_rules_only(repo: Path, rules: Path) -> None:
    old = _saved(repo, rules)
    folder = old.folder
    assert folder is not None
    (folder / "judged.json").write_text("kept")
    (folder / "commits-v1.log").write_text("kept")
    new = StateVerdicts.open(repo, rules, CAP + 1)
    new.put(A, None)
    new.save()
    assert _kept(repo) == sorted([new.name, "judged.json", "commits-v1.log"])
