"""Prefilter forms, basename-only patterns and required literals of small regexes, exactly."""

from __future__ import annotations

import re

import pytest

from si_paas.detect import prefilter as p

FORMS = [
    ("abc", "abc"),
    ("a-b", "a\\x2db"),
    # the trailing part that only extends a match is cut back
    ("ab\\b", "ab"),
    ("ab(?=c)", "ab"),
    ("ab(?!c)", "ab"),
    ("abc*", "ab"),
    ("abc+", "ab(?:c){1,1}"),
    ("abc{2,5}?", "ab(?:c){2,2}"),
    ("ab(?:cd?)", "abc"),
    ("ab(?:d?)", "ab"),
    ("ab(?:c|d)", "ab[cd]"),
    ("ab(?:c|d?)", "ab"),
    ("ab(c|de+)", "ab(?:(?:c|d(?:e){1,1}))"),
    ("ab(?:cd)?\\b", "ab"),
    ("abc?d?", "ab"),  # every trailing optional part, not only the last
    ("ab(d?)", "ab"),
    ("abc?(d?)", "ab"),
    ("abe?(?:c|d?)", "ab"),
    # what stays in the middle of a pattern
    ("a[^-]b", "a[^\\x2d]b"),
    ("a.b", "a.b"),
    ("(?s)a.b", "a[\\x00-\\xff]b"),
    ("[a-z_]x", "[\\x61-\\x7a\\x5f]x"),
    (r"\d\w\s\D\W\Sx", "[0-9][a-zA-Z0-9_][\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ][\\D][\\W][\\S]x"),
    (r"a\bb", "ab"),
    (r"a(?=x)b", "ab"),
    ("(?:a|b)c", "[ab]c"),
    ("(?:ab|cd)e", "(?:ab|cd)e"),
    ("(?s:a.)b", "(?:a[\\x00-\\xff])b"),
    ("(a.)b", "(?:a.)b"),
    ("(?s)(?-s:a.)b", "(?:a.)b"),
    ("(?s)(?:a.)b", "a[\\x00-\\xff]b"),
    (r"(ab)\1c", "(?:ab)(?:ab)c"),
    (r"(?:(a)|b)\1", "(?:(?:a)|b)(?:a)"),
    ("(?>ab)c", "(?:ab)c"),
    ("(?>a.)b", "(?:a.)b"),
    ("(?s)(?>a.)b", "(?:a[\\x00-\\xff])b"),
    ("a++b", "(?:a){1,}b"),
    ("a{2,}b", "(?:a){2,}b"),
    ("a{2,3}b", "(?:a){2,3}b"),
    ("(?s)(?:.){2}b", "(?:[\\x00-\\xff]){2,2}b"),
    ("a{0,2}b", "(?:a){0,2}b"),
    ("(?:ab)*c", "(?:ab){0,}c"),
    ("(a)?(?(1)b|c)d", "(?:(?:a)){0,1}(?:b|c)d"),
    ("(a)?(?(1)b)d", "(?:(?:a)){0,1}(?:b|)d"),
    ("(?s)(a)?(?(1).|.)d", "(?:(?:a)){0,1}(?:[\\x00-\\xff]|[\\x00-\\xff])d"),
    # characters outside ASCII
    ("\u0130x", "ix"),
    ("\u00e9x", "\\xffx"),
    ("[\u00e9]x", "\\xffx"),
    ("[\u212a]x", "kx"),
    ("[a-\u0200]x", "[\\x61-\\x7fiis]x"),
    ("[\u0100-\u0200]x", "[iis]x"),
    ("[\u0080-\u00ff]x", "\\xffx"),
    ("[\u0131\u00e9]x", "[i]x"),
    # sets
    ("[^a]x", "[\\x00-\\xff]x"),
    ("[^a-]x", "[^\\x2d]x"),
    ("[^ab]x", "[\\x00-\\xff]x"),
    ("[^\u00e9]x", "[\\x00-\\xff]x"),
    ("[^\u00e9-]x", "[^\\x2d]x"),
    ("[^0-z]x", "[^\\x30-\\x40\\x5b-\\x60]x"),
    ("[^0-9-]x", "[^\\x30-\\x39\\x2d]x"),
    ("[^\x80]x", "[\\x00-\\xff]x"),
    ("[\x80a]x", "[a]x"),
    ("[^a-z]x", "[\\x00-\\xff]x"),
    (r"[^\d]x", "[^0-9]x"),
    (r"[^\d-]x", "[^0-9\\x2d]x"),
    (r"[\d\s]x", "[0-9\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ]x"),
    (r"[\D_]x", "[\\D\\x5f]x"),
    (r"x[\W_]", "x[\\W\\x5f]"),
    ("[\x00-\x1f]x", "[\\x00-\\x1f]x"),
    ("[\x00-\x1f-]x", "[\\x00-\\x1f\\x2d]x"),
    ("(?x) a b", "ab"),
    (r"\Aab\Z", "ab"),
]


@pytest.mark.parametrize(("source", "form"), FORMS)
def test_prefilter_form(source: str, form: str) -> None:
    assert p.prefilter_pattern(source) == form


@pytest.mark.parametrize(("source", "form"), FORMS)
def test_prefilter_form_matches_where_the_regex_does(source: str, form: str) -> None:
    """Python reads the forms too: on ASCII text they find every match's start, caseless."""
    samples = ["abc", "a-b", "ab", "abcc", "abde", "a_b", "aab", "abccd", "bd", "acd", "ix", "kx", "-x"]
    samples += ["0aA \tZx", "abab", "abcdee", "aaab", "a\nb", "x_", "\x01x", "cde", "a\nxb", "0_x"]
    caseless = re.compile(form.replace("\\xff", "\\xff\\xff"), re.IGNORECASE | re.ASCII)
    for text in samples:
        if re.search(source, text):
            assert caseless.search(text), (source, text)


@pytest.mark.parametrize("source", ["\\b", "a*", "(?:a|b?)", "(", r"x\1(a)", "(?:\\b)"])
def test_a_regex_without_a_prefilter_form_is_unsupported(source: str) -> None:
    with pytest.raises(p.Unsupported):
        p.prefilter_pattern(source)


def test_minus_letters_keeps_the_ascii_range_outside_a_z_and_upper_case() -> None:
    assert p._minus_letters(0, 127) == [(0, 64), (91, 96), (123, 127)]
    assert p._minus_letters(0, 0x200) == [(0, 64), (91, 96), (123, 127)]
    assert p._minus_letters(0x41, 0x5A) == []
    assert p._minus_letters(0x30, 0x39) == [(48, 57)]
    assert p._minus_letters(0x30, 0x41) == [(48, 64)]
    assert p._minus_letters(0x5B, 0x60) == [(91, 96)]
    assert p._minus_letters(0x5A, 0x61) == [(91, 96)]
    assert p._minus_letters(0x7B, 0x200) == [(123, 127)]
    assert p._minus_letters(0x7A, 0x7B) == [(123, 123)]
    assert p._minus_letters(0x40, 0x61) == [(64, 64), (91, 96)]


def test_char_spells_ascii_non_alphanumerics_as_escapes() -> None:
    assert [p._char(c) for c in (0x61, 0x5A, 0x37, 0x2E, 0x7F, 0x80, 0x17F, 0x212A, 0x3B1)] == [
        "a",
        "Z",
        "7",
        "\\x2e",
        "\\x7f",
        "\\xff",
        "s",
        "k",
        "\\xff",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"\.env$", True),
        (r"(?:^|/)\.env$", True),
        (r"(?:/|^)\.env$", True),
        (r"(?:^|x)key$", True),
        (r"(?:^|/)a/b$", False),
        (r"(?:^|/)/a$", False),
        (r"^/key$", False),
        (r"secrets/.*\.env$", False),
        (r"\.env", False),
        ("", False),
        ("(", False),
        (r"[^/]+\.key$", True),
        (r"[a/]x$", False),
        (r"[ab]$", True),
        (r"[^ab]$", False),
        (r"[^\d]$", False),
        (r"[^/\d]$", True),
        (r"[\d]$", True),
        (r"[\u00e9]$", True),
        ("[\u00e9\u00e8]$", True),
        (r"\d$", True),
        (r"\w+\.\w+$", True),
        (r"(?:a|/b)$", False),
        (r"(?:a|b)$", True),
        (r"(a/)$", False),
        (r"(ab)$", True),
        (r"(?:ab)+$", True),
        (r"a/?$", False),
        (r"a(?:/)+$", False),
        (r".env$", False),
        (r"[^a]x$", False),
        (r"[^/]$", True),
        (r"\bkey$", True),
        (r"key\b$", True),
    ],
)
def test_basename_only(source: str, expected: bool) -> None:
    assert p.basename_only(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"(?:^|/)keys/(?:[^/]+/)*[^/]+\.key$", {"keys/"}),
        (r"a(?i:b)c", {"a"}),
        (r"a(?i:bcd)c", {"a"}),
        (r"a(bcd)c", {"bcd"}),
        (r"a(?:bcd)c", {"abcdc"}),
        (r"(?:ab|cd)", {"ab", "cd"}),
        (r"x(?:ab|\d)", {"x"}),
        (r"(?:ab|\d)", None),
        (r"(?:x)+yy", {"yy"}),
        (r"(?:xyz)+yy", {"xyz"}),
        (r"(?:xyz)*yy", {"yy"}),
        (r"x?", None),
        (r"abc", {"abc"}),
        (r"a[bc]d", {"a"}),
        (r"ab[bc]d", {"ab"}),
        (r"a[bc]de", {"de"}),
        (r"(?:ab)?cd", {"cd"}),
        (r"", None),
        (r"(", None),
        (r"(?i)ab", None),
        (r"a{99999999999999999999}", None),
    ],
)
def test_required_literals(source: str, expected: set[str] | None) -> None:
    assert p.required_literals(source) == (None if expected is None else frozenset(expected))


def test_literal_screen_joins_every_pattern_s_strings_or_gives_none() -> None:
    assert p.literal_screen([]) is None
    assert p.literal_screen(["ab", r"\d"]) is None
    screen = p.literal_screen(["ab", "c.d", "c+d"])
    assert screen is not None and screen.pattern == "ab|c"
    assert p.literal_screen([r"a\.b"]) is not None
