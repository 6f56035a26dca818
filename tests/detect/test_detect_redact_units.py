"""The written forms of a secret, their spans in a text, and the fingerprints kept of it."""

from __future__ import annotations

import hashlib

from si_paas.detect import redact as r
from si_paas.detect.baseline import LEGACY_VERSION, Baseline
from si_paas.findings import Finding


def test_secret_forms_spell_every_quoting_and_encoding() -> None:
    assert r.secret_forms('a"b\\c/d é&x') == {
        'a"b\\c/d é&x',
        'a\\"b\\\\c/d \\u00e9&x',  # JSON, ASCII only
        'a\\"b\\\\c/d é&x',  # JSON as UTF-8, and the shell/Python escape
        'a"b\\\\c/d \\xe9&x',  # unicode_escape
        "a%22b%5Cc%2Fd%20%C3%A9%26x",
        "a%22b%5Cc%2Fd+%C3%A9%26x",
        "a%22b%5Cc/d%20%C3%A9%26x",
        "a&quot;b\\c/d é&amp;x",
    }


def test_secret_forms_read_an_escaped_secret_back_and_drop_short_ones() -> None:
    assert r.secret_forms("ab\\u0041cd") == {"ab\\u0041cd", "ab\\\\u0041cd", "ab%5Cu0041cd", "abAcd"}
    assert r.secret_forms("abc") == set()
    assert "abcd" in r.secret_forms("abcd")
    assert r.secret_forms('ab"\\') >= {'ab"\\'}  # not JSON when unquoted: no error


def test_spans_of_every_form_of_every_secret() -> None:
    forms = r.repeated_forms(["", "Sup3r/Secret", "Sup3r"])
    assert forms.longest == len("Sup3r%2FSecret")
    text = "Sup3r/Secret y Sup3r%2FSecret"
    assert sorted(forms.spans(text, 0, len(text))) == [
        (0, 5, "Sup3r"),
        (0, 12, "Sup3r/Secret"),
        (15, 20, "Sup3r"),
        (15, 29, "Sup3r/Secret"),
    ]


def test_spans_overlapping_the_window_only() -> None:
    forms = r.repeated_forms(["Sup3rSecret"])
    text = "x Sup3rSecret y Sup3rSecret"  # at 2-13 and 16-27
    assert forms.spans(text, 3, 5) == [(2, 13, "Sup3rSecret")]
    assert forms.spans(text, 12, 13) == [(2, 13, "Sup3rSecret")]
    assert forms.spans(text, 13, 16) == []  # touching is not overlapping
    assert forms.spans(text, 13, 17) == [(16, 27, "Sup3rSecret")]
    assert forms.spans(text, 0, 2) == []
    assert forms.spans(text, 0, 3) == [(2, 13, "Sup3rSecret")]


def test_a_form_shared_by_two_secrets_belongs_to_the_longer() -> None:
    forms = r.repeated_forms(["abc/def1", "abc%2Fdef1"])  # the second unquotes to the first
    assert forms.spans("x abc/def1 y", 0, 12) == [(2, 10, "abc%2Fdef1")]


def test_no_secret_gives_no_spans() -> None:
    for none in (r.repeated_forms([]), r.repeated_forms(["", "ab"])):
        assert (none.automaton, none.longest) == (None, 0)
        assert none.spans("ab abc", 0, 6) == []


def test_legacy_fingerprint_is_the_unkeyed_version_1_digest() -> None:
    material = "rule\0p\0" + hashlib.sha256(b"s3cret").hexdigest()
    assert r.legacy_fingerprint("rule", "p", "s3cret") == hashlib.sha256(material.encode()).hexdigest()[:16]


def test_a_version_1_baseline_records_findings_by_their_legacy_fingerprint() -> None:
    found = Finding("r", "m", fingerprint="new", legacy_fingerprint="old")
    assert Baseline(version=LEGACY_VERSION).key_of(found) == "old"
    assert Baseline().key_of(found) == "new"


def test_json_as_utf_8_is_a_form_of_its_own() -> None:
    assert "abc\\tdé" in r.secret_forms("abc\tdé")  # escaped tab, the é kept
