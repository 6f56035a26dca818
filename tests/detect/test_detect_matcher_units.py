"""Both matcher backends on a small pack, line by line, and how a backend is chosen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from si_paas.detect import matcher
from si_paas.detect.ahomatch import AhoCorasickMatcher, ascii_lower
from si_paas.detect.lines import Lines
from si_paas.detect.rulepack import SecretRule, SecretRulePack
from si_paas.errors import InputError

hyperscan = pytest.importorskip("hyperscan")
from si_paas.detect import hsmatch  # noqa: E402

ENV = re.compile(r"(?:^|/)\.env$")
RULES = (
    SecretRule("alpha-token", "a", ("alpha_",), r"alpha_[a-z0-9]{8}", "high"),
    SecretRule(
        "beta-key", "b", ("beta",), r"(?:beta|BK-)[A-Z0-9]{6}", "high", case_sensitive_keywords=("BK-",)
    ),
    SecretRule("env-pass", "c", ("pass",), r"pass=\S{6,}", "high", paths=(ENV,)),
    SecretRule("multi-block", "d", ("begin block",), r"BEGIN BLOCK[\s\S]*?END BLOCK", "high", multiline=True),
)
PACK = SecretRulePack(Path("units.yaml"), RULES)
TEXT = (
    "x alpha_abcd1234 y\n"  # 0: alpha, its regex matches
    "ALPHA_ZZZZ no\n"  # 1: the keyword only
    "BK-ABC123 and bk-abc123\n"  # 2: the case-sensitive keyword
    "bk-lower only\n"  # 3: neither keyword (BK- is exact)
    "pass=hunter22\n"  # 4: only in .env files
    "BEGIN BLOCK\n"  # 5: a multi-line rule
    "data\n"
    "END BLOCK alpha_"  # 7: alpha's keyword, on the last line, without a newline
)
KEYWORD_LINES = {0: {0, 1, 7}, 1: {2}, 3: {5}}


def _hs(pack: SecretRulePack = PACK) -> hsmatch.HyperscanMatcher:
    found = hsmatch.load(pack, may_compile=True)
    assert found is not None, hsmatch.unavailable_reason()
    return found


def test_requested_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(matcher.MATCHER_ENV, raising=False)
    assert matcher.requested() == "auto"
    monkeypatch.setenv(matcher.MATCHER_ENV, "  PYTHON ")
    assert matcher.requested() == "python"
    monkeypatch.setenv(matcher.MATCHER_ENV, "grep")
    with pytest.raises(InputError, match="unknown matcher 'grep'"):
        matcher.requested()


def test_select_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(matcher.MATCHER_ENV, "python")
    assert matcher.select_matcher(PACK).name == "python"
    monkeypatch.setenv(matcher.MATCHER_ENV, "hyperscan")
    assert matcher.select_matcher(PACK, files=1, may_compile=False).name == "hyperscan"
    monkeypatch.setenv(matcher.MATCHER_ENV, "auto")
    assert matcher.select_matcher(PACK).name == "hyperscan"
    assert matcher.select_matcher(PACK, files=matcher.SMALL_SCAN_FILES).name == "hyperscan"
    assert matcher.select_matcher(PACK, files=matcher.SMALL_SCAN_FILES - 1).name == "python"


def test_hyperscan_asked_for_but_refused_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    pack = SecretRulePack(Path("u.yaml"), (SecretRule("u", "u", ("clé",), "clé=\\w+", "high"),))
    monkeypatch.setenv(matcher.MATCHER_ENV, "hyperscan")
    with pytest.raises(InputError, match="hyperscan: a rule keyword is not ASCII"):
        matcher.select_matcher(pack)
    monkeypatch.setenv(matcher.MATCHER_ENV, "auto")
    assert matcher.select_matcher(pack).name == "python"


@pytest.mark.own_cache
def test_auto_without_a_cached_database_and_no_compiling_takes_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pack = PACK.only("alpha-token", "beta-key")  # a digest no other test compiled
    monkeypatch.setenv(matcher.MATCHER_ENV, "auto")
    assert matcher.select_matcher(pack, may_compile=False).name == "python"
    assert hsmatch.unavailable_reason() == "its database is not compiled yet"
    assert matcher.select_matcher(pack, may_compile=True).name == "hyperscan"
    hsmatch._LOADED.clear()  # the next load reads the database from the disk cache
    loaded = hsmatch.load(pack, may_compile=False)
    assert loaded is not None and loaded.candidates("a.txt", Lines(TEXT)) == {0: {0}, 1: {2}}


def test_ascii_lower() -> None:
    assert ascii_lower("ABC xyz") == "abc xyz"
    assert ascii_lower("ÀB") == "àb"  # no character that folds to ASCII: str.lower
    assert ascii_lower("\u0130AB") == "\u0130ab"  # lower() would lengthen it
    assert ascii_lower("\u212aEY") == "\u212aey"  # the Kelvin sign would become `k`
    assert ascii_lower("A\u212a") == "a\u212a"


@pytest.mark.parametrize("extra", ["", "\né", "é"])
def test_python_backend_gives_every_keyword_line(extra: str) -> None:
    text = TEXT + extra if extra != "é" else extra + TEXT
    python = AhoCorasickMatcher(PACK)
    assert python.candidates("a.txt", Lines(text)) == KEYWORD_LINES
    assert python.candidates("x/.env", Lines(text)) == {**KEYWORD_LINES, 2: {4}}
    assert python.candidates("x/.env.txt", Lines(text)) == KEYWORD_LINES


def test_python_backend_with_one_kind_of_keyword_only() -> None:
    exact_only = SecretRulePack(
        Path("e.yaml"), (SecretRule("e", "e", (), "BK-\\w+", "high", case_sensitive_keywords=("BK-",)),)
    )
    assert AhoCorasickMatcher(exact_only).candidates("a", Lines("bk-1\nBK-2\n")) == {0: {1}}
    folded_only = SecretRulePack(Path("f.yaml"), (SecretRule("f", "f", ("bk-",), "bk-\\w+", "high"),))
    assert AhoCorasickMatcher(folded_only).candidates("a", Lines("bk-1\nBK-2\n")) == {0: {0, 1}}
    bound_only = SecretRulePack(Path("b.yaml"), (RULES[2],))
    assert AhoCorasickMatcher(bound_only).candidates("a.txt", Lines("pass=1234567\n")) == {}


def test_python_backend_keeps_hits_on_one_line_together() -> None:
    pack = SecretRulePack(
        Path("t.yaml"),
        (
            SecretRule("one", "1", ("ab", "abcd"), "ab", "high"),
            SecretRule("two", "2", ("cd",), "cd", "high"),
        ),
    )
    text = "xx abcd cd\nab\n\ncd"
    assert AhoCorasickMatcher(pack).candidates("a", Lines(text)) == {0: {0, 1}, 1: {0, 3}}


def test_hyperscan_backend_keeps_keyword_lines_where_the_regex_can_match() -> None:
    found = _hs()
    assert found.candidates("a.txt", Lines(TEXT)) == {0: {0}, 1: {2}, 3: {5}}
    assert found.candidates("x/.env", Lines(TEXT)) == {0: {0}, 1: {2}, 2: {4}, 3: {5}}
    assert found.candidates("a.txt", Lines("nothing here\n")) == {}


@pytest.mark.parametrize("text", [TEXT + "\né", "é" + TEXT, "é\n" + TEXT])
def test_hyperscan_backend_on_text_outside_ascii_gives_every_keyword_line(text: str) -> None:
    found = _hs()
    lines = Lines(text)
    expected = {
        k: {n + text[: text.index("x alpha")].count("\n") for n in v} for k, v in KEYWORD_LINES.items()
    }
    assert found.candidates("a.txt", lines) == expected
    assert found.candidates("x/.env", Lines(text)) == {
        **expected,
        2: {4 + text[: text.index("x alpha")].count("\n")},
    }


def test_hyperscan_plan() -> None:
    plan = _hs().plan
    assert [e["id"] for e in plan["ascii"]] == [["pre", 0], ["pre", 1], ["kw", [3]]]
    assert [(e["literal"], e["caseless"]) for e in plan["any"]] == [
        ("alpha_", True),
        ("beta", True),
        ("BK-", False),
        ("begin block", True),
    ]
    assert [e["id"] for e in plan["ascii-paths"]] == [["pre", 2]]
    assert [e["id"] for e in plan["any-paths"]] == [["kw", [2]]]


def test_hyperscan_database_round_trips_through_bytes() -> None:
    found = _hs()
    again = hsmatch.HyperscanMatcher.from_bytes(PACK, found.to_bytes(hyperscan), hyperscan)
    assert again.plan == found.plan
    for path in ("a.txt", "x/.env"):
        for text in (TEXT, "é" + TEXT):
            assert again.candidates(path, Lines(text)) == found.candidates(path, Lines(text))


def test_a_rule_without_a_prefilter_form_joins_by_its_keywords() -> None:
    pack = SecretRulePack(
        Path("r.yaml"),
        (
            SecretRule("ref", "r", ("ref",), r"ref(\w)\1x", "high"),  # a back-reference
            SecretRule("uni", "u", ("uni",), "uni\u00e9+", "high"),  # no ASCII text matches
            SecretRule("bad", "b", ("bad",), r"bad\p", "high"),  # no prefilter form
            SecretRule("look", "l", ("look",), r"(?<=x)look\d", "high"),
        ),
    )
    found = _hs(pack)
    assert [e["id"] for e in found.plan["ascii"]] == [["pre", 0], ["pre", 1], ["pre", 3], ["kw", [2]]]
    text = "refaax\nref\nbad\nxlook1\nlook\nuni\n"
    assert found.candidates("a", Lines(text)) == {0: {0}, 2: {2}, 3: {3}}
    assert found.candidates("a", Lines(text + "unié")) == {0: {0, 1}, 1: {5, 6}, 2: {2}, 3: {3, 4}}


def test_a_path_pattern_on_more_than_the_name_is_judged_on_the_whole_path() -> None:
    deep = SecretRule("deep", "d", ("pass",), r"pass=\S{6,}", "high", paths=(re.compile(r"^conf/.*\.ini$"),))
    found = _hs(SecretRulePack(Path("d.yaml"), (deep,)))
    assert found._by_name is None
    assert found._applicable("other/a.ini") == frozenset()  # screened out, no rule tried
    assert found.candidates("conf/a.ini", Lines("pass=1234567\n")) == {0: {0}}
    assert found.candidates("other/a.ini", Lines("pass=1234567\n")) == {}
    assert found.candidates("conf\\b.ini", Lines("pass=1234567\n")) == {0: {0}}


def test_rules_for_a_file_name_are_worked_out_once_per_name() -> None:
    found = _hs()
    assert found._by_name is not None
    assert found._applicable("a/b/.env") == {2}
    assert found._applicable("c\\.env") == {2}
    assert found._applicable("a/b/x.txt") == frozenset()
    assert found._by_name == {".env": frozenset({2})}


def test_has_keyword_reads_one_line_either_way() -> None:
    found = _hs()
    lines = Lines("BK-1\nbeta\nbk-\nBETA")
    assert [found._has_keyword(1, lines, n) for n in range(4)] == [True, True, False, True]


def test_path_rules_that_no_screen_can_narrow_are_judged_one_by_one() -> None:
    caseless = SecretRule(
        "ci-env", "e", ("pass",), r"pass=\S{6,}", "high", paths=(re.compile(r"(?i)(?:^|/)conf/[^/]*\.env$"),)
    )
    deep = SecretRule("ini", "i", ("pass",), r"pass=\S{6,}", "high", paths=(re.compile(r"^etc/.*\.ini$"),))
    found = _hs(SecretRulePack(Path("s.yaml"), (caseless, deep)))
    assert (found._screen, found._any_path, found._by_name) == (None, None, None)
    lines = "pass=1234567\n"
    assert found.candidates("CONF/a.env", Lines(lines)) == {0: {0}}
    assert found.candidates("etc/x.ini", Lines(lines)) == {1: {0}}
    assert found.candidates("a.txt", Lines(lines)) == {}
    assert found.candidates("conf/b/a.env", Lines(lines)) == {}


def test_rules_after_a_multi_line_one_still_get_a_prefilter() -> None:
    found = _hs(SecretRulePack(Path("m.yaml"), (RULES[3], RULES[0])))
    assert [e["id"] for e in found.plan["ascii"]] == [["pre", 1], ["kw", [0]]]


def test_a_candidate_line_is_where_the_prefilter_match_ends() -> None:
    rule = SecretRule("kv", "k", ("key=",), r"key=\s+\w", "high")
    found = _hs(SecretRulePack(Path("k.yaml"), (rule,)))
    assert found.candidates("a", Lines("key= A\n")) == {0: {0}}
    # the prefilter runs on across the newline; the line it ends on holds no keyword, and
    # the keyword's line alone cannot match: no candidate
    assert found.candidates("a", Lines("key=\nA\n")) == {}
    assert found.candidates("a", Lines("\n\nkey= A\n")) == {0: {2}}


def test_line_starts_learnt_from_text_outside_ascii_are_character_offsets() -> None:
    text = "é" * 40 + "\n" + "x alpha_abcd1234 y\n" + "tail line\n" * 3  # bytes run ahead of characters
    lines = Lines(text)
    assert _hs().candidates("a.txt", lines) == {0: {1}}
    assert [lines.start(n) for n in range(3)] == [0, 41, 60]
