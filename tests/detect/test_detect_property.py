"""Property: a planted secret never appears in a finding, whatever the secret is."""

from __future__ import annotations

import json
import string
from urllib.parse import quote_plus

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from si_paas.detect.filters import first_suppressing
from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner, shannon_entropy

PACK = load_secret_rules()
SCANNER = SecretScanner(PACK)
GENERIC = PACK.rule("generic-env-assignment")
ALPHABET = string.ascii_letters + string.digits + "-_./+=!@%^*~"

secrets = st.text(alphabet=ALPHABET, min_size=20, max_size=60).filter(lambda s: shannon_entropy(s) >= 3.5)


def _reportable(key: str, secret: str) -> bool:
    """Neither a placeholder nor a value a named filter suppresses (an identifier, ...)."""
    return (
        not PACK.is_placeholder(GENERIC, secret) and first_suppressing(GENERIC.filters, key, secret) is None
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    secret=secrets,
    key=st.sampled_from(["API_TOKEN", "DB_PASSWORD", "client_secret"]),
    before=st.integers(min_value=0, max_value=3),
)
def test_planted_secret_never_leaks(secret: str, key: str, before: int) -> None:
    assume(_reportable(key, secret))
    text = "# config\n" * before + f"{key}={secret}\nOTHER=1\n"
    findings = SCANNER.scan_bytes("app/.env", text.encode())
    assert findings, "a high-entropy value under a secret-like key must be found"
    for finding in findings:
        assert finding.line == before + 1
        for shown in (
            finding.excerpt,
            finding.fingerprint,
            finding.message,
            repr(finding),
            str(finding.to_dict()),
        ):
            assert secret not in (shown or "")


QUOTES = ["", "'", '"']
FILLERS = ["  # old value was ", " ; previous: ", "\t// rotated from ", " "]


def _leaks(secret: str, shown: str) -> bool:
    """True if any 8-character piece of the secret (not pure hex, which a hash tag could
    spell by chance) appears in `shown`."""
    for i in range(len(secret) - 7):
        piece = secret[i : i + 8]
        if not all(c in "0123456789abcdef" for c in piece) and piece in shown:
            return True
    return False


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    secret=secrets,
    key=st.sampled_from(["API_TOKEN", "DB_PASSWORD", "client_secret"]),
    repeats=st.integers(min_value=1, max_value=3),
    quote=st.sampled_from(QUOTES),
    filler=st.sampled_from(FILLERS),
    pad=st.integers(min_value=0, max_value=90),
    escaped=st.booleans(),
)
def test_repeated_secret_never_leaks(
    secret: str, key: str, repeats: int, quote: str, filler: str, pad: int, escaped: bool
) -> None:
    """Every occurrence on the line is redacted, also quoted, JSON-escaped or URL-encoded,
    and also where the excerpt's edge would cut it."""
    assume(_reportable(key, secret))
    again = json.dumps(secret)[1:-1] if escaped else quote_plus(secret, safe="")
    tail = "".join(f"{filler}{'x' * pad}{quote}{again if i % 2 else secret}{quote}" for i in range(repeats))
    text = f"{key}={quote}{secret}{quote}{tail}\n"
    findings = SCANNER.scan_bytes("app/.env", text.encode())
    assert findings, "a high-entropy value under a secret-like key must be found"
    for finding in findings:
        for shown in (finding.excerpt, finding.message, str(finding.to_dict())):
            assert not _leaks(secret, shown or ""), shown
            assert not _leaks(again, shown or ""), shown
