"""A repository's `exclude` patterns: one joined expression, the same answer as fnmatch."""

from __future__ import annotations

import fnmatch

from hypothesis import given
from hypothesis import strategies as st

from si_paas.snapshot.worktree import EXCLUDED, RepoFile, _excluder, drop_excluded

# Pattern and path alphabets that hold every fnmatch metacharacter and the separators.
_PATTERN = st.text(alphabet="ab/.*?[]!-^\\", max_size=8)
_PATH = st.text(alphabet="ab/.*?[]!-^\\", min_size=1, max_size=10)


@given(st.lists(_PATTERN, min_size=1, max_size=5), st.lists(_PATH, max_size=8))
def test_one_expression_matches_as_fnmatchcase_over_each_pattern(
    patterns: list[str], paths: list[str]
) -> None:
    hit = _excluder(tuple(patterns))
    for path in paths:
        assert (hit(path) is not None) == any(fnmatch.fnmatchcase(path, p) for p in patterns)


def test_dropped_files_are_counted_and_the_rest_kept_in_order() -> None:
    files = [RepoFile(p, "tracked") for p in ("tests/a.py", "src/app.py", "rules/x.yaml", "README")]
    skipped: dict[str, int] = {}
    kept = drop_excluded(files, ("tests/*", "rules/*"), skipped)
    assert [f.relpath for f in kept] == ["src/app.py", "README"]
    assert skipped == {EXCLUDED: 2}
    assert drop_excluded(files, (), skipped) == files
    assert drop_excluded(files, ("*.none",), {}) == files
