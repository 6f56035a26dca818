"""The named false-positive filters of the generic assignment detector, one by one."""

from __future__ import annotations

import pytest

from si_paas.detect import filters as f
from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner

RANDOM = "Rq7VmP2xLk9TzW4nHb6Y"  # generated-looking: no filter may drop it

CASES = [
    ("identifier", "ACCESS_KEY", "AWSAccessKeyId"),
    ("identifier", "_DEFAULT_TOKEN", "_sa_default"),
    ("dotted-path", "output_token", "DistributionList.NextMarker"),
    ("dotted-path", "output_token", "StreamDescription.Shards[-1].ShardId"),
    ("url-without-credentials", "token_url", "https://auth.example.test/oauth/token"),
    ("url-without-credentials", "S3Key", "my-app/5026-stage-150723_224258.war"),
    ("uuid-under-token-key", "ChangeToken", "abcd12f2-46da-4fdb-b8d5-fbd4c466928f"),
    ("uuid-under-token-key", "NextContinuationToken", "0b1e2c3d-46da-4fdb-b8d5-fbd4c466928f"),
    ("template", "api_key", "${PAYMENTS_API_KEY}"),
    ("template", "secret", "{{ vault_secret }}"),
    ("template", "password", "%(db_password)s"),
    ("placeholder", "api_key", "your-api-key-here"),
    ("placeholder", "token", "xxxxxxxxxxxxxxxx"),
    ("non-secret-name", "publishable_key", RANDOM),
    ("non-secret-name", "csrf-token", RANDOM),
    ("number", "PasswordLastUsed", "2016-09-08T21:47:36Z"),
    ("sequential", "api_key", "abcdefghijklmnop"),
    ("number", "app_secret", "1234567890123456"),
    ("sequential", "app_secret", "abcdefghijklmnop1"),
    ("sequential", "app_secret", "a1b2a1b2a1b2a1b2"),
    ("counting-runs", "", "abc123xyz-456def789ghij-klmnopqrstuvwx"),
    ("low-entropy", "password", "aabbaabbaabbab12"),
]


@pytest.mark.parametrize(("name", "key", "value"), CASES)
def test_each_filter_drops_its_kind_of_value(name: str, key: str, value: str) -> None:
    assert f.FILTERS[name](key, value)


@pytest.mark.parametrize("name", sorted(f.FILTERS))
def test_no_filter_drops_a_generated_secret(name: str) -> None:
    assert not f.FILTERS[name]("stripe_key", RANDOM)


def test_uuid_under_an_auth_token_key_is_kept() -> None:
    assert not f.is_uuid_under_token_key("_authToken", "b98ec224-cdb2-4340-b7bd-9617fc719d1d")


def test_published_sample_is_matched_by_digest_only() -> None:
    sample = "AIza" + "SyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs"  # a Firebase SDK sample key
    assert f.is_published_sample("", sample)
    assert not f.is_published_sample("", sample[:-1] + "t")


def test_first_suppressing_names_the_first_filter_in_order() -> None:
    assert f.first_suppressing(("placeholder", "template"), "k", "${YOUR_KEY}") == "placeholder"
    assert f.first_suppressing(("template", "placeholder"), "k", "${YOUR_KEY}") == "template"
    assert f.first_suppressing(tuple(f.FILTERS), "k", RANDOM) is None


def test_explaining_scanner_reports_the_suppressing_filter() -> None:
    scanner = SecretScanner(load_secret_rules(), explain=True)
    found = scanner.scan_text("notes.txt", '"output_token": "DistributionList.NextMarker",\n')
    assert found and all(h.extra.get("suppressed_by") == "dotted-path" for h in found)
    assert (
        SecretScanner(load_secret_rules()).scan_text(
            "notes.txt", '"output_token": "DistributionList.NextMarker",\n'
        )
        == []
    )


def test_findings_carry_the_rule_confidence() -> None:
    scanner = SecretScanner(load_secret_rules())
    token = "ghp_" + "R8aZ3kLq9WmX2vB7nT4pH6sJ1dF5gY0cE2uQ"
    assert [h.confidence for h in scanner.scan_text("a.txt", f"x {token}\n")] == ["high"]
    assert [h.confidence for h in scanner.scan_text("a.txt", f"stripe_key={RANDOM}\n")] == ["medium"]
    assert [h.confidence for h in scanner.scan_text("a.txt", f"bannerbear KEY {RANDOM}\n")] == ["low"]
