"""Secret-like key names and placeholder values."""

from __future__ import annotations

import pytest

from si_paas.detect.keys import is_placeholder_value, is_secret_key


@pytest.mark.parametrize("name", [
    "SECRET", "client_secret", "clientSecret", "CLIENT-SECRET", "api_token", "accessToken",
    "PASSWORD", "db.password", "DB_PASSWD", "DB_PASS", "smtp-pass", "dbPass", "PASS",
    "API_KEY", "apikey", "apiKey", "api-key", "api.key", "ACCESS_KEY", "accesskey",
    "PRIVATE_KEY", "private.key", "privateKey", "CREDENTIALS", "gcpCredential",
])
def test_secret_like_keys(name: str) -> None:
    assert is_secret_key(name)


@pytest.mark.parametrize("name", [
    "name", "value", "passenger_count", "BYPASS_CACHE", "compass", "PASSENGERS", "key",
    "api_url", "public_key", "keyboard", "host", "username",
])
def test_ordinary_keys(name: str) -> None:
    assert not is_secret_key(name)


@pytest.mark.parametrize("value", [
    None, "", "  ", "~", "null", "NULL", "None", "${DB_PASSWORD}", "${X:-default}", "$TOKEN",
    "ENC[AES256_GCM,data:abc]", "<redacted>", "<your-token>", "changeme", "CHANGE_ME",
    "example", "example-token", "xxxx", "XXXXXXXX", "***", "********", "dummy",
    "dummy-value", "placeholder", "your_api_key", "{{ vault_password }}", "'${QUOTED}'",
    "vault://secret/data/db#password", "aaaaaaa",
])
def test_placeholders(value: str | None) -> None:
    assert is_placeholder_value(value)


@pytest.mark.parametrize("value", [
    "Xk9vQ2mL7pR4tZ8w", "hunter2", "s3cr3t$value",
    "ghp_Zq8LmN3pR7tV1xB5cD9fG2hJ4kW6yA0sE3uI",  # si-paas: allow
])
def test_real_looking_values(value: str) -> None:
    assert not is_placeholder_value(value)
