"""Policy loading in process: defaults of a policy, example names, and what a repository's
policy folder may replace."""

from __future__ import annotations

from pathlib import Path

import pytest

from si_paas.engine.policy import (
    PolicyFolder,
    _example_problems,
    example_path_problem,
    load_policy_file,
    load_policy_set,
)
from si_paas.errors import InputError

POLICY = """\
id: {pid}
title: my check
severity: {severity}
scopes: [doctor]
check: repo.no_private_state
remediation: fix it
"""


def _write(folder: Path, pid: str, severity: str = "medium", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{pid}.yaml"
    path.write_text(POLICY.format(pid=pid, severity=severity) + extra)
    return path


@pytest.mark.parametrize(
    ("severity", "blocking"), [("critical", True), ("high", True), ("medium", False), ("low", False)]
)
def test_blocking_follows_the_severity_unless_given(tmp_path: Path, severity: str, blocking: bool) -> None:
    policy = load_policy_file(_write(tmp_path, f"p-{severity}", severity))
    assert policy.blocking is blocking and policy.examples == {}
    given = load_policy_file(_write(tmp_path / "b", f"q-{severity}", severity, f"blocking: {not blocking}\n"))
    assert given.blocking is (not blocking)


def test_a_repository_folder_may_not_replace_a_critical_policy(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    path = _write(repo / "policies", "no-plaintext-secrets", "low")
    folder = PolicyFolder(repo / "policies", "repo", inside=repo, label=".si-paas.yaml policies")
    with pytest.raises(InputError) as refused:
        load_policy_set([folder])
    assert refused.value.message.startswith(
        f"{path}: policy 'no-plaintext-secrets' would replace the critical"
    )
    for allowed in (frozenset({"no-plaintext-secrets"}), frozenset({"*"})):
        policies, overrides = load_policy_set([folder], allow_critical=allowed)
        [override] = overrides
        assert (override.id, override.origin, override.severity, override.blocking) == (
            "no-plaintext-secrets",
            "repo",
            ("critical", "low"),
            (True, False),
        )
        assert [p.severity for p in policies if p.id == "no-plaintext-secrets"] == ["low"]
        assert override.to_dict() == {
            "id": "no-plaintext-secrets",
            "source": str(path),
            "origin": "repo",
            "replaced": override.replaced,
            "severity": ["critical", "low"],
            "blocking": [True, False],
        }
        assert override.replaced.endswith("no-plaintext-secrets.yaml") and override.replaced != str(path)
    with pytest.raises(InputError):
        load_policy_set([folder], allow_critical=frozenset({"another-policy"}))


def test_the_user_may_replace_any_policy_and_a_repository_a_lesser_one(tmp_path: Path) -> None:
    user = PolicyFolder(tmp_path / "mine")
    _write(user.path, "no-plaintext-secrets", "low")
    _, [override] = load_policy_set([user])
    assert override.origin == "user"
    repo = tmp_path / "repo"
    _write(repo / "policies", "state-permissions", "low")  # a high policy, not critical
    folder = PolicyFolder(repo / "policies", "repo", inside=repo)
    _, [lesser] = load_policy_set([folder])
    assert (lesser.id, lesser.severity) == ("state-permissions", ("high", "low"))


def test_a_repository_policy_file_must_resolve_inside_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    outside = _write(tmp_path / "elsewhere", "my-own")
    (repo / "policies").mkdir(parents=True)
    _write(repo / "policies", "inside")
    folder = PolicyFolder(repo / "policies", "repo", inside=repo, label="repo policies")
    policies, _ = load_policy_set([folder], include_default=False)
    assert [p.id for p in policies] == ["inside"]
    (repo / "policies" / "linked.yaml").symlink_to(outside)
    with pytest.raises(InputError, match="repo policies .*linked.yaml: resolves to .*outside the repository"):
        load_policy_set([folder], include_default=False)
    with pytest.raises(InputError, match="not a directory"):
        load_policy_set([PolicyFolder(tmp_path / "missing")])


def test_example_names_at_their_limits() -> None:
    assert example_path_problem("repo/" + "a" * 255) is None
    assert example_path_problem("repo/" + "a" * 256) == "has a part longer than 255 bytes"
    assert example_path_problem("repo/" + "é" * 128) == "has a part longer than 255 bytes"
    assert example_path_problem("") == "must be 1 to 1024 characters"
    assert example_path_problem("repo/" + "a/" * 509 + "b") is None  # 1024 characters
    assert example_path_problem("repo/" + "a/" * 510) == "must be 1 to 1024 characters"


def _problems(example: dict[str, object]) -> list[tuple[str, str, str]]:
    return list(_example_problems({"files": {}, **example}))  # type: ignore[arg-type]


def test_modes_and_links_name_files_or_folders_of_the_example() -> None:
    files = {"repo/a/b/c.txt": "x", "state/s.json": "{}"}
    assert (
        _problems({"files": files, "modes": {"repo/a": 0o700, "repo/a/b": 0o700, "state/s.json": 0o600}})
        == []
    )
    assert _problems({"files": files, "modes": {"repo": 0o700}}) == [
        ("modes", "repo", "must start with repo/, state/ or backups/ and name a file below it")
    ]
    assert _problems({"files": files, "modes": {"repo/x": 0o700}}) == [
        ("modes", "repo/x", "must name a file of the example or a folder of one")
    ]
    assert _problems({"files": files, "links": {"repo/l": "repo/a/b"}}) == []
    below_a_file = {"state/s.json/x": "repo/a"}
    below_a_link = {"repo/l": "repo/a", "repo/l/m": "repo/a"}
    for links in (below_a_file, below_a_link, {"repo/a": "repo/a/b"}):
        assert [p[2] for p in _problems({"files": files, "links": links})] == [
            "must be a new name below no file and no other link"
        ], links
    assert [p[2] for p in _problems({"files": files, "links": {"repo/l": "repo/zz"}})] == [
        "target 'repo/zz' must name a file of the example or a folder of one"
    ]
