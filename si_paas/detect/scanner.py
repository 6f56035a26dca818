"""Find secrets in file contents: one matcher pass, then each rule's regex on its lines.

A matcher backend (`detect/matcher.py`: Hyperscan or Aho-Corasick) finds, per rule, the
lines holding one of its keywords where its regex can match. The rule's exact regex then
runs only on those lines (multi-line rules, such as private key blocks, on a window that
starts there), so every backend gives the same findings.
Matches are checked against entropy floors and placeholder allow lists, overlapping
matches keep the earliest rule of the pack, and each finding carries a redacted excerpt
and a fingerprint, never the secret.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import replace

from si_paas.detect import chunks
from si_paas.detect.chunks import Content
from si_paas.detect.filters import first_suppressing, is_published_sample
from si_paas.detect.lines import Lines
from si_paas.detect.matcher import Matcher, select_matcher
from si_paas.detect.redact import (
    RepeatedForms,
    fingerprint,
    legacy_fingerprint,
    redact,
    repeated_forms,
    report_key,
)
from si_paas.detect.rulepack import SecretRule, SecretRulePack
from si_paas.findings import Finding
from si_paas.records import record

BINARY_SNIFF_BYTES = 8192
MULTILINE_WINDOW = 64 * 1024
MULTILINE_MIN_LINES = 3
EXCERPT_CONTEXT = 60


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_BOM_PREFIXES = tuple(bom for bom, _ in _BOMS)
_BOM_FIRST = frozenset(bom[:1] for bom in _BOM_PREFIXES)


def is_binary(data: bytes) -> bool:
    """True if the first 8 KiB hold a NUL byte."""
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def is_binary_content(data: Content) -> bool:
    """True when `decode_text` would call these bytes binary (read only their head)."""
    head = data[:BINARY_SNIFF_BYTES]
    return b"\0" in head and not head.startswith(_BOM_PREFIXES)


def decode_text(data: bytes) -> str | None:
    """The text of a file's bytes, or None for a binary file.

    A UTF-16 or UTF-32 byte-order mark (Windows editors write `.env` files so) decodes the
    file in that encoding, NUL bytes and all; otherwise a NUL byte in the first 8 KiB
    means binary, and the rest is UTF-8 (undecodable bytes replaced).
    """
    if data[:1] in _BOM_FIRST:  # most files start with no byte of a byte-order mark
        for bom, codec in _BOMS:
            if data.startswith(bom):
                return data[len(bom) :].decode(codec, errors="replace")
    if is_binary(data):
        return None
    return data.decode("utf-8", errors="replace")


def shannon_entropy(text: str) -> float:
    """Shannon entropy of `text` in bits per character (0.0 for the empty string)."""
    if not text:
        return 0.0
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in Counter(text).values())


@record(frozen=True)
class _Hit:
    rule_index: int
    start: int  # secret start, absolute offset
    end: int  # secret end
    match_start: int
    secret: str
    suppressed_by: str | None = None  # the filter that dropped it (kept only when explaining)


class SecretScanner:
    """A compiled scanner for one rule pack; reusable and safe to share across files."""

    def __init__(
        self,
        pack: SecretRulePack,
        matcher: Matcher | None = None,
        *,
        may_compile: bool = True,
        files: int | None = None,
        explain: bool = False,
    ) -> None:
        """`may_compile` and `files` (how many files will be scanned) steer the choice of
        matcher backend, made on first use unless `matcher` is given. `explain`: also
        return the candidates a filter suppressed, marked `suppressed_by` in `extra`."""
        self.pack = pack
        self.explain = explain
        self.rules: tuple[SecretRule, ...] = pack.rules
        self._matcher = matcher
        self._may_compile = may_compile
        self._files = files

    @property
    def matcher(self) -> Matcher:
        """The matcher backend, chosen on first use (see `detect/matcher.py`)."""
        if self._matcher is None:
            self._matcher = select_matcher(self.pack, may_compile=self._may_compile, files=self._files)
        return self._matcher

    def scan_file(self, path: str, data: Content) -> list[Finding] | None:
        """`scan_bytes` of a file's bytes, or None when they are binary."""
        return None if is_binary_content(data) else self.scan_bytes(path, data)

    def scan_bytes(self, path: str, data: Content) -> list[Finding]:
        """Findings in a file's bytes; `path` is only displayed and fingerprinted.

        A file over `chunks.LARGE_FILE_BYTES` in UTF-8 is scanned in chunks, with the same
        findings as a whole-file scan (see `detect/chunks.py`); one in UTF-16 or UTF-32
        (a byte-order mark) is decoded whole.
        """
        if len(data) <= chunks.LARGE_FILE_BYTES or data[:4].startswith(_BOM_PREFIXES):
            text = decode_text(data if isinstance(data, bytes) else data[0 : len(data)])
            return [] if text is None else self.scan_text(path, text)
        if is_binary_content(data) or not self.rules:
            return []
        return self._scan_chunks(path, data)

    def _scan_chunks(self, path: str, data: Content) -> list[Finding]:
        """`scan_text` of the whole file, one chunk at a time.

        First pass: each chunk's candidates on the lines it owns, at their offsets in the
        whole file's text; then the overlap rule over all of them in the whole-file order.
        Second pass, only over chunks holding a hit: findings and excerpts, each chunk read
        with a margin wide enough for the longest written form of any secret found.
        """
        pieces: list[tuple[int, int, int, int]] = []  # owned, owned_end, first char, first line
        candidates: list[_Hit] = []
        char_at, line_at = 0, 0  # the whole text's offset and line of the chunk's owned start
        for chunk in chunks.chunks(data):
            text, lines, first, last = _chunk_text(chunk, len(data))
            char_first = lines.start(first)
            base = char_at - char_first
            pieces.append((chunk.owned, chunk.owned_end, char_at, line_at))
            wanted = self.matcher.candidates(path, lines)
            if wanted:
                candidates += [
                    replace(h, start=h.start + base, end=h.end + base, match_start=h.match_start + base)
                    for h in self._candidates(text, lines, wanted, (first, last))
                ]
            char_at += lines.start(last) - char_first
            line_at += last - first
        candidates.sort(key=lambda h: h.rule_index)  # stable: file order within each rule
        suppressed: list[_Hit] = []
        hits = self._accept(candidates, suppressed)
        if not hits and not suppressed:
            return []
        repeats = repeated_forms(h.secret for h in hits)
        margin = max(chunks.OVERLAP_BYTES, 4 * repeats.longest)  # >= longest form, in chars
        findings: list[Finding] = []
        explained: dict[int, list[Finding]] = {}  # by place in `suppressed`
        owned_starts = [p[2] for p in pieces]
        for number, (owned, owned_end, char_owned, line_owned) in enumerate(pieces):

            def here(h: _Hit) -> bool:
                return bisect_right(owned_starts, h.start) - 1 == number  # noqa: B023

            mine = [h for h in hits if here(h)]
            theirs = [(i, h) for i, h in enumerate(suppressed) if here(h)]
            if not mine and not theirs:
                continue
            chunk = chunks.chunk_owning(data, owned, owned_end, margin)
            text, lines, first, _ = _chunk_text(chunk, len(data))
            base = char_owned - lines.start(first)
            line_base = line_owned - first

            def local(h: _Hit, base: int = base) -> _Hit:
                return replace(h, start=h.start - base, end=h.end - base, match_start=h.match_start - base)

            near = [local(h) for h in hits]
            findings += self._findings(
                path, lines, near, repeats, emit=[local(h) for h in mine], line_base=line_base
            )
            for i, candidate in theirs:
                explained[i] = self._findings(path, lines, [local(candidate)], repeats, line_base=line_base)
        findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))
        for i in sorted(explained):  # in candidate order, as a whole-file scan gives them
            findings += explained[i]
        return findings

    def scan_text(self, path: str, text: str) -> list[Finding]:
        """Findings in decoded text, sorted by line, column and rule.

        A finding points at the first character of its secret (for a private key block,
        the whole block is the secret, so that is the BEGIN line).
        """
        if not text or not self.rules:
            return []
        if text.startswith("\ufeff"):
            text = " " + text[1:]
        lines = Lines(text)
        wanted = self.matcher.candidates(path, lines)
        if not wanted:
            return []
        suppressed: list[_Hit] = []
        hits = self._collect(path, text, lines, wanted, suppressed)
        repeats = repeated_forms(h.secret for h in hits)
        findings = self._findings(path, lines, hits, repeats)
        for candidate in suppressed:  # one at a time: candidates of two rules may overlap
            findings += self._findings(path, lines, [candidate], repeats)
        return findings

    def _collect(
        self, path: str, text: str, lines: Lines, wanted: dict[int, set[int]], suppressed: list[_Hit]
    ) -> list[_Hit]:
        return self._accept(self._candidates(text, lines, wanted), suppressed)

    def _candidates(
        self, text: str, lines: Lines, wanted: dict[int, set[int]], owned: tuple[int, int] | None = None
    ) -> list[_Hit]:
        """Every candidate hit (those a filter suppressed marked), rule by rule in pack
        order, each rule's in line order; only hits starting on lines in `owned`, if given."""
        found: list[_Hit] = []
        for index in sorted(wanted):
            rule = self.rules[index]  # applicable: the automaton holds only rules for this path
            keyword_lines = sorted(wanted[index])
            for position, line in enumerate(keyword_lines):
                if owned is not None and not owned[0] <= line < owned[1]:
                    continue
                start, end = lines.span(line)
                window_end = end
                if rule.multiline:
                    # Up to the next line holding one of the rule's keywords (a key block
                    # never holds a second BEGIN), but over at least MULTILINE_MIN_LINES.
                    following = (
                        keyword_lines[position + 1] if position + 1 < len(keyword_lines) else lines.count
                    )
                    stop = max(following, line + MULTILINE_MIN_LINES)
                    stop_offset = lines.start(stop)
                    window_end = min(len(text), start + MULTILINE_WINDOW, stop_offset)
                window = text[start:window_end]
                for match in rule.regex.finditer(window):
                    if rule.multiline and match.start() > end - start:
                        break
                    hit = self._check(rule, index, match, start)
                    if hit is not None and not self._allowed_inline(lines, hit):
                        found.append(hit)
        return found

    def _accept(self, candidates: list[_Hit], suppressed: list[_Hit]) -> list[_Hit]:
        """The hits kept, sorted: in candidate order, each one overlapping none kept before
        it; the suppressed ones go to `suppressed` when explaining."""
        accepted: list[_Hit] = []
        starts: list[int] = []  # accepted spans never overlap, so they sort by start and end
        for hit in candidates:
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

    def _check(self, rule: SecretRule, index: int, match: re.Match[str], base: int) -> _Hit | None:
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
    def _allowed_inline(lines: Lines, hit: _Hit) -> bool:
        return any(lines.allowed(lines.index(offset)) for offset in {hit.match_start, hit.start})

    def _explanation(self, rule: SecretRule, hit: _Hit) -> dict[str, object]:
        return _explained(rule, hit) if self.explain or hit.suppressed_by else {}

    def _findings(
        self,
        path: str,
        lines: Lines,
        hits: list[_Hit],
        repeats: RepeatedForms,
        emit: list[_Hit] | None = None,
        line_base: int = 0,
    ) -> list[Finding]:
        """Findings of accepted hits (sorted, never overlapping), or of suppressed ones.

        `repeats` holds the written forms of every secret found in the file, so each of
        their occurrences in any excerpt is redacted too. `emit`: the hits to report when
        not all of `hits` (the others are neighbours only); `line_base`: the file's line
        number of the first line of `lines` (a chunk's)."""
        starts = [h.start for h in hits]
        emitted = hits if emit is None else emit
        key = report_key() if emitted else b""  # fetched once for every fingerprint and tag
        findings = []
        for hit in emitted:
            rule = self.rules[hit.rule_index]
            line = lines.index(hit.start)
            line_start, line_end = lines.span(line)
            column = hit.start - line_start + 1
            begin = max(line_start, hit.start - EXCERPT_CONTEXT)
            stop = min(line_end, hit.end + EXCERPT_CONTEXT)
            first = max(0, bisect_right(starts, begin) - 1)
            neighbours = hits[first : bisect_right(starts, stop)]
            findings.append(
                Finding(
                    rule=rule.id,
                    message=rule.description,
                    path=path,
                    line=line_base + line + 1,
                    column=column,
                    excerpt=_excerpt(lines.text, line_start, line_end, begin, stop, neighbours, repeats, key),
                    fingerprint=fingerprint(rule.id, path, hit.secret, key),
                    severity=rule.severity,
                    confidence=rule.confidence,
                    extra=self._explanation(rule, hit),
                    legacy_fingerprint=legacy_fingerprint(rule.id, path, hit.secret),
                )
            )
        findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))
        return findings


def _chunk_text(chunk: chunks.Chunk, size: int) -> tuple[str, Lines, int, int]:
    """A chunk's text and lines, and the first and past-the-last line it owns (their starts
    learnt from the byte offsets, so no lookup walks the chunk line by line)."""
    text = chunk.data.decode("utf-8", errors="replace")
    if chunk.start == 0 and text.startswith("\ufeff"):
        text = " " + text[1:]
    lines = Lines(text)
    head, owned = chunk.owned - chunk.start, chunk.owned_end - chunk.start
    first = chunk.data.count(b"\n", 0, head)
    last = lines.count if chunk.owned_end >= size else first + chunk.data.count(b"\n", head, owned)
    ascii_only = len(text) == len(chunk.data)

    def chars(end: int) -> int:
        return end if ascii_only else len(chunk.data[:end].decode("utf-8", errors="replace"))

    lines.learn(first, chars(head))
    if chunk.owned_end < size:
        lines.learn(last, chars(owned))
    return text, lines, first, last


def _explained(rule: SecretRule, hit: _Hit) -> dict[str, object]:
    """What `--explain` adds to a finding: the rule's confidence and the filters it passed,
    or the filter that suppressed the candidate."""
    if hit.suppressed_by is not None:
        return {"suppressed_by": hit.suppressed_by}
    return {"explain": {"confidence": rule.confidence, "filters_passed": list(rule.filters)}}


def _excerpt(
    text: str,
    line_start: int,
    line_end: int,
    begin: int,
    stop: int,
    neighbours: list[_Hit],
    repeats: RepeatedForms,
    key: bytes,
) -> str:
    """Text of one line from `begin` to `stop`, with every found secret in it redacted.

    Built from spans, so no part of a found secret is copied: the spans are the hits on the
    line plus every other occurrence, on the line, of any secret found in the file (and of
    its quoted, escaped and URL-encoded forms); a span cut by the excerpt's edge widens the
    excerpt to hold it whole, so it is replaced whole by its redaction.
    """
    spans = [(h.start, h.end, h.secret) for h in neighbours]
    spans += repeats.spans(text, begin, stop)
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, secret in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, secret))
    for start, end, _ in merged:
        if start < begin < end:
            begin = max(line_start, start)
        if start < stop < end:
            stop = min(line_end, end)
    pieces = ["…"] if begin > line_start else []
    pos = begin
    for start, end, secret in merged:
        if end <= begin or start >= stop:
            continue
        if start > pos:
            pieces.append(text[pos:start])
        pieces.append(redact(secret, key))
        pos = max(pos, end)
    if pos < stop:
        pieces.append(text[pos:stop])
    if stop < line_end:
        pieces.append("…")
    return "".join(pieces).strip()
