"""Path containment is right for any path: property tests on real directories."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.snapshot.gitpaths import enclosing_worktree, is_within, real

NAME = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="._- "),
    min_size=1,
    max_size=12,
).filter(lambda s: s not in (".", "..", ".git") and s.strip())  # a `.git` folder would make a repository
PARTS = st.lists(NAME, min_size=0, max_size=5)


@given(PARTS, PARTS)
def test_is_within_matches_path_prefix_semantics(a: list[str], b: list[str]) -> None:
    root = Path("/base", *a)
    path = Path("/base", *b)
    expected = len(b) >= len(a) and b[: len(a)] == a
    assert is_within(path, root) is expected


@given(NAME, NAME)
def test_sibling_with_common_prefix_is_not_within(stem: str, suffix: str) -> None:
    assert not is_within(Path("/r") / (stem + suffix), Path("/r") / stem)


@settings(max_examples=30, deadline=None)
@given(inside=PARTS, outside=PARTS, via_symlink=st.booleans())
def test_enclosing_worktree_for_any_nested_path(
    inside: list[str], outside: list[str], via_symlink: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp).resolve()
        repo = base / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        deep = repo.joinpath(*inside)
        deep.mkdir(parents=True, exist_ok=True)
        plain = base.joinpath("plain", *outside)
        plain.mkdir(parents=True, exist_ok=True)
        assert enclosing_worktree(deep / "not-yet-created") == repo
        assert enclosing_worktree(plain) is None
        if via_symlink:
            link = base / "plain" / "link"
            if not link.exists():
                os.symlink(deep, link)
            # A symlink outside the repository that points into it is judged by its target.
            assert enclosing_worktree(link / "state") == repo
            assert real(link) == real(deep)
