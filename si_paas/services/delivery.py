"""Bounded webhook delivery: one HTTP POST per attempt, a timeout on each, retries with back-off.

Nothing here raises for a failed delivery: every attempt comes back as an `Attempt` whose
`error` is a short fixed phrase (never the URL, never the response body), so callers can
record it and warn without changing their own outcome.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

SIGNATURE_HEADER = "X-Si-Paas-Signature"
TIMESTAMP_HEADER = "X-Si-Paas-Timestamp"
USER_AGENT = "si-paas-alerts/1"
MAX_BACKOFF_S = 30.0
_READ_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Attempt:
    """One POST: its number (1-based), whether the receiver took it, and what came back."""

    attempt: int
    ok: bool
    http_status: int | None
    error: str | None
    elapsed_ms: int


def valid_webhook_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host and no whitespace."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a malformed port raises here
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(ch.isspace() for ch in url)


def signature(sign_key: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 under the signing key over `timestamp.body`."""
    mac = hmac.new(sign_key.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: the body (and its signature) stays with the URL we were given."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirect())


def _why(exc: BaseException, timeout: float) -> tuple[int | None, str]:
    """(HTTP status, short reason) of a failed POST; never echoes the URL or the body."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code, f"HTTP {exc.code}"
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError | socket.timeout):
        return None, f"timed out after {timeout:g}s"
    if isinstance(reason, ConnectionRefusedError):
        return None, "connection refused"
    if isinstance(reason, ConnectionResetError):
        return None, "connection reset"
    if isinstance(reason, socket.gaierror):
        return None, "host name not resolved"
    if isinstance(reason, OSError) and reason.strerror:
        return None, reason.strerror.lower()
    if isinstance(reason, http.client.HTTPException):
        return None, f"bad HTTP response ({type(reason).__name__})"
    return None, type(reason).__name__


def _post_once(
    url: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[int | None, str | None]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener().open(request, timeout=timeout) as response:
            response.read(_READ_LIMIT)
            status = int(response.status)
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        if isinstance(exc, ValueError):
            return None, "invalid URL"
        return _why(exc, timeout)
    if 200 <= status < 300:
        return status, None
    return status, f"HTTP {status}"


def deliver(
    url: str,
    body: bytes,
    *,
    sign_key: str | None,
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Attempt]:
    """POST `body` until a 2xx answer or `retries` extra attempts are spent.

    Each attempt is bounded by `timeout`; between attempts the wait doubles from `backoff`
    (at most 30 s), so the whole delivery is bounded. A 4xx answer other than 408 and 429 is
    not retried: the receiver has said the request itself is wrong.
    """
    attempts: list[Attempt] = []
    for number in range(1, retries + 2):
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if sign_key:
            stamp = str(int(time.time()))
            headers[TIMESTAMP_HEADER] = stamp
            headers[SIGNATURE_HEADER] = signature(sign_key, stamp, body)
        started = time.monotonic()
        status, error = _post_once(url, body, headers, timeout)
        elapsed = int((time.monotonic() - started) * 1000)
        attempts.append(Attempt(number, error is None, status, error, elapsed))
        if error is None:
            break
        if status is not None and 400 <= status < 500 and status not in (408, 429):
            break
        if number <= retries:
            sleep(min(MAX_BACKOFF_S, backoff * (2 ** (number - 1))))
    return attempts
