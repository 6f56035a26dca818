# ruff: noqa: E501
"""Login form tests."""

from shop.auth import login

PASSWORD = "correct-horse-battery-staple"
WRONG_PASSWORD = "not-the-password"


def test_login_accepts_the_right_password(client):
    assert login(client, "ana", PASSWORD).ok


def test_login_rejects_the_wrong_password(client):
    assert not login(client, "ana", WRONG_PASSWORD).ok


def test_api_token_is_hashed(db):
    token = db.create_token(user="ana")
    assert db.token_hash(token) != token
    assert len(token) == 40
