"""Rule `paths` and private-state patterns compile on first use, behind their screens."""

from __future__ import annotations

import re

from si_paas.detect.prefilter import required_literals
from si_paas.detect.private_state import load_private_state_patterns
from si_paas.detect.rulepack import load_secret_rules
from si_paas.lazyregex import LazyRegex, lazy


def _patterns() -> list[LazyRegex[str]]:
    pack, state = load_secret_rules(), load_private_state_patterns()
    return [p for r in pack.rules for p in r.paths] + [p.pattern for p in state.patterns]


def test_each_pattern_carries_the_screen_of_its_source() -> None:
    patterns = _patterns()
    assert patterns
    for p in patterns:
        found = required_literals(p.pattern)
        assert p.screen == (None if found is None else tuple(sorted(found)))


def test_a_screened_out_path_compiles_nothing_and_matches_as_the_regex_does() -> None:
    paths = ["src/app.py", "contexts/prod/config.json", "x/.env.local", "deploy/run.sh", "a.yaml"]
    for source in {p.pattern for p in _patterns()}:
        fresh = LazyRegex(source, screen=required_literals(source))
        for path in paths:
            assert (fresh.search(path) is None) == (re.search(source, path) is None), (source, path)
        left = LazyRegex(source, screen=required_literals(source))
        if left.screen is not None and not left.passes_screen("src/app.py"):
            assert left.search("src/app.py") is None and left._compiled is None


def test_a_module_regex_compiles_at_its_first_use() -> None:
    rx = lazy(r"(\d+)-(\d+)")
    assert rx._compiled is None
    assert rx.sub(r"\2-\1", "1-2") == "2-1" and rx._compiled is not None
    assert rx.findall("3-4 5-6") == [("3", "4"), ("5", "6")] and rx.groups == 2
    assert rx.split("a1-2b") == ["a", "1", "2", "b"] and rx.fullmatch("7-8") is not None


def test_equal_sources_are_equal_patterns() -> None:
    """So two loads of one pack give equal rules, as with compiled patterns."""
    a, b = LazyRegex(r"\.env$", screen=[".env"]), LazyRegex(r"\.env$")
    assert a == b and hash(a) == hash(b) and a != LazyRegex(r"\.env$", re.IGNORECASE)
    assert a != LazyRegex(r"\.ya?ml$") and a != re.compile(r"\.env$")
