"""A private-state pattern file of a team's own, checked at load: schema and unique ids."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.detect.private_state import load_private_state_patterns
from si_paas.errors import InputError


def _pattern(pid: str) -> dict[str, Any]:
    return {
        "id": pid,
        "description": "ours",
        "pattern": "(?:^|/)our-state$",
        "severity": "high",
        "examples": {"match": ["our-state"], "no_match": ["docs/readme.md"]},
    }


def _content(rid: str) -> dict[str, Any]:
    return {
        "id": rid,
        "description": "a key file",
        "detector": "vault-key",
        "severity": "high",
        "examples": {"match": ["A" * 43 + "="], "no_match": ["hello"]},
    }


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "private-state.yaml"
    path.write_text(yaml.safe_dump({"version": 1, **doc}), encoding="utf-8")
    return path


def test_own_patterns_load_and_match(tmp_path: Path) -> None:
    loaded = load_private_state_patterns(_write(tmp_path, {"patterns": [_pattern("a"), _pattern("b")]}))
    found = loaded.match("x/our-state")
    assert found is not None and found.id == "a"
    assert loaded.match("x/other") is None


def test_a_pattern_without_its_fields_is_refused(tmp_path: Path) -> None:
    broken = _pattern("a")
    del broken["severity"]
    path = _write(tmp_path, {"patterns": [broken]})
    with pytest.raises(InputError) as err:
        load_private_state_patterns(path)
    assert err.value.message.startswith(f"{path}: ") and "severity" in err.value.message


def test_a_duplicate_pattern_id_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, {"patterns": [_pattern("a"), _pattern("a")]})
    with pytest.raises(InputError, match="pattern 'a': duplicate id"):
        load_private_state_patterns(path)


def test_a_duplicate_content_rule_id_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, {"patterns": [_pattern("a")], "content": [_content("k"), _content("k")]})
    with pytest.raises(InputError, match="content rule 'k': duplicate id"):
        load_private_state_patterns(path)
    ok = _write(tmp_path, {"patterns": [_pattern("a")], "content": [_content("k"), _content("j")]})
    assert [r.id for r in load_private_state_patterns(ok).content] == ["k", "j"]


def test_a_caseless_pattern_no_screen_can_narrow_still_matches(tmp_path: Path) -> None:
    caseless = {
        **_pattern("c"),
        "pattern": "(?i)(?:^|/)our-state$",
        "examples": {"match": ["OUR-STATE"], "no_match": ["x"]},
    }
    loaded = load_private_state_patterns(_write(tmp_path, {"patterns": [caseless]}))
    assert loaded.patterns[0].pattern.screen is None
    found = loaded.match("ops/Our-State")
    assert found is not None and found.id == "c"
    assert loaded.match("ops/other") is None


def test_a_duplicate_id_is_named_before_the_duplicate_regex_is_compiled(tmp_path: Path) -> None:
    broken = {**_pattern("a"), "pattern": "(?:unclosed"}
    path = _write(tmp_path, {"patterns": [_pattern("a"), broken]})
    with pytest.raises(InputError, match="pattern 'a': duplicate id"):
        load_private_state_patterns(path)


def test_a_content_rule_may_not_take_a_pattern_id(tmp_path: Path) -> None:
    path = _write(tmp_path, {"patterns": [_pattern("k")], "content": [_content("k")]})
    with pytest.raises(InputError, match="content rule 'k': duplicate id"):
        load_private_state_patterns(path)


_FRAGMENTS = st.sampled_from(
    [
        "contexts",
        "config.json",
        "keys",
        "vault",
        "ctx_0a",
        "backups",
        ".si-backup",
        "current_context",
        "x",
        "a.env",
    ]
)


@settings(max_examples=300, deadline=None)
@given(paths=st.lists(st.lists(_FRAGMENTS, min_size=1, max_size=4).map("/".join), min_size=1, max_size=8))
def test_the_union_screen_of_a_long_scan_answers_as_each_pattern_does(paths: list[str]) -> None:
    """Past the first paths one regex of all screens answers first: the same answers."""
    from si_paas.detect import private_state

    shipped = load_private_state_patterns()
    warm = replace(shipped)  # the same patterns, with a memo of its own
    for _ in range(private_state.UNION_AFTER + 1):
        warm.match("docs/readme.md")
    for path in paths:
        expected = next((p.id for p in shipped.patterns if p.matches(path)), None)
        found = warm.match(path)
        assert (found.id if found else None) == expected, path


def test_the_union_screen_holds_every_screen_string_or_is_none() -> None:
    from si_paas.detect.private_state import PrivateStatePattern, _union_screen
    from si_paas.lazyregex import LazyRegex

    def pattern(screen: list[str] | None) -> PrivateStatePattern:
        return PrivateStatePattern("p", "d", LazyRegex("x", screen=screen), "high", (), ())

    union = _union_screen((pattern(["a.b", "contexts/"]), pattern(["keys/"])))
    assert union is not None
    assert [bool(union.search(t)) for t in ("x/a.b", "aXb", "my/contexts/x", "keys/k", "key")] == [
        True,
        False,
        True,
        True,
        False,
    ]
    assert _union_screen((pattern(["a"]), pattern(None))) is None  # that pattern must always run
    assert _union_screen(()) is None


def test_the_union_screen_is_made_only_past_the_first_paths() -> None:
    from si_paas.detect import private_state

    warm = replace(load_private_state_patterns())
    for _ in range(private_state.UNION_AFTER):
        warm.match("docs/readme.md")
    assert "_union" not in warm.__dict__  # the hook's few paths never build it
    warm.match("docs/readme.md")
    assert warm.__dict__["_union"] is not None and warm.__dict__["_calls"] == private_state.UNION_AFTER + 1
