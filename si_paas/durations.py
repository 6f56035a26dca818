"""Durations as operators write them (`500ms`, `5s`, `4h`, `7d`, `6d23h`) and back."""

from __future__ import annotations

import re
from datetime import timedelta

_PART_RE = re.compile(r"(\d+)(ms|s|m|h|d|w)")
_WHOLE_RE = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w))+$")
_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
DURATION_PATTERN = r"^(?:\d+(?:ms|s|m|h|d|w))+$"


def parse_duration(text: str) -> timedelta:
    """`1h30m` -> timedelta; ValueError for anything else (no sign, no spaces, no bare number)."""
    value = text.strip()
    if not _WHOLE_RE.match(value):
        raise ValueError(f"{text!r} is not a duration (use e.g. 500ms, 5s, 10m, 4h, 7d, 6d23h)")
    total = timedelta()
    for number, unit in _PART_RE.findall(value):
        total += int(number) * _UNITS[unit]
    return total


def format_duration(delta: timedelta) -> str:
    """A timedelta as the shortest `7d`, `4h30m`, `5s`, `250ms`."""
    ms = delta // timedelta(milliseconds=1)  # integer arithmetic: floats lose milliseconds
    if ms <= 0:
        return "0s"
    out = ""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, ms = divmod(ms, size)
        if count:
            out += f"{count}{unit}"
    return out
