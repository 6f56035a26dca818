"""Refuse regexes whose backtracking can take exponential (or high polynomial) time.

Python's `re` backtracks: `(a+)+$` against "aaaa…b" tries every way of splitting the a's
between the two quantifiers. A user rule pack is checked once at load with the parser of
`re` itself (`re._parser`), and two shapes are refused when they sit inside a repeat that
can run 3 or more times:

- a variable-length repeat whose characters can also start what follows it in the same
  iteration or the next one (`(a+)+`, `(.*a){20}`, `(\\w+\\s?)+`): one text, many splits;
- an alternation in which one branch matches a prefix of another and the rest of that
  other branch can start the next iteration (`(a|aa)*`, `(a|a)+`).

Characters are compared on a sample alphabet (ASCII plus a few others), so the check is
conservative about classes and exact about literals. `(?:[a-z]+\\.)+` and `(\\r\\n|\\r)+` pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from re import _constants as sre  # type: ignore[attr-defined]  # the parser of `re` (3.11+)
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

MAXREPEAT = sre.MAXREPEAT
OUTER_MIN = 3  # a repeat that can run this many times multiplies ambiguity
PREFIX = 6  # positions compared between alternatives
SAMPLE = frozenset([chr(c) for c in range(128)] + ["é", "ß", "中", "\u00a0", "\u2028", "😀"])
_CATEGORY = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)

Chars = frozenset[str]
Items = Sequence[tuple[Any, Any]]


class Danger(Exception):
    """Raised inside the walk with a description of the first dangerous shape."""


def _fold(chars: set[str], ignore_case: bool) -> Chars:
    if ignore_case:
        chars |= {c.lower() for c in chars} | {c.upper() for c in chars}
    return frozenset(c for c in chars if c in SAMPLE) or frozenset(chars)


def _category(cat: Any) -> set[str]:
    pattern = _CATEGORY.get(cat)
    if pattern is None:
        return set(SAMPLE)
    rx = re.compile(pattern)
    return {c for c in SAMPLE if rx.match(c)}


def _class(items: Items, ignore_case: bool) -> Chars:
    chars: set[str] = set()
    negate = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE:
            lo, hi = av
            chars |= {c for c in SAMPLE if lo <= ord(c) <= hi}
            if hi - lo < 512:
                chars |= {chr(i) for i in range(lo, hi + 1)}
        elif op is sre.CATEGORY:
            chars |= _category(av)
        else:
            chars |= set(SAMPLE)
    folded = _fold(chars, ignore_case)
    return frozenset(SAMPLE - folded) if negate else folded


class _Analysis:
    def __init__(self, flags: int) -> None:
        self.ignore_case = bool(flags & re.IGNORECASE)

    # -- what an item can match ---------------------------------------------------------

    def atom(self, op: Any, av: Any) -> Chars | None:
        """The characters a one-character item matches, or None for anything else."""
        if op is sre.LITERAL:
            return _fold({chr(av)}, self.ignore_case)
        if op is sre.NOT_LITERAL:
            return frozenset(SAMPLE - _fold({chr(av)}, self.ignore_case))
        if op is sre.ANY:
            return SAMPLE
        if op is sre.IN:
            return _class(av, self.ignore_case)
        if op is sre.CATEGORY:
            return frozenset(_category(av))
        return None

    def nullable(self, items: Items) -> bool:
        return all(self.item_nullable(op, av) for op, av in items)

    def item_nullable(self, op: Any, av: Any) -> bool:
        if op in _ZERO_WIDTH:
            return True
        if op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
            return av[0] == 0 or self.nullable(av[2])
        if op is sre.SUBPATTERN:
            return self.nullable(av[3])
        if op is sre.ATOMIC_GROUP:
            return self.nullable(av)
        if op is sre.BRANCH:
            return any(self.nullable(alt) for alt in av[1])
        if op is sre.GROUPREF_EXISTS:
            return self.nullable(av[1]) or (av[2] is None or self.nullable(av[2]))
        return self.atom(op, av) is None and op is not sre.GROUPREF

    def first(self, items: Items) -> Chars:
        """Characters that can start a match of `items`."""
        out: set[str] = set()
        for op, av in items:
            out |= self.item_first(op, av)
            if not self.item_nullable(op, av):
                break
        return frozenset(out)

    def item_first(self, op: Any, av: Any) -> Chars:
        one = self.atom(op, av)
        if one is not None:
            return one
        if op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
            return self.first(av[2]) if av[1] else frozenset()
        if op is sre.SUBPATTERN:
            return self.first(av[3])
        if op is sre.ATOMIC_GROUP:
            return self.first(av)
        if op is sre.BRANCH:
            return frozenset().union(*(self.first(alt) for alt in av[1]))
        if op is sre.GROUPREF_EXISTS:
            return self.first(av[1]) | (self.first(av[2]) if av[2] else frozenset())
        if op is sre.GROUPREF:
            return SAMPLE
        return frozenset()

    def prefix(self, items: Items, limit: int = PREFIX) -> tuple[list[Chars], bool]:
        """Leading one-character positions of `items` and whether that is all of it."""
        out: list[Chars] = []
        for op, av in items:
            if len(out) >= limit:
                return out, False
            one = self.atom(op, av)
            if one is not None:
                out.append(one)
            elif op is sre.SUBPATTERN:
                inner, whole = self.prefix(av[3], limit - len(out))
                out += inner
                if not whole:
                    return out, False
            elif op in _REPEATS and av[0] == av[1] and av[0] <= limit:
                for _ in range(av[0]):
                    inner, whole = self.prefix(av[2], limit - len(out))
                    out += inner
                    if not whole:
                        return out, False
            elif op in _ZERO_WIDTH:
                continue
            else:
                return out, False
        return out, True

    # -- the walk ----------------------------------------------------------------------

    def walk(self, items: Items, follow: Chars, outer: int) -> None:
        """Check `items`; `follow` may come after them, `outer` is the enclosing repeat count."""
        for k, (op, av) in enumerate(items):
            rest = items[k + 1 :]
            after = self.first(rest) | (follow if self.nullable(rest) else frozenset())
            self.item(op, av, after, outer)

    def item(self, op: Any, av: Any, after: Chars, outer: int) -> None:
        if op in _REPEATS:
            low, high, body = av
            if outer >= OUTER_MIN and high != low and high > 0:
                overlap = self.first(body) & after
                if overlap:
                    raise Danger(_shape("a variable repeat", overlap))
            runs = MAXREPEAT if high == MAXREPEAT else max(outer, high)
            inner_follow = after | (self.first(body) if high > 1 else frozenset())
            self.walk(body, inner_follow, runs if high > 1 else outer)
        elif op is sre.SUBPATTERN:
            self.walk(av[3], after, outer)
        elif op is sre.BRANCH:
            alts = av[1]
            if outer >= OUTER_MIN:
                self.branches(alts, after)
            for alt in alts:
                self.walk(alt, after, outer)
        elif op is sre.GROUPREF_EXISTS:
            self.walk(av[1], after, outer)
            if av[2]:
                self.walk(av[2], after, outer)
        # POSSESSIVE_REPEAT and ATOMIC_GROUP never backtrack into themselves: safe.

    def branches(self, alts: Sequence[Items], after: Chars) -> None:
        """Two alternatives where one matches a prefix of the other and the other's rest can
        start what comes next (the next iteration): one text, several splits."""
        shapes = [self.prefix(alt) for alt in alts]
        for i, (a, a_whole) in enumerate(shapes):
            for j, (b, b_whole) in enumerate(shapes):
                if i == j or len(a) > len(b) or (not a and not a_whole):
                    continue
                if len(a) == len(b) and j < i:
                    continue  # each equal-length pair once
                if not all(x & y for x, y in zip(a, b, strict=False)):
                    continue
                if not a_whole:  # a's length is unknown past its prefix: assume the worst
                    raise Danger("alternatives that can match the same text")
                if len(a) == len(b) and b_whole:
                    raise Danger("alternatives that match the same text")
                nxt = b[len(a)] if len(b) > len(a) else SAMPLE
                if nxt & after:
                    raise Danger("alternatives where one is a prefix of another")


def _shape(what: str, overlap: Chars) -> str:
    readable = sorted(c for c in overlap if c.isalnum()) or sorted(
        c for c in overlap if c.isprintable() and not c.isspace()
    )
    shown = repr(readable[0]) if readable else "a shared character"
    return f"{what} inside a repeat, followed by what it can also match ({shown})"


def exponential_shape(source: str, flags: int = 0) -> str | None:
    """Why `source` can backtrack catastrophically, or None when no such shape is found."""
    try:
        parsed = sre_parse.parse(source, flags)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None  # compiling reports it with the position
    analysis = _Analysis(parsed.state.flags)
    try:
        analysis.walk(list(parsed), frozenset(), 1)
    except Danger as exc:
        return str(exc)
    except RecursionError:
        return "nesting too deep to check"
    return None
