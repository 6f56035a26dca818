"""Secret-like key names and placeholder values, shared by the scanner's callers and exporters.

A key is secret-like when its name contains SECRET, TOKEN, PASSWORD, PASSWD, PASS (as a word),
API_KEY, APIKEY, ACCESS_KEY, PRIVATE_KEY, CLIENT_SECRET or CREDENTIAL, in any case and with
`_`, `-`, `.` or no separator (`apiKey`, `api-key`, `db.password`, `DB_PASS`).
"""

from __future__ import annotations

import re

_SEP = r"[_.\-]?"
_SECRET_KEY_RE = re.compile(
    r"secret|token|passw(?:or)?d|credential"
    rf"|api{_SEP}key|access{_SEP}key|private{_SEP}key|client{_SEP}secret",
    re.IGNORECASE,
)
# PASS on its own: `DB_PASS`, `smtp-pass`, `dbPass`, `PASS`; not `passenger`, `bypass`, `compass`.
_PASS_WORD_RE = re.compile(
    r"(?:(?<![A-Za-z])[Pp]ass|(?<=[a-z0-9])Pass)(?![a-z])|(?<![A-Za-z])PASS(?![A-Z])"
)

_PLACEHOLDER_EXACT = frozenset({
    "", "~", "null", "none", "nil", "undefined", "n/a", "na", "tbd", "todo", "fixme",
    "true", "false", "yes", "no", "secret", "password", "passwd", "pass", "token",
    "changeme", "change_me", "change-me", "changeit", "redacted", "removed", "hidden",
    "dummy", "placeholder", "sample", "example", "test", "fake", "mock", "default",
})
_PLACEHOLDER_RES = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^\$\{[^}]*\}$",                  # ${VAR}, ${VAR:-default}
    r"^\$[A-Za-z_][A-Za-z0-9_]*$",      # $VAR
    r"^\$\([^)]*\)$",                  # $(command)
    r"^%[A-Za-z_][A-Za-z0-9_]*%$",      # %VAR%
    r"^ENC\[.*\]$",                     # sops
    r"^ENC\(.*\)$",                     # jasypt
    r"^<[^<>]*>$",                      # <redacted>, <your-token>
    r"^\{\{.*\}\}$",                    # {{ template }}
    r"^\*+$",                           # ***
    r"^(.)\1*$",                        # one repeated character
    r"x{4,}",                           # xxxx
    r"changeme|change[_-]me|replace[_-]?me",
    r"^example|example$|^examples?[_.-]",
    r"dummy|placeholder|redacted",
    r"^your[_-]",
    r"^(?:vault|ref\+[a-z]+|op|sm|ssm|secretsmanager|awskms|gcpkms|azurekv)://",
    r"^!(?:vault|ref|sub)\b",
))


def is_secret_key(name: str) -> bool:
    """True if a key name looks like it holds a secret (see the module docstring)."""
    return bool(_SECRET_KEY_RE.search(name) or _PASS_WORD_RE.search(name))


def is_placeholder_value(value: str | None) -> bool:
    """True if a value is a reference or placeholder, not a secret.

    `${VAR}`, `$VAR`, `ENC[...]`, empty, `null`, `~`, `<redacted>`, `<...>`, `changeme`,
    `example...`, `xxxx`, `***`, `dummy`, `{{ template }}` and the like.
    """
    if value is None:
        return True
    text = value.strip().strip("\"'").strip()
    if text.lower() in _PLACEHOLDER_EXACT:
        return True
    return any(p.search(text) for p in _PLACEHOLDER_RES)
