"""The matcher: which lines of a file each rule's exact regex must look at.

A scan has two steps. A matcher backend finds, per rule, the candidate lines of a text;
then the rule's exact Python regex judges those lines (see `detect/scanner.py`). Every
backend returns the lines that hold one of the rule's keywords (ASCII case-insensitive,
or exact for `case_sensitive_keywords`) on which the rule's regex can match, and never
drops one of them, so the backends differ in speed, not in findings:

* `python`: one Aho-Corasick pass over the lower-cased text (`detect/ahomatch.py`); runs
  everywhere;
* `hyperscan`: one Hyperscan pass over the bytes with a database that holds each rule's
  regex in prefilter form (`detect/hsmatch.py`); x86-64 Linux, where the `hyperscan` wheel
  exists.

`SI_PAAS_MATCHER=python|hyperscan|auto` (default auto) picks one; auto takes Hyperscan
when it imports and its database is cached or may be compiled, else the Python backend.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Protocol

from si_paas.errors import InputError

if TYPE_CHECKING:
    from si_paas.detect.lines import Lines
    from si_paas.detect.rulepack import SecretRulePack

MATCHER_ENV = "SI_PAAS_MATCHER"
BACKENDS = ("auto", "python", "hyperscan")
# Below this many files auto takes the Python backend: loading the Hyperscan database
# (about 25 ms) costs more than building the automata and scanning a few files.
SMALL_SCAN_FILES = 64


class Matcher(Protocol):
    """Candidate lines per rule; a superset of the lines where a rule's regex matches."""

    name: str

    def candidates(self, path: str, lines: Lines) -> dict[int, set[int]]:
        """{rule index: 0-based line numbers} for the rules that apply to `path`."""
        ...


def requested() -> str:
    """The backend $SI_PAAS_MATCHER asks for (auto when unset); InputError if unknown."""
    asked = os.environ.get(MATCHER_ENV, "").strip().lower() or "auto"
    if asked not in BACKENDS:
        raise InputError(f"{MATCHER_ENV}: unknown matcher {asked!r} (expected one of {', '.join(BACKENDS)})")
    return asked


def select_matcher(pack: SecretRulePack, *, may_compile: bool = True, files: int | None = None) -> Matcher:
    """The matcher for `pack`: the one asked for, or the fastest one this machine has.

    `may_compile=False` (the pre-commit hook) takes Hyperscan only when its database is in
    the disk cache: compiling it costs more than the hook's whole scan. `files`, when
    known, is how many files the scan will judge.
    """
    from si_paas.detect.ahomatch import AhoCorasickMatcher

    asked = requested()
    small = files is not None and files < SMALL_SCAN_FILES
    if asked == "hyperscan" or (asked == "auto" and not small):
        from si_paas.detect import hsmatch

        found = hsmatch.load(pack, may_compile=may_compile or asked == "hyperscan")
        if found is not None:
            return found
        if asked == "hyperscan":
            raise InputError(f"{MATCHER_ENV}=hyperscan: {hsmatch.unavailable_reason()}")
    return AhoCorasickMatcher(pack)
