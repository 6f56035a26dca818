"""Secret-like key names and placeholder values (not plaintext secrets)."""

from __future__ import annotations

import re

_SECRET_KEY = re.compile(
    r"(secret|token|passw(or)?d|passwd|pass\b|(^|[_.-])pass([_.-]|$)|api[_.-]?key|"
    r"access[_.-]?key|private[_.-]?key|client[_.-]?secret|credential)",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"^(\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|ENC\[.*\]|null|none|~|<[^>]*>|\*+|x+|"
    r"changeme|change[_-]?me|example.*|dummy.*|placeholder.*|your[_-].*|redacted)$",
    re.IGNORECASE,
)


def is_secret_key(name: str) -> bool:
    """True for key names that hold secrets (SECRET, TOKEN, PASSWORD, API_KEY, ...)."""
    return bool(_SECRET_KEY.search(name))


def is_placeholder_value(value: str | None) -> bool:
    """True for values that are not plaintext secrets (${VAR}, $VAR, ENC[...], empty, ...)."""
    if value is None:
        return True
    stripped = value.strip().strip("'\"")
    return not stripped or bool(_PLACEHOLDER.match(stripped))
