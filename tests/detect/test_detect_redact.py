"""Redaction shows at most a short prefix and a hash tag; fingerprints are stable."""

from __future__ import annotations

import re

import pytest

from si_paas.detect.redact import (
    fingerprint,
    legacy_fingerprint,
    redact,
    secret_hash,
)

TAG = re.compile(r"…\[hmac:[0-9a-f]{8}\]$")


@pytest.mark.parametrize(
    ("secret", "prefix"),
    [
        ("", ""),
        ("a", ""),
        ("abc", ""),
        ("abcd", "a"),
        ("abcdefg", "a"),
        ("abcdefgh", "ab"),
        ("abcdefghijkl", "abc"),
        ("abcdefghijklmnop", "abcd"),
        ("x" * 200, "xxxx"),
    ],
)
def test_redact_shows_at_most_a_quarter_and_four_chars(secret: str, prefix: str) -> None:
    out = redact(secret)
    assert out.startswith(prefix)
    assert TAG.search(out)
    assert out[: -len("…[hmac:12345678]")] == prefix
    if len(secret) >= 2:
        assert secret not in out


def test_redact_tag_is_keyed_not_the_secret_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tag does not come from the plain hash of the secret and changes with the key."""
    value = "s3cr3t-value-0123"
    tagged = redact(value)
    assert tagged.startswith("s3cr…[hmac:") and secret_hash(value)[:8] not in tagged
    monkeypatch.setenv("SI_PAAS_FINGERPRINT_KEY", "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXkhISE=")
    assert redact(value) != tagged


def test_fingerprint_is_stable_and_short() -> None:
    fp = fingerprint("github-pat", "app/.env", "ghp_secret")
    assert re.fullmatch(r"[0-9a-f]{16}", fp)
    assert fp == fingerprint("github-pat", "app/.env", "ghp_secret")
    assert fp != fingerprint("github-pat", "app/.env.prod", "ghp_secret")
    assert fp != fingerprint("generic-env-assignment", "app/.env", "ghp_secret")
    assert fp != fingerprint("github-pat", "app/.env", "ghp_other")
    assert fp != legacy_fingerprint("github-pat", "app/.env", "ghp_secret")
