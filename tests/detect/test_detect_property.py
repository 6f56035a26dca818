"""Property: a planted secret never appears in a finding, whatever the secret is."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner, shannon_entropy

PACK = load_secret_rules()
SCANNER = SecretScanner(PACK)
GENERIC = PACK.rule("generic-env-assignment")
ALPHABET = string.ascii_letters + string.digits + "-_./+=!@%^*~"

secrets = st.text(alphabet=ALPHABET, min_size=20, max_size=60).filter(
    lambda s: shannon_entropy(s) >= 3.5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(secret=secrets, key=st.sampled_from(["API_TOKEN", "DB_PASSWORD", "client_secret"]),
       before=st.integers(min_value=0, max_value=3))
def test_planted_secret_never_leaks(secret: str, key: str, before: int) -> None:
    assume(not PACK.is_placeholder(GENERIC, secret))
    text = "# config\n" * before + f"{key}={secret}\nOTHER=1\n"
    findings = SCANNER.scan_bytes("app/.env", text.encode())
    assert findings, "a high-entropy value under a secret-like key must be found"
    for finding in findings:
        assert finding.line == before + 1
        for shown in (finding.excerpt, finding.fingerprint, finding.message, repr(finding),
                      str(finding.to_dict())):
            assert secret not in (shown or "")
