"""Redaction and fingerprints: the only forms in which a found secret ever leaves the scanner."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

ELLIPSIS = "…"
_PREFIX_MAX = 4
_TAG_LEN = 8


def secret_hash(secret: str) -> str:
    """Hex sha256 of the secret's UTF-8 bytes."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(rule_id: str, path: str, secret: str) -> str:
    """Stable id of one secret in one file under one rule; independent of line and column.

    sha256 over rule id, path and the secret's sha256, hex, first 16 characters.
    """
    material = "\0".join((rule_id, path, secret_hash(secret)))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def visible_prefix_length(secret: str) -> int:
    """How many leading characters `redact` may show: at most 4, at most a quarter."""
    return max(0, min(_PREFIX_MAX, len(secret) // 4))


def redact(secret: str) -> str:
    """`abcd…[sha256:1a2b3c4d]`: a short prefix (never the whole secret) and a hash tag."""
    prefix = secret[: visible_prefix_length(secret)]
    return f"{prefix}{ELLIPSIS}[sha256:{secret_hash(secret)[:_TAG_LEN]}]"


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret in `text` by its redacted form.

    Longer secrets go first so that a secret containing another is replaced whole.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, redact(secret))
    return text
