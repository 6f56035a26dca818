"""repo.no_private_state on a real repository: by path, by content, by git status."""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from statehelp import commit, run_check, shipped, snapshot

POLICY = shipped("no-repo-private-state")
CONFIG = (
    '{"schema_version": 1, "name": "demo", "type": "oss-demo", "context_id": '
    '"ctx_00000000000000000000000000000001", "state_root": "/x", "vault_file": "/x/v", '
    '"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}\n'
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    return root


def _add(repo: Path, *paths: str) -> None:
    subprocess.run(["git", "-C", str(repo), "add", *paths], check=True, capture_output=True)


def _found(repo: Path, policy: object = POLICY) -> list[tuple[str, str]]:
    findings = run_check(policy, snapshot(repo.parent / "state", repos=(repo,)))  # type: ignore[arg-type]
    return sorted((f.extra["relpath"], f.extra["git_status"]) for f in findings)


def test_ordinary_files_pass(repo: Path) -> None:
    (repo / "config.json").write_text("{}\n")
    (repo / "README.md").write_text("contexts/demo/config.json is where it lives\n")
    assert _found(repo) == []


def test_private_state_by_path_whatever_its_status(repo: Path) -> None:
    (repo / ".gitignore").write_text("ignored/\n")
    for rel in ("a/current_context", "b/contexts/demo/config.json", "ignored/contexts/x/targets.json"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("x\n")
    _add(repo, "a/current_context")
    assert _found(repo) == [
        ("a/current_context", "tracked"),
        ("b/contexts/demo/config.json", "untracked"),
        ("ignored/contexts/x/targets.json", "ignored"),
    ]
    only = replace(POLICY, params={**POLICY.params, "statuses": ["tracked"]})
    assert _found(repo, only) == [("a/current_context", "tracked")]


def test_private_state_by_content_under_another_name(repo: Path) -> None:
    (repo / "notes.json").write_text(CONFIG)
    findings = run_check(POLICY, snapshot(repo.parent / "state", repos=(repo,)))
    assert [f.extra["relpath"] for f in findings] == ["notes.json"]
    assert findings[0].message.endswith("by content)")
    off = replace(POLICY, params={**POLICY.params, "content": False})
    assert _found(repo, off) == []


def test_a_long_file_is_judged_on_its_whole_content(repo: Path) -> None:
    (repo / "notes.json").write_text(CONFIG[:-2] + ', "pad": "' + "x" * 8000 + '"}\n')
    assert _found(repo) == [("notes.json", "untracked")]
    small = replace(POLICY, params={**POLICY.params, "max_content_size": 4096})
    assert _found(repo, small) == []


def test_a_state_archive_by_its_members(repo: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        tf.addfile(tarfile.TarInfo("paas/contexts/demo/config.json"), io.BytesIO(b""))
    (repo / "backup.tgz").write_bytes(buf.getvalue())
    findings = run_check(POLICY, snapshot(repo.parent / "state", repos=(repo,)))
    assert len(findings) == 1 and "archive member paas/contexts/demo/config.json" in (findings[0].message)


def test_a_path_in_many_commits_of_history_is_one_finding(repo: Path) -> None:
    from si_paas.snapshot.gitobjects import HistorySnapshot
    from si_paas.snapshot.snapshot import Snapshot

    env = ["-c", "user.name=T", "-c", "user.email=t@example.invalid"]
    for n in range(2):
        (repo / "current_context").write_text(f"demo{n}\n")
        _add(repo, "current_context")
        subprocess.run(
            ["git", *env, "-C", str(repo), "commit", "-q", "-m", f"c{n}"], check=True, capture_output=True
        )
    history = HistorySnapshot(root=repo)
    assert [f.relpath for f in history.files] == ["current_context"] * 2
    base = snapshot(repo.parent / "state")
    snap = Snapshot(state=base.state, repos=[history], env=base.env)
    findings = run_check(POLICY, snap)
    assert [(f.extra["relpath"], f.extra["git_status"]) for f in findings] == [("current_context", "history")]
    history.close()


def test_files_after_a_link_or_a_plain_file_are_still_judged(repo: Path) -> None:
    (repo / "a-link").symlink_to("/etc/hostname")  # not read: a link
    (repo / "b.txt").write_text("hello\n")  # not state-like content
    (repo / "notes.json").write_text(CONFIG)
    assert _found(repo) == [("notes.json", "untracked")]


def test_without_content_rules_every_path_is_still_judged(repo: Path) -> None:
    (repo / "a.txt").write_text("hello\n")
    (repo / "current_context").write_text("demo\n")
    off = replace(POLICY, params={**POLICY.params, "content": False})
    assert _found(repo, off) == [("current_context", "untracked")]


VAULT = "# si-paas vault, format 1. Values are AES-256-GCM encrypted\n# context: oss-demo\n"


def _history(repo: Path) -> tuple[list[tuple[str, str, str]], dict[str, bytes | None], bool]:
    """The findings of a history snapshot of `repo`, the heads it learnt, and whether it
    peeked a blob on its own (rather than in the one stream of heads)."""
    from si_paas.snapshot.gitobjects import HistorySnapshot
    from si_paas.snapshot.snapshot import Snapshot

    history = HistorySnapshot(root=repo, rev_range=("--all",))
    base = snapshot(repo.parent / "state")
    found = run_check(POLICY, Snapshot(state=base.state, repos=[history], env=base.env))
    peeked = "_peeker" in history.__dict__
    history.close()
    how = sorted((f.rule, f.extra["relpath"], f.message.rsplit(", by ", 1)[1]) for f in found)
    return how, history.heads, peeked


def test_a_history_is_judged_by_content_once_then_from_its_kept_verdicts(repo: Path) -> None:
    """Content verdicts of history blobs are kept: an unchanged history reads no blob, and
    gives the same findings (the content rule each blob matched, or plainly not state)."""
    commit(
        repo,
        {
            "notes/v.txt": VAULT,  # a vault under another name
            "cfg/settings.json": CONFIG,  # a context config under another name
            "README.md": "plain words, nothing private in them at all\n" * 3,  # plainly not state
            "data.json": '{"name": "web", "type": "service"}\n',  # could be state; is not
        },
    )
    expected = [
        ("context-config-copy", "cfg/settings.json", "content)"),
        ("vault-copy", "notes/v.txt", "content)"),
    ]
    first, heads, peeked = _history(repo)
    assert first == expected
    assert len(heads) == 4 and list(heads.values()).count(None) == 1  # README: plainly not state
    assert not peeked  # every head came in the one stream
    again, heads, peeked = _history(repo)
    assert again == expected
    assert heads == {} and not peeked  # nothing read the second time


def test_a_path_seen_again_in_history_does_not_end_the_listing(repo: Path) -> None:
    commit(repo, {"current_context": "demo0\n"})
    commit(repo, {"current_context": "demo1\n", "notes/v.txt": VAULT})
    found, _, _ = _history(repo)
    assert [(rule, rel) for rule, rel, _ in found] == [
        ("state-current-context", "current_context"),
        ("vault-copy", "notes/v.txt"),
    ]


def test_a_work_tree_read_by_the_secret_scan_first_is_judged_from_its_heads(repo: Path) -> None:
    """The secret scan notes each file's head as it reads it; the content check then opens
    none of those files, keeps no verdict (that is for history blobs) and finds the same."""
    (repo / "README.md").write_text("plain words, nothing private in them at all\n" * 3)
    (repo / "notes.txt").write_text(VAULT)
    _add(repo, "README.md", "notes.txt")
    snap = snapshot(repo.parent / "state", repos=(repo,))
    run_check(shipped("no-plaintext-secrets"), snap)
    assert len(snap.repos[0].heads) == 2  # type: ignore[attr-defined]
    found = run_check(POLICY, snap)
    assert [(f.rule, f.extra["relpath"]) for f in found] == [("vault-copy", "notes.txt")]
