"""A rule regex in prefilter form: a Hyperscan pattern matching a superset of its matches.

The shipped regexes use look-arounds, word boundaries and lazy repeats, which Hyperscan
refuses. The prefilter form is built from Python's own parse of the regex and keeps only
what Hyperscan takes, always loosening: zero-width assertions are dropped, back-references
become their group's pattern, conditionals both branches, lazy and possessive repeats
plain ones, and character classes are spelled out in ASCII (`\\s` as Python reads it).
The database compiles every pattern caseless and is used on ASCII text only, so a
case-sensitive or Unicode detail of the regex can only add candidates, never drop one.

The end of the pattern is also cut back: a trailing optional part is dropped and a
trailing repeat keeps its minimum count. A match of the cut pattern is a prefix of a match
of the full one, so it ends on the same line, which is all a candidate line needs, and a
long token reports one end instead of one per extra character.
"""

from __future__ import annotations

import re
from re import _constants as C  # type: ignore[attr-defined]  # noqa: N812
from re import _parser as sre  # type: ignore[attr-defined]
from typing import Any

_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f "  # Python's \s on ASCII text
_CATEGORY_IN_SET = {
    C.CATEGORY_DIGIT: "0-9",
    C.CATEGORY_WORD: "a-zA-Z0-9_",
    C.CATEGORY_SPACE: _SPACE,
    # Negated categories inside a set: PCRE's \S allows \x1c-\x1f, a superset of Python's.
    C.CATEGORY_NOT_DIGIT: "\\D",
    C.CATEGORY_NOT_WORD: "\\W",
    C.CATEGORY_NOT_SPACE: "\\S",
}
_CATEGORY = {
    C.CATEGORY_DIGIT: "[0-9]",
    C.CATEGORY_WORD: "[a-zA-Z0-9_]",
    C.CATEGORY_SPACE: f"[{_SPACE}]",
    C.CATEGORY_NOT_DIGIT: "[^0-9]",
    C.CATEGORY_NOT_WORD: "[^a-zA-Z0-9_]",
    C.CATEGORY_NOT_SPACE: f"[^{_SPACE}]",
}
# Characters outside ASCII that a case-insensitive Python regex matches to ASCII letters.
_FOLDS_TO_ASCII = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_NEVER = "\\xff"  # a byte no ASCII text holds: stands for what cannot match there
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)


class Unsupported(ValueError):
    """The regex uses a construct with no prefilter form."""


def prefilter_pattern(source: str) -> str:
    """The prefilter form of a Python regex; Unsupported when there is none."""
    try:
        parsed = sre.parse(source)
    except (re.error, RecursionError) as exc:
        raise Unsupported(str(exc)) from None
    dotall = bool(parsed.state.flags & re.DOTALL)
    items = _trim(list(parsed))
    if not items:
        raise Unsupported("nothing left to match")
    return _Emitter().seq(items, dotall)


def _trim(items: list[Any]) -> list[Any]:
    """`items` with the trailing part that only extends a match cut back."""
    items = list(items)
    while items:
        op, av = items[-1]
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            items.pop()
            continue
        if op in _REPEATS:
            low, _high, sub = av
            if low == 0:
                items.pop()
                continue
            items[-1] = (C.MAX_REPEAT, (low, low, sub))
            return items
        if op is C.SUBPATTERN:
            group, add, delete, sub = av
            inner = _trim(list(sub))
            if not inner:
                items.pop()
                continue
            items[-1] = (C.SUBPATTERN, (group, add, delete, inner))
            return items
        if op is C.BRANCH:
            branches = [_trim(list(b)) for b in av[1]]
            if any(not b for b in branches):
                items.pop()
                continue
            items[-1] = (C.BRANCH, (None, branches))
            return items
        return items
    return items


class _Emitter:
    def __init__(self) -> None:
        self.groups: dict[int, str] = {}

    def seq(self, items: Any, dotall: bool) -> str:
        return "".join(self.item(op, av, dotall) for op, av in items)

    def item(self, op: Any, av: Any, dotall: bool) -> str:
        if op is C.LITERAL:
            return _char(av)
        if op is C.NOT_LITERAL:
            return _charset([(C.NEGATE, None), (C.LITERAL, av)])
        if op is C.ANY:
            return "[\\x00-\\xff]" if dotall else "."
        if op is C.IN:
            return _charset(av)
        if op is C.CATEGORY:
            if av not in _CATEGORY:
                raise Unsupported(f"category {av}")
            return _CATEGORY[av]
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            return ""
        if op is C.BRANCH:
            return "(?:" + "|".join(self.seq(b, dotall) for b in av[1]) + ")"
        if op is C.SUBPATTERN:
            group, add, delete, sub = av
            inner_dotall = (dotall or bool(add & re.DOTALL)) and not delete & re.DOTALL
            body = self.seq(sub, inner_dotall)
            if group is not None:
                self.groups[group] = body
            return f"(?:{body})"
        if op is C.ATOMIC_GROUP:
            return f"(?:{self.seq(av, dotall)})"
        if op in _REPEATS:
            low, high, sub = av
            body = self.seq(sub, dotall)
            bound = f"{{{low},}}" if high is C.MAXREPEAT else f"{{{low},{high}}}"
            return f"(?:{body}){bound}"
        if op is C.GROUPREF:
            if av not in self.groups:
                raise Unsupported("back-reference before its group")
            return f"(?:{self.groups[av]})"
        if op is C.GROUPREF_EXISTS:
            _group, yes, no = av
            other = self.seq(no, dotall) if no is not None else ""
            return f"(?:{self.seq(yes, dotall)}|{other})"
        raise Unsupported(f"construct {op}")


def _char(code: int) -> str:
    if code < 128:
        ch = chr(code)
        return ch if ch.isalnum() else f"\\x{code:02x}"
    if code in _FOLDS_TO_ASCII:
        return _FOLDS_TO_ASCII[code]  # caseless, as is the whole database
    return _NEVER


def _charset(members: Any) -> str:
    negate = any(op is C.NEGATE for op, _ in members)
    parts: list[str] = []
    for op, av in members:
        if op is C.NEGATE:
            continue
        if op is C.LITERAL:
            if negate:
                # Compiled caseless, [^a] also refuses `A`, which Python's [^a] takes: a
                # negated set keeps no letter, so it refuses no more than the regex does.
                if av < 128 and not chr(av).isalpha():
                    parts.append(_char(av))
            elif av < 128 or av in _FOLDS_TO_ASCII:
                parts.append(_char(av))
        elif op is C.RANGE:
            low, high = av
            if negate:
                parts += [f"\\x{a:02x}-\\x{b:02x}" for a, b in _minus_letters(low, high)]
                continue
            if low < 128:
                parts.append(f"\\x{low:02x}-\\x{min(high, 127):02x}")
            parts += [ch for code, ch in _FOLDS_TO_ASCII.items() if low <= code <= high]
        elif op is C.CATEGORY:
            if av not in _CATEGORY_IN_SET:
                raise Unsupported(f"category {av}")
            parts.append(_CATEGORY_IN_SET[av])
        else:
            raise Unsupported(f"set member {op}")
    if not parts:  # only characters outside ASCII (or, negated, only letters)
        return "[\\x00-\\xff]" if negate else _NEVER
    return f"[{'^' if negate else ''}{''.join(parts)}]"


def _minus_letters(low: int, high: int) -> list[tuple[int, int]]:
    """The ASCII part of the range low-high without A-Z and a-z."""
    kept, at, high = [], low, min(high, 127)
    for gap_low, gap_high in ((0x41, 0x5A), (0x61, 0x7A)):
        if at < gap_low and at <= high:
            kept.append((at, min(high, gap_low - 1)))
        at = max(at, gap_high + 1)
    if at <= high:
        kept.append((at, high))
    return kept


def basename_only(source: str) -> bool:
    """True if `re.search(source, path)` depends on the path's last component alone.

    So when the pattern ends in `$`, nothing in it can match `/`, except a leading
    `(?:^|/)`, which then means "at the start of the last component".
    """
    try:
        items = list(sre.parse(source))
    except (re.error, RecursionError):
        return False
    if not items or items[-1] != (C.AT, C.AT_END):
        return False
    items = items[:-1]
    if items and items[0][0] is C.BRANCH:
        alternatives = sorted(map(str, items[0][1][1]))
        if alternatives == sorted(map(str, [[(C.AT, C.AT_BEGINNING)], [(C.LITERAL, 47)]])):
            items = items[1:]
    return not _may_match_slash(items)


def _may_match_slash(items: Any) -> bool:
    for op, av in items:
        if op is C.LITERAL:
            if av == 47:
                return True
        elif op is C.NOT_LITERAL:
            if av != 47:
                return True
        elif op is C.IN:
            negate = any(o is C.NEGATE for o, _ in av)
            members = _charset([m for m in av if m[0] is not C.NEGATE])
            holds = bool(re.fullmatch(f"[{members[1:-1]}]", "/")) if members.startswith("[") else False
            if holds != negate:
                return True
        elif op is C.BRANCH:
            if any(_may_match_slash(b) for b in av[1]):
                return True
        elif op is C.SUBPATTERN:
            if _may_match_slash(av[3]):
                return True
        elif op in _REPEATS:
            if _may_match_slash(av[2]):
                return True
        elif op is C.AT:
            continue
        else:  # any other construct (`.`, categories, look-arounds): not proven
            return True
    return False


def required_literals(source: str) -> frozenset[str] | None:
    """Strings one of which every match of `source` contains, or None when no such set is
    found (a case-insensitive part, a pattern without a literal it cannot do without).

    A path that holds none of them cannot match, so a `str.__contains__` test can stand in
    for the regex search on most paths.
    """
    try:
        parsed = sre.parse(source)
    except (re.error, RecursionError, OverflowError):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _required(list(parsed))
    return found if found and all(found) else None


def _required(items: Any) -> frozenset[str] | None:
    """The best set of required strings of a sequence: the one whose shortest is longest."""
    options: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is C.LITERAL:
            run += chr(av)
            continue
        if run:
            options.append(frozenset([run]))
            run = ""
        inner: frozenset[str] | None = None
        if op is C.SUBPATTERN and not av[1] & re.IGNORECASE:
            inner = _required(list(av[3]))
        elif op is C.BRANCH:
            alternatives = [_required(list(alt)) for alt in av[1]]
            if all(alternatives):
                inner = frozenset().union(*alternatives)  # type: ignore[arg-type]
        elif op in _REPEATS and av[0] >= 1:
            inner = _required(list(av[2]))
        if inner:
            options.append(inner)
    if run:
        options.append(frozenset([run]))
    return max(options, key=lambda s: min(map(len, s)), default=None)


def literal_screen(sources: list[str]) -> re.Pattern[str] | None:
    """A search for plain strings: a text it finds nothing in matches none of `sources`.

    None when some source has no required strings (`required_literals`).
    """
    sets = [required_literals(s) for s in sources]
    if not sets or any(s is None for s in sets):
        return None
    words: frozenset[str] = frozenset().union(*sets)  # type: ignore[arg-type]
    return re.compile("|".join(map(re.escape, sorted(words))))
