"""The secret check called in process on snapshots of real repositories (work tree, history)."""

from __future__ import annotations

from pathlib import Path

import pytest

from si_paas.detect.ahomatch import AhoCorasickMatcher
from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner
from si_paas.engine.checks import secrets
from si_paas.engine.checks.secrets import no_plaintext_secrets
from si_paas.engine.policy import Policy, load_policies
from si_paas.findings import Finding
from si_paas.services.judge import build_snapshot
from si_paas.snapshot.snapshot import Snapshot
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.state.layout import StateLayout

from statehelp import commit, git

TOKEN = "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC\n"
OTHER = "DB_PASSWORD=Zr5Kq2Wm8Tx3Lb7Nv4Hp6Js1Df9Gc0Ya\n"
PLAIN = "# notes\n" + "ordinary text, nothing private in it at all\n" * 3
SUPPRESSED = '"output_token": "DistributionList.NextMarker",\n'


@pytest.fixture(autouse=True)
def _one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SI_PAAS_WORKERS", "1")  # files read in this process


def _policy() -> Policy:
    [found] = [p for p in load_policies() if p.id == "no-plaintext-secrets"]
    return found


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    return root


def _snap(tmp_path: Path, root: Path, **spec: object) -> Snapshot:
    return build_snapshot(SnapshotSpec(StateLayout(tmp_path / "state"), paths=(root,), **spec))  # type: ignore[arg-type]


def _check(snap: Snapshot) -> list[Finding]:
    policy = _policy()
    return no_plaintext_secrets(snap, dict(policy.params), policy)


def test_one_scanner_per_snapshot_and_a_staged_scan_never_compiles(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    commit(root, {"a.txt": "x\n"}, "one")
    snap = _snap(tmp_path, root, explain=True)
    first = secrets.scanner(snap, files=3)
    assert secrets.scanner(snap) is first
    assert (first._may_compile, first._files, first.explain) == (True, 3, True)
    staged = secrets.scanner(_snap(tmp_path, root, source="staged"))
    assert (staged._may_compile, staged.explain) == (False, False)


def test_work_tree_findings_name_the_file_and_count_binaries(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    both = TOKEN + "# again\n" + TOKEN + OTHER  # one secret twice and another: three findings
    commit(root, {"app.env": both, "notes.txt": PLAIN, "blob.dat": b"\0\1" + TOKEN.encode()}, "one")
    (root / "new.env").write_text(OTHER)  # untracked files are published too
    snap = _snap(tmp_path, root)
    found = _check(snap)
    assert sorted((f.path, f.line, f.extra["relpath"], f.extra["git_status"]) for f in found) == [
        (f"{root}/app.env", 1, "app.env", "tracked"),
        (f"{root}/app.env", 3, "app.env", "tracked"),
        (f"{root}/app.env", 4, "app.env", "tracked"),
        (f"{root}/new.env", 1, "new.env", "untracked"),
    ]
    assert all(f.extra["repo"] == str(root) and f.rule == "generic-env-assignment" for f in found)
    assert snap.repos[0].skipped == {"binary": 1}


def test_the_policy_cap_applies_unless_the_command_line_sets_one(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    commit(root, {"app.env": TOKEN}, "one")
    policy = _policy()
    snap = _snap(tmp_path, root)
    assert no_plaintext_secrets(snap, {**policy.params, "max_file_size": 10}, policy) == []
    assert (
        len(no_plaintext_secrets(_snap(tmp_path, root, max_file_size=4096), {"max_file_size": 10}, policy))
        == 1
    )


def test_explained_suppressions_are_kept_apart(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    commit(root, {"notes.json": SUPPRESSED * 2, "app.env": TOKEN}, "one")
    snap = _snap(tmp_path, root, explain=True)
    found = _check(snap)
    assert [f.extra["relpath"] for f in found] == ["app.env"]
    pack = load_secret_rules()
    direct = SecretScanner(pack, AhoCorasickMatcher(pack), explain=True).scan_text(
        "notes.json", SUPPRESSED * 2
    )
    assert len(snap.memo["suppressed"]) == len(direct) >= 2  # every one, not just the first
    assert {(f.extra["relpath"], f.extra["suppressed_by"]) for f in snap.memo["suppressed"]} == {
        ("notes.json", "dotted-path")  # one candidate per generic rule that reads the line
    }
    plain = _snap(tmp_path, root)
    assert [f.extra["relpath"] for f in _check(plain)] == ["app.env"]
    assert "suppressed" not in plain.memo


def _history(root: Path) -> None:
    commit(root, {"app.env": TOKEN, "notes.txt": PLAIN}, "one")
    commit(root, {"b.env": OTHER}, "two")
    commit(root, {"app.env": TOKEN + "# edited\n"}, "three")
    commit(root, {"app.env": TOKEN + "# edited twice\n", "bin.dat": b"\0\1" + OTHER.encode()}, "four")


def _commits(root: Path) -> list[str]:
    return git(root, "rev-list", "--reverse", "HEAD").split()


def test_one_secret_in_many_commits_is_one_finding_from_first_to_last(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _history(root)
    commits = _commits(root)
    snap = _snap(tmp_path, root, source="history")
    found = sorted(_check(snap), key=lambda f: f.extra["relpath"])
    assert [f.extra["relpath"] for f in found] == ["app.env", "b.env"]
    app, other = found
    assert (app.extra["first_commit"], app.extra["last_commit"]) == (commits[0], commits[3])
    assert (app.extra["first_ordinal"], app.extra["last_ordinal"]) == ("1", "4")
    assert (other.extra["first_commit"], other.extra["last_commit"]) == (commits[1], commits[1])
    assert all(f.extra["git_status"] == "history" for f in found)
    assert snap.repos[0].skipped == {"binary": 1}


def test_history_judged_again_from_the_cache_gives_the_same(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _history(root)
    first = _snap(tmp_path, root, source="history")
    before = sorted(_check(first), key=lambda f: f.extra["relpath"])
    plain = [k for k, head in first.repos[0].heads.items() if head is None]
    assert len(plain) == 1  # notes.txt: its head cannot be private state
    counts: list[tuple[int, int]] = []
    again = _snap(tmp_path, root, source="history", progress=lambda done, total: counts.append((done, total)))
    assert sorted(_check(again), key=lambda f: f.extra["relpath"]) == before
    assert counts and counts[-1] == (6, 6)  # the blobs judged from the cache count as judged
    assert again.repos[0].heads == {plain[0]: None}  # known plain, from the cache: no peek
    assert again.repos[0].skipped == {"binary": 1}


def test_a_legacy_baseline_judges_every_blob_afresh(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _history(root)
    _check(_snap(tmp_path, root, source="history"))  # fills the cache
    legacy = _snap(tmp_path, root, source="history", legacy_baseline=True)
    found = _check(legacy)
    assert sorted(f.extra["relpath"] for f in found) == ["app.env", "b.env"]
    assert all(f.legacy_fingerprint for f in found)
    assert len(legacy.repos[0].heads) == 6  # every blob read, none from the cache


def test_an_unchanged_history_chooses_no_matcher_unless_one_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is read, so no scanner is built (no rule, no matcher database); a backend
    named in $SI_PAAS_MATCHER is loaded (or refused) all the same."""
    root = _repo(tmp_path)
    _history(root)
    first = _snap(tmp_path, root, source="history")
    before = _check(first)
    assert secrets.scanner(first)._matcher is not None  # blobs were read and scanned
    again = _snap(tmp_path, root, source="history")
    assert _check(again) == before
    assert "secret_scanner" not in again.memo
    commit(root, {"new.txt": PLAIN}, "one more")
    grown = _snap(tmp_path, root, source="history")
    assert _check(grown) == before
    assert secrets.scanner(grown)._matcher is not None  # the new blob was read and scanned
    monkeypatch.setenv("SI_PAAS_MATCHER", "python")
    asked = _snap(tmp_path, root, source="history")
    assert _check(asked) == before
    assert isinstance(secrets.scanner(asked)._matcher, AhoCorasickMatcher)
