"""Line lookups over one text, computed only for the lines a scan asks about."""

from __future__ import annotations

from bisect import bisect_left

ALLOW_MARKERS = ("si-paas: allow", "gitleaks:allow", "pragma: allowlist secret")


def has_allow_marker(line: str) -> bool:
    """True if a line carries an inline allow comment."""
    lowered = line.lower()
    return any(marker in lowered for marker in ALLOW_MARKERS)


class Lines:
    """Line lookups over one text, computed only for the lines asked about.

    Most files have no keyword hit at all, so no table of every line start is built up
    front: the first few lookups count newlines in C. From the `TABLE_AFTER`-th lookup on,
    the offsets of every newline are listed once and each lookup is a bisection, so a file
    with thousands of hits (a minified bundle on one 300 KB line) stays linear.
    """

    TABLE_AFTER = 8

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: dict[int, int] = {0: 0}  # line index -> start offset, as learnt
        self._allowed: dict[int, bool] = {}
        self._count: int | None = None
        self._newlines: list[int] | None = None  # offsets of every "\n", once built
        self._lookups = 0

    @property
    def count(self) -> int:
        """Number of lines."""
        if self._count is None:
            self._count = (len(self._newlines) if self._newlines is not None else self.text.count("\n")) + 1
        return self._count

    def _table(self) -> list[int] | None:
        """The newline offsets, built on the `TABLE_AFTER`-th lookup (None before)."""
        if self._newlines is None:
            self._lookups += 1
            if self._lookups < self.TABLE_AFTER:
                return None
            text, found, at = self.text, [], self.text.find("\n")
            while at != -1:
                found.append(at)
                at = text.find("\n", at + 1)
            self._newlines = found
        return self._newlines

    def index(self, offset: int) -> int:
        """0-based line number of an offset (and its start is remembered)."""
        table = self._table()
        if table is not None:
            line = bisect_left(table, offset)
            if line not in self._starts:
                self._starts[line] = table[line - 1] + 1 if line else 0
            return line
        line = self.text.count("\n", 0, offset)
        if line not in self._starts:
            self._starts[line] = self.text.rfind("\n", 0, offset) + 1
        return line

    def learn(self, index: int, offset: int) -> None:
        """Remember that `offset` lies on line `index` (its start is found from there)."""
        if index not in self._starts:
            table = self._newlines
            self._starts[index] = (
                (table[index - 1] + 1 if index else 0)
                if table is not None
                else self.text.rfind("\n", 0, offset) + 1
            )

    def start(self, index: int) -> int:
        """Offset where line `index` starts (len(text) past the last line)."""
        if index in self._starts:
            return self._starts[index]
        if index >= self.count:
            return len(self.text)
        table = self._table()
        if table is not None:
            offset = table[index - 1] + 1 if index else 0
        else:
            line = max(i for i in self._starts if i < index)
            offset = self._starts[line]
            while line < index:
                offset = self.text.find("\n", offset) + 1
                line += 1
        self._starts[index] = offset
        return offset

    def allowed(self, index: int) -> bool:
        """True if the line carries an inline allow comment (cached)."""
        if index not in self._allowed:
            start, end = self.span(index)
            self._allowed[index] = has_allow_marker(self.text[start:end])
        return self._allowed[index]

    def span(self, index: int) -> tuple[int, int]:
        """Start and end of a line, without its line break."""
        start = self.start(index)
        end = self.text.find("\n", start)
        if end == -1:
            end = len(self.text)
        if end > start and self.text[end - 1] == "\r":
            end -= 1
        return start, end
