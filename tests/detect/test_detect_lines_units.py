"""Line lookups answer the same whatever their order: before the table, after it, learnt."""

from __future__ import annotations

import pytest

from si_paas.detect.lines import Lines, has_allow_marker

TEXT = "zero\none\r\n\nthree # si-paas: allow\nfour\n\nsix"


def _starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]


def _expected(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    starts = _starts(text)
    spans = []
    for n, start in enumerate(starts):
        end = starts[n + 1] - 1 if n + 1 < len(starts) else len(text)
        if end > start and text[end - 1] == "\r":
            end -= 1
        spans.append((start, end))
    return starts, spans


@pytest.mark.parametrize("warm", [0, 3, Lines.TABLE_AFTER - 1, Lines.TABLE_AFTER, 20])
def test_every_lookup_agrees_with_counting(warm: int) -> None:
    starts, spans = _expected(TEXT)
    lines = Lines(TEXT)
    for offset in range(warm):  # index() calls first, then the table may be built
        assert lines.index(offset % len(TEXT)) == TEXT.count("\n", 0, offset % len(TEXT))
    assert lines.count == len(starts)
    assert [lines.start(n) for n in reversed(range(len(starts)))] == list(reversed(starts))
    assert [lines.span(n) for n in range(len(starts))] == spans
    assert lines.start(len(starts)) == len(TEXT)
    assert [lines.index(o) for o in range(len(TEXT) + 1)] == [
        TEXT.count("\n", 0, o) for o in range(len(TEXT) + 1)
    ]


@pytest.mark.parametrize("warm", [0, Lines.TABLE_AFTER])
def test_starts_found_by_index_are_remembered_right(warm: int) -> None:
    starts, _ = _expected(TEXT)
    lines = Lines(TEXT)
    for _ in range(warm):
        lines.index(0)
    for offset in (len(TEXT) - 1, 20, 12, 6):
        line = lines.index(offset)
        assert lines.start(line) == starts[line]


def test_the_table_is_built_on_the_eighth_lookup() -> None:
    lines = Lines(TEXT)
    for _ in range(Lines.TABLE_AFTER - 1):
        lines.index(3)
    assert lines._newlines is None
    lines.index(3)
    assert lines._newlines == [i for i, c in enumerate(TEXT) if c == "\n"]
    assert lines.count == TEXT.count("\n") + 1


@pytest.mark.parametrize("warm", [0, Lines.TABLE_AFTER])
def test_learnt_starts(warm: int) -> None:
    starts, _ = _expected(TEXT)
    lines = Lines(TEXT)
    for _ in range(warm):
        lines.index(0)
    lines.learn(4, starts[4] + 2)  # any offset on the line
    lines.learn(2, starts[2])
    lines.learn(0, 3)
    assert [lines.start(n) for n in (4, 2, 0, 5, 3)] == [starts[4], starts[2], 0, starts[5], starts[3]]


def test_allow_markers() -> None:
    assert has_allow_marker("x = 1  # SI-PAAS: ALLOW")
    assert has_allow_marker("x # gitleaks:allow") and has_allow_marker("x # pragma: allowlist secret")
    assert has_allow_marker("x = 1") is False
    lines = Lines(TEXT)
    assert [lines.allowed(n) for n in range(4)] == [False, False, False, True]
    assert lines.allowed(3) is True  # cached


def test_an_empty_text_has_one_empty_line() -> None:
    lines = Lines("")
    assert (lines.count, lines.start(0), lines.span(0), lines.index(0), lines.start(1)) == (
        1,
        0,
        (0, 0),
        0,
        0,
    )


def test_a_line_learnt_after_a_leading_newline() -> None:
    lines = Lines("\nabc\ndef")
    lines.learn(1, 2)
    lines.learn(2, 7)
    assert (lines.start(1), lines.start(2)) == (1, 5)
