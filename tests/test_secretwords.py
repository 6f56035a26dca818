"""One rule for secret-like key names and placeholders: the scanner, labels, bundles, backups
and the audit line all agree with `si_paas.secretwords`."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner
from si_paas.errors import UsageError
from si_paas.secretwords import SECRET_KEY, is_placeholder, is_secret_key
from si_paas.services.bundle import find_secret_values
from si_paas.services.pipeline import audit_args
from si_paas.services.records import parse_labels

VALUE = "Rq7VmP2xLk9TzW4nHb6Y"  # high entropy, no placeholder word: the scanner reports it
PACK = load_secret_rules()
# The rules that judge "secret-like key = plaintext value": the ones built on {{secret_key}}.
KEYED = PACK.only(*(r.id for r in PACK.rules if SECRET_KEY in r.regex_source))
SCANNER = SecretScanner(KEYED)

SECRET_NAMES = [
    "DB_PWD",
    "API_KEY",
    "SECRET_KEY_BASE",
    "DB_PASSWORD",
    "DB_PASSWD",
    "DB_PASS",
    "dbPass",
    "smtp-pass",
    "db.password",
    "client_secret",
    "clientSecret",
    "apiKey",
    "api-key",
    "GITHUB_TOKEN",
    "accessToken",
    "AWS_SECRET_ACCESS_KEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "privateKey",
    "JWT_KEY",
    "SIGNING_KEY",
    "PASSPHRASE",
    "CREDENTIALS",
    "gcpCredential",
    "SECRET",
    "api_token",
    "url_secret",
]
PLAIN_NAMES = [
    "TOKEN_TTL",
    "PASSWORD_MIN_LENGTH",
    "DB_PASSWORD_FILE",
    "SECRET_NAME",
    "TOKEN_EXPIRY",
    "API_KEY_ID",
    "PASS",
    "BYPASS_CACHE",
    "passenger_count",
    "PASSENGERS",
    "compass",
    "public_key",
    "key",
    "keyboard",
    "host",
    "username",
    "api_url",
    "SESSION_COOKIE_NAME",
    "JWT_EXPIRY_SECONDS",
    "PASSWORD_HASHERS",
]


def _scanner_flags(name: str) -> bool:
    env = SCANNER.scan_bytes("app/.env", f"{name}={VALUE}\n".encode())
    yaml = SCANNER.scan_bytes("config/app.yaml", f"{name}: {VALUE}\n".encode())
    return bool(env) or bool(yaml)


def _label_refused(name: str) -> bool:
    try:
        parse_labels((f"{name}={VALUE}",))
    except UsageError as exc:
        assert VALUE not in exc.message
        return True
    return False


def _bundle_refused(name: str) -> bool:
    return bool(find_secret_values({"targets": [{"labels": {name: VALUE}}]}))


def _audit_hides(name: str) -> bool:
    args = audit_args({"label": (f"{name}={VALUE}",), name: VALUE})
    hidden_pair = args["label"] == [f"{name}=<redacted>"]
    assert hidden_pair == (name not in args)  # the pair and the option agree
    return hidden_pair


CONSUMERS = {
    "scanner": _scanner_flags,
    "labels": _label_refused,
    "bundle": _bundle_refused,
    "audit": _audit_hides,
}


@pytest.mark.parametrize("consumer", CONSUMERS)
@pytest.mark.parametrize(
    ("name", "secret"), [(n, True) for n in SECRET_NAMES] + [(n, False) for n in PLAIN_NAMES]
)
def test_every_consumer_agrees_on_the_table(consumer: str, name: str, secret: bool) -> None:
    assert is_secret_key(name) is secret
    assert CONSUMERS[consumer](name) is secret


PIECES = st.sampled_from(
    [
        "db",
        "DB",
        "api",
        "API",
        "token",
        "TOKEN",
        "ttl",
        "pwd",
        "pass",
        "Pass",
        "key",
        "KEY",
        "secret",
        "name",
        "file",
        "min",
        "length",
        "password",
        "base",
        "jwt",
        "id",
        "x",
        "auth",
        "Passenger",
        "max",
    ]
)
NAMES = st.builds(
    lambda first, rest: first + "".join(s + p for s, p in rest),
    PIECES,
    st.lists(st.tuples(st.sampled_from(["_", "-", ".", ""]), PIECES), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(NAMES)
def test_every_consumer_agrees_on_any_name(name: str) -> None:
    expected = is_secret_key(name)
    assert {consumer: check(name) for consumer, check in CONSUMERS.items()} == dict.fromkeys(
        CONSUMERS, expected
    )


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "  ",
        "~",
        "null",
        "NULL",
        "None",
        "${DB_PASSWORD}",
        "${X:-default}",
        "$TOKEN",
        "ENC[AES256_GCM,data:abc]",
        "ENC(abc)",
        "<redacted>",
        "<your-token>",
        "changeme",
        "CHANGE_ME",
        "changeit",
        "example",
        "example-token",
        "xxxx",
        "XXXXXXXX",
        "***",
        "dummy",
        "dummy-value",
        "placeholder",
        "your_api_key",
        "{{ vault_password }}",
        "'${QUOTED}'",
        "vault://secret/data/db#password",
        "aaaaaaa",
        "%API_KEY%",
        "sample-key",
        "not-a-real-token",
        "$(pass show db)",
        "!vault |",
        "insert-your-key",
    ],
)
def test_placeholders(value: str | None) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    [
        "Xk9vQ2mL7pR4tZ8w",
        "hunter2",
        "s3cr3t$value",
        VALUE,
        "ghp_Zq8LmN3pR7tV1xB5cD9fG2hJ4kW6yA0sE3uI",  # si-paas: allow
    ],
)
def test_real_looking_values(value: str) -> None:
    assert not is_placeholder(value)


@pytest.mark.parametrize("value", ["${DB_PWD}", "ENC[v1,abc]", "<redacted>", "changeme"])
@pytest.mark.parametrize("name", ["DB_PWD", "API_KEY"])
def test_placeholders_pass_every_consumer(name: str, value: str) -> None:
    assert parse_labels((f"{name}={value}",)) == {name: value}
    assert find_secret_values({"labels": {name: value}}) == []
    assert not SCANNER.scan_bytes("app/.env", f"{name}={value}\n".encode())
