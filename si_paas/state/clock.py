"""Time and identity helpers for records (one place so tests can pin them)."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def utc_now() -> str:
    """Current UTC time as an ISO 8601 string with a `Z` suffix."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 time (a `Z` suffix or offset; naive means UTC)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def new_context_id() -> str:
    """A random, never-reused context id."""
    import secrets

    return "ctx_" + secrets.token_hex(16)


def actor() -> str:
    """Who runs the command: $SI_PAAS_ACTOR or the login name."""
    try:
        import getpass

        return os.environ.get("SI_PAAS_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"
