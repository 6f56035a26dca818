"""Regexes compiled on first use, and screened by strings every match must hold.

A pre-commit run judges one file: most of the module-level and rule-file regexes are
never needed, and compiling them all would cost more than the scan. `LazyRegex` stands in
for a compiled `re.Pattern` (the methods this package calls) and compiles at its first
call. With a `screen` (strings one of which every match contains, as
`detect.prefilter.required_literals` finds them) a text holding none of them is answered
"no match" by `search` without compiling or running the regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import AnyStr, Generic


class LazyRegex(Generic[AnyStr]):
    """A regex source compiled on first use; `screen` lets `search` skip hopeless texts."""

    __slots__ = ("_compiled", "_flags", "pattern", "screen")

    def __init__(self, pattern: AnyStr, flags: int = 0, screen: Iterable[AnyStr] | None = None) -> None:
        self.pattern: AnyStr = pattern
        self._flags = flags
        self.screen: tuple[AnyStr, ...] | None = None if screen is None else tuple(screen)
        self._compiled: re.Pattern[AnyStr] | None = None

    def __repr__(self) -> str:
        return f"LazyRegex({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        """Equal when source and flags are, as compiled patterns are (the screen follows
        from the source)."""
        if not isinstance(other, LazyRegex):
            return NotImplemented
        return bool(self.pattern == other.pattern and self._flags == other._flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self._flags))

    @property
    def compiled(self) -> re.Pattern[AnyStr]:
        """The compiled regex (compiled now when it was not yet)."""
        found = self._compiled
        if found is None:
            found = self._compiled = re.compile(self.pattern, self._flags)
        return found

    @property
    def flags(self) -> int:
        return self.compiled.flags

    @property
    def groups(self) -> int:
        return self.compiled.groups

    @property
    def groupindex(self) -> dict[str, int]:
        return dict(self.compiled.groupindex)

    def passes_screen(self, string: AnyStr) -> bool:
        """False when `string` holds none of the screen's strings (so it cannot match)."""
        screen = self.screen
        return screen is None or any(s in string for s in screen)

    def search(self, string: AnyStr, pos: int = 0) -> re.Match[AnyStr] | None:
        if not self.passes_screen(string):
            return None
        return self.compiled.search(string, pos)

    def match(self, string: AnyStr, pos: int = 0) -> re.Match[AnyStr] | None:
        if not self.passes_screen(string):
            return None
        return self.compiled.match(string, pos)

    def fullmatch(self, string: AnyStr) -> re.Match[AnyStr] | None:
        if not self.passes_screen(string):
            return None
        return self.compiled.fullmatch(string)

    def findall(self, string: AnyStr) -> list[AnyStr]:
        if not self.passes_screen(string):
            return []
        return self.compiled.findall(string)

    def sub(self, repl: AnyStr | Callable[[re.Match[AnyStr]], AnyStr], string: AnyStr) -> AnyStr:
        if not self.passes_screen(string):
            return string
        return self.compiled.sub(repl, string)

    def split(self, string: AnyStr) -> list[AnyStr]:
        if not self.passes_screen(string):
            return [string]
        return self.compiled.split(string)


def lazy(pattern: AnyStr, flags: int = 0) -> LazyRegex[AnyStr]:
    """A module-level regex that compiles on its first use."""
    return LazyRegex(pattern, flags)
