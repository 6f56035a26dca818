"""Find secrets in file contents: one keyword pass, then each hit rule's regex near the hit.

The lower-cased text is searched once with an Aho-Corasick automaton built from every
rule's keywords. A rule's regex then runs only on the lines where one of its keywords
occurs (multi-line rules, such as private key blocks, on a window that starts there).
Matches are checked against entropy floors and placeholder allow lists, overlapping
matches keep the earliest rule of the pack, and each finding carries a redacted excerpt
and a fingerprint, never the secret.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, replace

import ahocorasick

from si_paas.detect.filters import first_suppressing, is_published_sample
from si_paas.detect.redact import fingerprint, redact
from si_paas.detect.rulepack import SecretRule, SecretRulePack
from si_paas.findings import Finding

BINARY_SNIFF_BYTES = 8192
MULTILINE_WINDOW = 64 * 1024
MULTILINE_MIN_LINES = 3
EXCERPT_CONTEXT = 60
ALLOW_MARKERS = ("si-paas: allow", "gitleaks:allow", "pragma: allowlist secret")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def is_binary(data: bytes) -> bool:
    """True if the first 8 KiB hold a NUL byte."""
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def shannon_entropy(text: str) -> float:
    """Shannon entropy of `text` in bits per character (0.0 for the empty string)."""
    if not text:
        return 0.0
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in Counter(text).values())


def has_allow_marker(line: str) -> bool:
    """True if a line carries an inline allow comment."""
    lowered = line.lower()
    return any(marker in lowered for marker in ALLOW_MARKERS)


@dataclass(frozen=True)
class _Hit:
    rule_index: int
    start: int  # secret start, absolute offset
    end: int  # secret end
    match_start: int
    secret: str
    suppressed_by: str | None = None  # the filter that dropped it (kept only when explaining)


class _Lines:
    """Line lookups over one text, computed only for the lines asked about.

    Most files have no keyword hit at all, so no table of every line start is built: a line
    number is a C-level newline count and a line start is found from the nearest known one.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: dict[int, int] = {0: 0}  # line index -> start offset, as learnt
        self._allowed: dict[int, bool] = {}
        self._count: int | None = None

    @property
    def count(self) -> int:
        """Number of lines."""
        if self._count is None:
            self._count = self.text.count("\n") + 1
        return self._count

    def index(self, offset: int) -> int:
        """0-based line number of an offset (and its start is remembered)."""
        line = self.text.count("\n", 0, offset)
        if line not in self._starts:
            self._starts[line] = self.text.rfind("\n", 0, offset) + 1
        return line

    def start(self, index: int) -> int:
        """Offset where line `index` starts (len(text) past the last line)."""
        if index in self._starts:
            return self._starts[index]
        if index >= self.count:
            return len(self.text)
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


class SecretScanner:
    """A compiled scanner for one rule pack; reusable and safe to share across files."""

    def __init__(self, pack: SecretRulePack, *, explain: bool = False) -> None:
        """`explain`: also return the candidates a filter suppressed, marked in `extra`."""
        self.pack = pack
        self.explain = explain
        self.rules: tuple[SecretRule, ...] = pack.rules
        # Rules limited to some paths (`.env`, `.pgpass`, ...) take part only in files they
        # apply to: one automaton per set of applicable rules, built on first need.
        self._path_bound = tuple(i for i, r in enumerate(self.rules) if r.paths)
        self._automata: dict[frozenset[int], tuple[ahocorasick.Automaton | None, ...]] = {}

    def _automata_for(self, path: str) -> tuple[ahocorasick.Automaton | None, ...]:
        """(lower-case keywords, case-sensitive keywords) automata of the rules for `path`."""
        applicable = frozenset(i for i in self._path_bound if self.rules[i].applies_to(path))
        if applicable not in self._automata:
            built = []
            for case_sensitive in (False, True):
                by_keyword: dict[str, set[int]] = {}
                for index, rule in enumerate(self.rules):
                    if rule.paths and index not in applicable:
                        continue
                    words = rule.case_sensitive_keywords if case_sensitive else rule.keywords
                    for keyword in words:
                        word = keyword if case_sensitive else keyword.lower()
                        by_keyword.setdefault(word, set()).add(index)
                automaton = None
                if by_keyword:
                    automaton = ahocorasick.Automaton()
                    for keyword, indexes in by_keyword.items():
                        automaton.add_word(keyword, (len(keyword), tuple(sorted(indexes))))
                    automaton.make_automaton()
                built.append(automaton)
            self._automata[applicable] = tuple(built)
        return self._automata[applicable]

    def scan_bytes(self, path: str, data: bytes) -> list[Finding]:
        """Findings in a file's bytes; `path` is only displayed and fingerprinted."""
        if is_binary(data):
            return []
        return self.scan_text(path, data.decode("utf-8", errors="replace"))

    def scan_text(self, path: str, text: str) -> list[Finding]:
        """Findings in decoded text, sorted by line, column and rule.

        A finding points at the first character of its secret (for a private key block,
        the whole block is the secret, so that is the BEGIN line).
        """
        if not text:
            return []
        folded, exact = self._automata_for(path)
        if folded is None and exact is None:
            return []
        if text.startswith("\ufeff"):
            text = " " + text[1:]
        lines = _Lines(text)
        wanted: dict[int, set[int]] = {}
        if folded is not None:
            lowered = text.lower()
            if len(lowered) != len(text):
                lowered = text.translate(_ASCII_LOWER)
            self._keyword_lines(folded, lowered, lines, wanted)
        if exact is not None:
            self._keyword_lines(exact, text, lines, wanted)
        suppressed: list[_Hit] = []
        hits = self._collect(path, text, lines, wanted, suppressed)
        findings = self._findings(path, lines, hits)
        for candidate in suppressed:  # one at a time: candidates of two rules may overlap
            findings += self._findings(path, lines, [candidate])
        return findings

    @staticmethod
    def _keyword_lines(automaton: ahocorasick.Automaton, haystack: str, lines: _Lines,
                       wanted: dict[int, set[int]]) -> None:
        """Add, per rule, the lines holding one of its keywords."""
        text = lines.text
        line, line_end = -1, -1
        for end, (length, indexes) in automaton.iter(haystack):
            begin = end - length + 1
            if begin > line_end:  # a hit on a new line; hits on the same line share it
                line = lines.index(begin)
                line_end = text.find("\n", begin)
                if line_end == -1:
                    line_end = len(text)
            for index in indexes:
                rule_lines = wanted.get(index)
                if rule_lines is None:
                    wanted[index] = {line}
                else:
                    rule_lines.add(line)

    def _collect(self, path: str, text: str, lines: _Lines,
                 wanted: dict[int, set[int]], suppressed: list[_Hit]) -> list[_Hit]:
        accepted: list[_Hit] = []
        starts: list[int] = []  # accepted spans never overlap, so they sort by start and end
        for index in sorted(wanted):
            rule = self.rules[index]  # applicable: the automaton holds only rules for this path
            keyword_lines = sorted(wanted[index])
            for position, line in enumerate(keyword_lines):
                start, end = lines.span(line)
                window_end = end
                if rule.multiline:
                    # Up to the next line holding one of the rule's keywords (a key block
                    # never holds a second BEGIN), but over at least MULTILINE_MIN_LINES.
                    following = (keyword_lines[position + 1]
                                 if position + 1 < len(keyword_lines) else lines.count)
                    stop = max(following, line + MULTILINE_MIN_LINES)
                    stop_offset = lines.start(stop)
                    window_end = min(len(text), start + MULTILINE_WINDOW, stop_offset)
                window = text[start:window_end]
                for match in rule.regex.finditer(window):
                    if rule.multiline and match.start() > end - start:
                        break
                    hit = self._check(rule, index, match, start)
                    if hit is None or self._allowed_inline(lines, hit):
                        continue
                    if hit.suppressed_by is not None:
                        if self.explain:
                            suppressed.append(hit)
                        continue
                    at = bisect_right(starts, hit.start)
                    if at and accepted[at - 1].end > hit.start:
                        continue
                    if at < len(starts) and starts[at] < hit.end:
                        continue
                    starts.insert(at, hit.start)
                    accepted.insert(at, hit)
        return accepted

    def _check(self, rule: SecretRule, index: int, match: re.Match[str],
               base: int) -> _Hit | None:
        s_start, s_end = rule.secret_span(match)
        secret = match.string[s_start:s_end]
        if not secret.strip():
            return None
        if rule.entropy is not None and shannon_entropy(secret) < rule.entropy:
            return None
        if self.pack.is_placeholder(rule, secret):
            return None
        hit = _Hit(index, base + s_start, base + s_end, base + match.start(), secret)
        if is_published_sample("", secret):
            return replace(hit, suppressed_by="published-sample")
        if rule.filters:
            key = match.group("key") if "key" in rule.regex.groupindex else ""
            reason = first_suppressing(rule.filters, key or "", secret)
            if reason is not None:
                return replace(hit, suppressed_by=reason)
        return hit

    @staticmethod
    def _allowed_inline(lines: _Lines, hit: _Hit) -> bool:
        return any(lines.allowed(lines.index(offset)) for offset in {hit.match_start, hit.start})

    def _explanation(self, rule: SecretRule, hit: _Hit) -> dict[str, object]:
        return _explained(rule, hit) if self.explain or hit.suppressed_by else {}

    def _findings(self, path: str, lines: _Lines, hits: list[_Hit]) -> list[Finding]:
        """Findings of accepted hits (sorted, never overlapping), or of suppressed ones."""
        hits = sorted(hits, key=lambda h: h.start)
        starts = [h.start for h in hits]
        findings = []
        for hit in hits:
            rule = self.rules[hit.rule_index]
            line = lines.index(hit.start)
            line_start, line_end = lines.span(line)
            column = hit.start - line_start + 1
            begin = max(line_start, hit.start - EXCERPT_CONTEXT)
            stop = min(line_end, hit.end + EXCERPT_CONTEXT)
            first = max(0, bisect_right(starts, begin) - 1)
            neighbours = hits[first:bisect_right(starts, stop)]
            findings.append(Finding(
                rule=rule.id,
                message=rule.description,
                path=path,
                line=line + 1,
                column=column,
                excerpt=_excerpt(lines.text, line_start, line_end, begin, stop, neighbours),
                fingerprint=fingerprint(rule.id, path, hit.secret),
                severity=rule.severity,
                confidence=rule.confidence,
                extra=self._explanation(rule, hit),
            ))
        findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))
        return findings


def _explained(rule: SecretRule, hit: _Hit) -> dict[str, object]:
    """What `--explain` adds to a finding: the rule's confidence and the filters it passed,
    or the filter that suppressed the candidate."""
    if hit.suppressed_by is not None:
        return {"suppressed_by": hit.suppressed_by}
    return {"explain": {"confidence": rule.confidence, "filters_passed": list(rule.filters)}}


def _excerpt(text: str, line_start: int, line_end: int, begin: int, stop: int,
             neighbours: list[_Hit]) -> str:
    """Text of one line from `begin` to `stop`, with every found secret in it redacted.

    Built from spans, so no part of a found secret is copied: a secret cut by the excerpt's
    edge is replaced whole by its redaction.
    """
    for other in neighbours:
        if other.start < begin < other.end:
            begin = max(line_start, other.start)
        if other.start < stop < other.end:
            stop = min(line_end, other.end)
    pieces = ["…"] if begin > line_start else []
    pos = begin
    for other in neighbours:
        if other.end <= begin or other.start >= stop:
            continue
        if other.start > pos:
            pieces.append(text[pos:other.start])
        pieces.append(redact(other.secret))
        pos = max(pos, other.end)
    if pos < stop:
        pieces.append(text[pos:stop])
    if stop < line_end:
        pieces.append("…")
    return "".join(pieces).strip()
