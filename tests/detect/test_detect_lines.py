"""Line lookups stay linear: a minified bundle on one long line with thousands of hits."""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.detect.ahomatch import AhoCorasickMatcher
from si_paas.detect.lines import Lines
from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner

PACK = load_secret_rules()


class _Tally(str):
    """A text that adds up how many characters each newline search looks at."""

    looked = 0

    def count(self, sub: str, start: int | None = None, end: int | None = None) -> int:  # type: ignore[override]
        _Tally.looked += (len(self) if end is None else end) - (start or 0)
        return str.count(self, sub, start, end)

    def rfind(self, sub: str, start: int | None = None, end: int | None = None) -> int:  # type: ignore[override]
        found = str.rfind(self, sub, start, end)
        _Tally.looked += (len(self) if end is None else end) - max(found, start or 0)
        return found


def _minified(size: int) -> str:
    rng = random.Random(7)
    parts, total = [], 0
    while total < size:
        token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(20))
        part = f'var a{len(parts)}={{stripe_key:"{token}",x:1}};'
        parts.append(part)
        total += len(part)
    return "".join(parts)


def test_a_344_kb_single_line_file_scans_in_linear_work() -> None:
    text = _minified(344 * 1024)
    _Tally.looked = 0
    tally = _Tally(text)
    lines = Lines(tally)
    for offset in range(0, len(text), 64):  # thousands of lookups on the one line
        assert lines.index(offset) == 0
        lines.learn(0, offset)
        assert lines.start(0) == 0
    assert _Tally.looked <= 2 * len(text), _Tally.looked  # not one pass per lookup


@pytest.mark.parametrize("size", [100 * 1024, 344 * 1024])
def test_a_minified_bundle_gives_what_the_same_code_on_many_lines_gives(size: int) -> None:
    text = _minified(size)
    scanner = SecretScanner(PACK, AhoCorasickMatcher(PACK))
    one_line = scanner.scan_text("dist/app.min.js", text)
    many = scanner.scan_text("dist/app.min.js", text.replace(";var ", ";\nvar "))
    assert len(one_line) > size // 60  # thousands of findings on the one line
    assert all(f.line == 1 for f in one_line)
    assert sorted(f.fingerprint or "" for f in one_line) == sorted(f.fingerprint or "" for f in many)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="ab\n\r", max_size=80),
    offsets=st.lists(st.integers(min_value=0, max_value=80), max_size=30),
)
def test_lookups_agree_before_and_after_the_table(text: str, offsets: list[int]) -> None:
    """Counting newlines and bisecting the table give the same lines and starts."""
    lines = Lines(text)
    for offset in (o for o in offsets if o <= len(text)):
        line = lines.index(offset)
        assert line == text.count("\n", 0, offset)
        assert lines.start(line) == text.rfind("\n", 0, offset) + 1
    for index in range(text.count("\n") + 2):
        start = lines.start(index)
        expected = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"] + [len(text)]
        assert start == expected[min(index, len(expected) - 1)]
