"""The portable matcher backend: one Aho-Corasick pass over a file's lower-cased text."""

from __future__ import annotations

import ahocorasick

from si_paas.detect.lines import Lines
from si_paas.detect.rulepack import SecretRule, SecretRulePack

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# The only characters outside ASCII whose str.lower() holds an ASCII letter; keywords
# match ASCII case-insensitively, so text holding them is folded by the ASCII table.
_FOLDS_TO_ASCII = ("\u0130", "\u212a")


def ascii_lower(text: str) -> str:
    """`text` with A-Z lower-cased and every other character kept (same length)."""
    lowered = text.lower()
    if len(lowered) != len(text) or (not text.isascii() and any(c in text for c in _FOLDS_TO_ASCII)):
        return text.translate(_ASCII_LOWER)
    return lowered


class AhoCorasickMatcher:
    """Keyword lines of every rule, from two automata (lower-case and case-sensitive words).

    Rules limited to some paths (`.env`, `.pgpass`, ...) take part only in files they apply
    to: one pair of automata per set of applicable rules, built on first need.
    """

    name = "python"

    def __init__(self, pack: SecretRulePack) -> None:
        self.rules: tuple[SecretRule, ...] = pack.rules
        self._path_bound = tuple(i for i, r in enumerate(self.rules) if r.paths)
        self._automata: dict[frozenset[int], tuple[ahocorasick.Automaton | None, ...]] = {}

    def _automata_for(self, path: str) -> tuple[ahocorasick.Automaton | None, ...]:
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

    def candidates(self, path: str, lines: Lines) -> dict[int, set[int]]:
        """Per rule, the lines holding one of its keywords."""
        folded, exact = self._automata_for(path)
        wanted: dict[int, set[int]] = {}
        if folded is not None:
            _keyword_lines(folded, ascii_lower(lines.text), lines, wanted)
        if exact is not None:
            _keyword_lines(exact, lines.text, lines, wanted)
        return wanted


def _keyword_lines(
    automaton: ahocorasick.Automaton, haystack: str, lines: Lines, wanted: dict[int, set[int]]
) -> None:
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
