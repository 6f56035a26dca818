"""Redaction and fingerprints: the only forms in which a found secret ever leaves the scanner.

Both are keyed (HMAC-SHA256 under the report subkey of the user's fingerprint key, see
`si_paas.state.fingerprintkey`): a fingerprint or a redaction tag in a report cannot be used
to test guesses of the secret. The unkeyed fingerprint of version 1 is still computed, in
memory only, to match old baselines.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote

from si_paas.redaction import redacted
from si_paas.state.fingerprintkey import REPORT, subkey

_TAG_LEN = 8
_MIN_FORM = 4  # shorter forms of a secret are not searched for: they would match anywhere


def report_key() -> bytes:
    """The report subkey of the user's fingerprint key (fetch it once for many calls)."""
    return subkey(REPORT)


def keyed_hex(domain: str, *parts: str, key: bytes | None = None) -> str:
    """Hex HMAC-SHA256 under the report subkey (`key`, when the caller holds it already) of
    `domain` and `parts` (NUL-separated)."""
    material = "\0".join((domain, *parts)).encode("utf-8", "surrogatepass")
    return hmac.new(key or report_key(), material, "sha256").hexdigest()


def secret_hash(secret: str) -> str:
    """Hex sha256 of the secret's UTF-8 bytes (for the version-1 fingerprint only)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(rule_id: str, path: str, secret: str, key: bytes | None = None) -> str:
    """Stable id of one secret in one file under one rule; independent of line and column.

    HMAC-SHA256 under the report subkey over rule id, path and secret, hex, first 16
    characters: the same on every run with the same key, useless for testing guesses
    without it.
    """
    return keyed_hex("si-paas finding v2", rule_id, path, secret, key=key)[:16]


def legacy_fingerprint(rule_id: str, path: str, secret: str) -> str:
    """The unkeyed version-1 fingerprint, so a version-1 baseline still matches. It is
    never written anywhere: version-1 baselines are rewritten keyed by --update-baseline."""
    material = "\0".join((rule_id, path, secret_hash(secret)))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def redact(secret: str, key: bytes | None = None) -> str:
    """`abcd…[hmac:1a2b3c4d]`: the visible prefix (`si_paas.redaction`) and a keyed tag."""
    return redacted(secret, f"[hmac:{keyed_hex('si-paas redaction v1', secret, key=key)[:_TAG_LEN]}]")


def secret_forms(secret: str) -> set[str]:
    """The ways one secret value can be written: as is, JSON/Python/shell-quoted or escaped
    (quotes and backslashes), unescaped, URL- and HTML-encoded."""
    import html  # only when there is a finding: not on a clean commit's path
    import shlex

    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        secret.encode("unicode_escape").decode("ascii", "replace"),
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret),
        unquote(secret),
        html.escape(secret),
        html.unescape(secret),
        secret.replace("\\", "\\\\").replace("'", "\\'").replace('"', '\\"'),
        shlex.quote(secret).strip("'"),
    }
    with contextlib.suppress(ValueError, RecursionError):
        forms.add(str(json.loads(f'"{secret}"')))
    return {f for f in forms if len(f) >= _MIN_FORM}


class RepeatedForms:
    """Every written form of every secret found in one text, in one Aho-Corasick automaton.

    A plain class, not a record: every scan makes one, most of them empty.
    """

    __slots__ = ("automaton", "longest")

    def __init__(self, automaton: Any, longest: int = 0) -> None:
        self.automaton = automaton  # ahocorasick.Automaton | None: value (form length, secret)
        self.longest = longest

    def spans(self, text: str, start: int, end: int) -> list[tuple[int, int, str]]:
        """(start, end, secret) of each occurrence of a form that overlaps text[start:end].

        Only the window and `longest` characters either side are searched, so an excerpt
        costs the same on a 300 KB minified line as on a short one.
        """
        if self.automaton is None:
            return []
        lo, hi = max(0, start - self.longest), min(len(text), end + self.longest)
        found = []
        for end_in, (length, secret) in self.automaton.iter(text[lo:hi]):
            last = lo + end_in
            begin = last - length + 1
            if begin < end and last + 1 > start:
                found.append((begin, last + 1, secret))
        return found


def repeated_forms(secrets: Iterable[str]) -> RepeatedForms:
    """The forms of `secrets`, so an excerpt can redact each occurrence of any of them."""
    owner: dict[str, str] = {}
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in secret_forms(secret):
            owner.setdefault(form, secret)
    if not owner:
        return RepeatedForms(None)
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for form, secret in owner.items():
        automaton.add_word(form, (len(form), secret))
    automaton.make_automaton()
    return RepeatedForms(automaton, max(map(len, owner)))
