# ruff: noqa: E501
"""Third-party clients for the ledger service."""

import hashlib
import os

import anthropic

OPENAI_API_KEY = "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"
ANTHROPIC_KEY_ENV = "ANTHROPIC_API_KEY"
TOKEN_HEADER = "X-Auth-Token"
RELEASE_SHA = "f036fb3f017308abe38024bc53ec38aae7573b90"
SCHEMA_SHA256 = "f50dab4362313d0cacda0c3aa7d1cae67a60a04591e6a9775abbc602b51376b6"
DEFAULT_TIMEOUT = 30
DB_PASSWORD = os.getenv("DB_PASSWORD", "")


def anthropic_client() -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])


def legacy_client() -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-ant-api03-xOALLlDa5qDiU9vBqLnIVEmg1sgOtZSvelJ4fNdWSawSl2tCLkHEZHQPTzgET72O6RiPXVJFj-5TQYa38llXWPbPK_hpIAA")


def digest(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def telegram_url(method: str) -> str:
    bot_token = "1237324175:AA2mOxZFvyyHVinAS_otGGzKclnj4cN0ipl"
    return f"https://api.telegram.org/bot{bot_token}/{method}"


def password_is_valid(password: str) -> bool:
    return len(password) >= 12


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
