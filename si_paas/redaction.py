"""How much of a secret a redacted form may show: one rule for every redacted form.

Scanner excerpts (`abcd…[hmac:1a2b3c4d]`), `secret get` (`abcd…fp:1a2b3c4d5e6f`), the
bundle and backup refusals (`xoxb…, 28 characters`) and an invalid key name that may be a
pasted value all show the same prefix: at most 4 leading characters and never more than a
quarter of the value (`abcdefgh` shows `ab`, a 3-character value shows nothing).
"""

from __future__ import annotations

ELLIPSIS = "…"
PREFIX_MAX = 4


def visible_prefix(secret: str) -> str:
    """The leading characters a redacted form may show: at most 4, at most a quarter."""
    return secret[: max(0, min(PREFIX_MAX, len(secret) // 4))]


def redacted(secret: str, tag: str = "") -> str:
    """`abcd…TAG`: the visible prefix, an ellipsis and `tag` (a keyed tag or fingerprint,
    never derived from the secret without a key)."""
    return f"{visible_prefix(secret)}{ELLIPSIS}{tag}"
