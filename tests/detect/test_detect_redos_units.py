"""The backtracking check's parts: the characters, emptiness and prefixes it computes."""

from __future__ import annotations

import re
import sys
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from types import FrameType
from typing import Any

import pytest

from si_paas.detect import redos as r

PLAIN = r._Analysis(0)
CASELESS = r._Analysis(re.IGNORECASE)


def _items(source: str) -> list[tuple[Any, Any]]:
    return list(sre_parse.parse(source))


def _atom(source: str, analysis: r._Analysis = PLAIN) -> frozenset[str]:
    [(op, av)] = _items(source)
    found = analysis.atom(op, av)
    assert found is not None, source
    return found


def test_fold_adds_both_cases_and_keeps_characters_outside_the_sample() -> None:
    assert r._fold({"a"}, True) == {"a", "A"}
    assert r._fold({"a"}, False) == {"a"}
    assert r._fold({"\u0100"}, False) == {"\u0100"}  # no sample character: kept as given
    assert r._fold({"a", "\u0100"}, False) == {"a"}


def test_category_characters_on_the_sample() -> None:
    assert r._category(None) == r.SAMPLE
    assert r._category(sre.CATEGORY_DIGIT) == set("0123456789")


def test_class_members() -> None:
    assert _atom("[a-c]") == {"a", "b", "c"}
    assert _atom("[a]") == {"a"}
    assert _atom("[ab]") == {"a", "b"}
    assert _atom("[^a]") == r.SAMPLE - {"a"}
    assert _atom("[^ab]") == r.SAMPLE - {"a", "b"}
    assert _atom("[^a]", CASELESS) == r.SAMPLE - {"a", "A"}
    assert _atom("[A-B]", CASELESS) == {"a", "b", "A", "B"}
    assert _atom(r"[\d]") == set("0123456789")
    assert _atom("[\u0100-\u0102]") == {"\u0100", "\u0101", "\u0102"}
    assert _atom("[\u0100-\u02ff]") == {chr(c) for c in range(0x100, 0x300)}  # 511 apart
    assert _atom("[\u0100-\u0300]") == frozenset()  # 512 apart: only the sample is tried
    assert _atom("[\x00-\U0010ffff]") == r.SAMPLE


def test_one_character_atoms() -> None:
    assert _atom("a") == {"a"}
    assert _atom("a", CASELESS) == {"a", "A"}
    [(op, av)] = _items("[^a]")
    assert op is sre.NOT_LITERAL and PLAIN.atom(op, av) == r.SAMPLE - {"a"}
    assert _atom(".") == r.SAMPLE
    assert _atom(r"\d") == set("0123456789")
    [(op, av)] = _items("(a)")
    assert PLAIN.atom(op, av) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a*", True),
        ("a?b", False),
        ("(?:a|)", True),
        ("(?:a|b)", False),
        ("(a)", False),
        ("(a?)", True),
        ("(a)?(?(1)b|c)", False),
        ("(a)?(?(1)b)", True),
        ("(a)?(?(1)|b)", True),
        ("(a)?(?(1)b|)", True),
        ("(a)?(?(1)b|c?)", True),
        ("\\b", True),
        ("(?=a)", True),
        ("(a)\\1", False),
        ("(?>a?)", True),
        ("(?>a)", False),
        ("a++", False),
        ("a*+", True),
        ("(?:a*)+", True),
        ("(?:)", True),
    ],
)
def test_nullable(source: str, expected: bool) -> None:
    assert PLAIN.nullable(_items(source)) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a*b", "ab"),
        ("(?:a|b)c", "ab"),
        ("(a)?(?(1)b|c)d", "abc"),
        ("(a)?(?(1)b)d", "abd"),
        ("(a)(?(1)b)", "a"),
        ("a{0}b", "b"),
        ("(?>ab)", "a"),
        ("\\bx", "x"),
        ("a++", "a"),
        ("a*+b", "ab"),
        ("(ab)", "a"),
    ],
)
def test_first(source: str, expected: str) -> None:
    assert PLAIN.first(_items(source)) == set(expected)


def test_first_of_a_group_reference_is_anything() -> None:
    [_, (op, av)] = _items("(a)\\1")
    assert PLAIN.item_first(op, av) == r.SAMPLE
    assert PLAIN.item_first(*_items("(?=a)")[0]) == frozenset()


@pytest.mark.parametrize(
    ("source", "expected", "whole"),
    [
        ("abc", "abc", True),
        ("a(bc)d", "abcd", True),
        ("a{2}b", "aab", True),
        ("a{6}", "aaaaaa", True),
        ("a{7}", "", False),
        ("a{2}(?:bc){2}", "aabcbc", True),
        ("a{2}(?:b+)", "aa", False),
        ("a{3}b{3}c", "aaabbb", False),
        ("a\\bb", "ab", True),
        ("a+b", "", False),
        ("ab{1,2}", "a", False),
        ("abcdefgh", "abcdef", False),
        ("abcdef", "abcdef", True),
        ("(abcdefg)", "abcdef", False),
        ("x(a+)b", "x", False),
        ("(?:ab)(?:cd)(?:ef)g", "abcdef", False),
        ("x(?:b+c){2}", "x", False),
        ("x(?:bc){2}", "xbcbc", True),
    ],
)
def test_prefix(source: str, expected: str, whole: bool) -> None:
    found, is_whole = PLAIN.prefix(_items(source))
    assert ["".join(sorted(c)) for c in found] == list(expected)
    assert is_whole is whole


@pytest.mark.parametrize(
    "regex",
    [
        r"(?:a|b(?:c|ca+)+)+d",
        r"(?:x(?:a|a)+){2}y",
        r"(a)?(?(1)(?:b|b)+|c)+d",
        r"(a)?(?(1)c|(?:b|b)+)+d",
        r"(?:a{1,3}){3}b",
        r"(?:a|ab)+b",
        r"(?:ab|a)+b",
        r"(?:a+|a\w)+$",
        r"(?:\d+){3,}x",
        r"(?:[a-c]+[b-d])+$",
        r"(?:a?a)+$",  # a repeat of at most one inside another
        r"(?:(?:a+){2}b)+",  # a repeat of two: its next run follows it
    ],
)
def test_more_exponential_shapes(regex: str) -> None:
    assert r.exponential_shape(regex), regex


@pytest.mark.parametrize(
    "regex",
    [
        r"(?:a|b)+",
        r"(?:a{2})+b",
        r"(?:a{1,2}){2}b",
        r"(?:ab|cd)+",
        r"(?:a|bc)+c",
        r"(?:ab|a)+c",
        r"(?:a|ab)+c",
        r"(?:aa|b)+",
        r"(",
    ],
)
def test_more_safe_shapes(regex: str) -> None:
    assert r.exponential_shape(regex) is None, regex


def test_the_reason_names_a_readable_shared_character() -> None:
    assert r.exponential_shape(r"(a+)+$") == (
        "a variable repeat inside a repeat, followed by what it can also match ('a')"
    )
    assert r.exponential_shape(r"(?:-+)+$") == (
        "a variable repeat inside a repeat, followed by what it can also match ('-')"
    )
    assert r.exponential_shape(r"(?:\s+)+$") == (
        "a variable repeat inside a repeat, followed by what it can also match (a shared character)"
    )
    assert r.exponential_shape(r"(?:a|a)+c") == "alternatives that match the same text"
    assert r.exponential_shape(r"(?:a|ab)+b") == "alternatives where one is a prefix of another"
    assert r.exponential_shape(r"(x)(?:[ab]\1|ab)+c") == "alternatives that can match the same text"
    # each pair of equal-length alternatives once, the earlier one first
    assert r.exponential_shape(r"(?:xy|ab|abc)+c") == "alternatives where one is a prefix of another"
    assert r.exponential_shape(r"(?:[ax]b|ab(?:c+))+d") == "alternatives where one is a prefix of another"


def test_shape_prefers_alphanumerics_then_printables() -> None:
    assert r._shape("x", frozenset({"-", "b", "a"})).endswith("('a')")
    assert r._shape("x", frozenset({"-", " ", "\t"})).endswith("('-')")
    assert r._shape("x", frozenset({" ", "\t"})).endswith("(a shared character)")


def _depth() -> int:
    frame: FrameType | None = sys._getframe()
    depth = 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def test_nesting_too_deep_for_the_walk_is_reported_not_raised() -> None:
    """Under some stack limit the parse fits and the walk does not: that is an answer."""
    source = "(?:a|b" * 60 + ")" * 60
    here, limit = _depth(), sys.getrecursionlimit()
    answers = set()
    try:
        for room in range(20, 400):
            sys.setrecursionlimit(here + room)
            answers.add(r.exponential_shape(source))
            if "nesting too deep to check" in answers:
                break
    finally:
        sys.setrecursionlimit(limit)
    assert answers == {None, "nesting too deep to check"}


def test_deep_nesting_is_reported_not_raised() -> None:
    assert r.exponential_shape("(?:" * 400 + "a" + ")" * 400) in (None, "nesting too deep to check")
    deep = "(?:" * 2000 + "a" + ")*" * 2000
    assert r.exponential_shape(deep) in (None, "nesting too deep to check")
