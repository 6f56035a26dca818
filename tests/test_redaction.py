"""One prefix rule for every redacted form, and no redacted form leaks more than it."""

from __future__ import annotations

import json
import re
import string
import tempfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from si_paas.detect.redact import redact
from si_paas.detect.rulepack import SecretRule, SecretRulePack
from si_paas.detect.scanner import SecretScanner
from si_paas.errors import PolicyRefusal, UsageError
from si_paas.redaction import PREFIX_MAX, redacted, visible_prefix
from si_paas.services.backup import _scan_json_values
from si_paas.services.bundle import refuse_secret_values
from si_paas.state.vault import shown_key_name

SECRET_CHARS = string.ascii_letters + string.digits + "_-+/="
OTHER_CHARS = " ,;()<>!?\t\"'éøß"  # surrounding text: nothing in common with a secret
SECRETS = st.text(alphabet=SECRET_CHARS, min_size=1, max_size=64)
TAG = re.compile(r"…(?:\[hmac:[0-9a-f]{8}\]|fp:[0-9a-f]{12})")

RULE = SecretRule(
    id="piped",
    description="a value between pipes",
    keywords=("|",),
    regex_source=r"\|(?P<secret>[A-Za-z0-9_+/=-]{8,64})\|",
    severity="high",
)
SCANNER = SecretScanner(SecretRulePack(RULE.source, (RULE,)))


def _longest_secret_run(text: str) -> int:
    """The longest run of secret characters left once every redaction tag is cut out (the
    surrounding text holds none, so each run is a piece of the secret)."""
    runs = re.findall(f"[{re.escape(SECRET_CHARS)}]+", TAG.sub("\0", text))
    return max(map(len, runs), default=0)


@given(SECRETS)
def test_the_prefix_is_at_most_four_characters_and_a_quarter(secret: str) -> None:
    shown = visible_prefix(secret)
    assert secret.startswith(shown)
    assert len(shown) <= PREFIX_MAX and len(shown) * 4 <= len(secret)


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("", ""),
        ("abc", ""),
        ("abcd", "a"),
        ("abcdefgh", "ab"),
        ("abcdefghijklmnop", "abcd"),
        ("x" * 200, "xxxx"),
    ],
)
def test_prefix_table(secret: str, shown: str) -> None:
    assert visible_prefix(secret) == shown
    assert redacted(secret, "fp:1") == f"{shown}…fp:1"


@settings(max_examples=300, deadline=None)
@given(SECRETS)
def test_every_redacted_form_shows_the_same_prefix(secret: str) -> None:
    shown = visible_prefix(secret)
    assert redact(secret).startswith(shown + "…[hmac:")
    assert redacted(secret, "fp:0123456789ab").startswith(shown + "…fp:")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", secret):  # not shown in full as a name
        assert shown_key_name(secret) == f"{shown!r}… ({len(secret)} characters)"


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet=SECRET_CHARS, min_size=12, max_size=64).filter(
        lambda s: len(set(s)) > 4 and any(c.isdigit() for c in s)
    )
)  # not a word of the message
def test_bundle_and_backup_refusals_show_the_same_prefix(secret: str) -> None:
    doc = {"labels": {"api_token": secret}}
    with pytest.raises(UsageError) as bundle:
        refuse_secret_values(doc, "bundle.json")
    assert f"({redacted(secret)}, {len(secret)} characters)" in bundle.value.message
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "targets.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        member = SimpleNamespace(rel="targets.json", size=path.stat().st_size, path=path)
        with pytest.raises(PolicyRefusal) as backup:
            _scan_json_values([member])
    assert f"({redacted(secret)})" in backup.value.message
    for message in (bundle.value.message, backup.value.message):
        assert secret not in message


@settings(max_examples=300, deadline=None)
@given(
    secret=st.text(alphabet=SECRET_CHARS, min_size=8, max_size=64),
    pieces=st.lists(
        st.one_of(st.text(alphabet=OTHER_CHARS, max_size=30), st.sampled_from(["SECRET", "QUOTED"])),
        max_size=6,
    ),
    at=st.integers(min_value=0, max_value=6),
)
def test_an_excerpt_never_shows_more_of_a_secret_than_the_prefix(
    secret: str, pieces: list[str], at: int
) -> None:
    """Whatever surrounds the secret, and wherever it is written again (as is or
    URL-encoded), the excerpt holds no piece of it longer than the visible prefix."""
    forms = {"SECRET": secret, "QUOTED": quote(secret, safe="")}
    line = [forms.get(p, p) for p in pieces]
    line.insert(min(at, len(line)), f"|{secret}|")
    findings = SCANNER.scan_text("notes.txt", "".join(line) + "\n")
    assume(findings)  # not a placeholder (`xxxx`, one repeated character, ...)
    for finding in findings:
        assert _longest_secret_run(finding.excerpt or "") <= len(visible_prefix(secret)), finding.excerpt
