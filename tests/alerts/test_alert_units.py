"""Pure parts of alerting: durations, fingerprints, routing, signatures (property tests)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.durations import format_duration, parse_duration
from si_paas.services.alerts import Alert, active_silence, route, webhook_payload
from si_paas.services.delivery import signature, valid_webhook_url
from si_paas.state.clock import parse_time

labels_st = st.dictionaries(
    st.sampled_from(["alertname", "severity", "kind", "context", "app"]),
    st.text(min_size=1, max_size=12),
    min_size=1,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**10))
def test_duration_round_trip(ms: int) -> None:
    delta = timedelta(milliseconds=ms)
    assert parse_duration(format_duration(delta)) == delta


@pytest.mark.parametrize("text", ["", "5", "5 s", "-5s", "5x", "1.5h", "s", "7d 1h"])
def test_malformed_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_composite_duration() -> None:
    assert parse_duration("6d23h") == timedelta(days=6, hours=23)
    assert parse_duration("1h30m500ms") == timedelta(hours=1, minutes=30, milliseconds=500)


@settings(max_examples=100, deadline=None)
@given(labels_st, st.randoms())
def test_fingerprint_ignores_label_order_and_annotations(labels: dict[str, str], rnd: object) -> None:
    items = list(labels.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    a = Alert(labels, {"summary": "one"}, "2026-01-01T00:00:00Z")
    b = Alert(dict(items), {"summary": "two"}, "2026-02-01T00:00:00Z")
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 16
    changed = Alert({**labels, "extra": "x"}, {}, "")
    assert changed.fingerprint != a.fingerprint


@settings(max_examples=100, deadline=None)
@given(labels_st)
def test_payload_labels_match_and_status_firing(labels: dict[str, str]) -> None:
    labels = {"alertname": "a", **labels}
    doc = webhook_payload(Alert(labels, {"summary": "s"}, "2026-01-01T00:00:00Z"), "ops")
    assert doc["version"] == "4" and doc["alerts"][0]["labels"] == labels == doc["commonLabels"]
    assert doc["groupLabels"] == {"alertname": labels["alertname"]}


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=256), st.text(min_size=1, max_size=40), st.integers(0, 2**40))
def test_signature_is_hmac_over_timestamp_dot_body(body: bytes, key: str, ts: int) -> None:
    got = signature(key, str(ts), body)
    want = hmac.new(key.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got, "sha256=" + want)
    assert not hmac.compare_digest(got, signature(key, str(ts + 1), body))


def _policy(routes: list[dict[str, object]], default: list[str] | None = None) -> dict[str, object]:
    return {
        "routes": routes,
        "default_channels": default,
        "channels": [{"name": "ops"}, {"name": "pager"}, {"name": "chat"}],
    }


def test_routing_first_match_continue_and_default() -> None:
    pol = _policy(
        [
            {"matchers": {"severity": ["critical"]}, "channels": ["pager"], "continue": True},
            {"matchers": {"kind": ["deploy", "rollback"]}, "channels": ["ops"]},
            {"matchers": {"kind": ["deploy"]}, "channels": ["chat"]},
        ],
        default=["chat"],
    )
    assert route(pol, {"severity": "critical", "kind": "deploy"}) == (["pager", "ops"], [0, 1])
    assert route(pol, {"severity": "warning", "kind": "deploy"}) == (["ops"], [1])
    assert route(pol, {"severity": "warning", "kind": "backup"}) == (["chat"], [])
    assert route(_policy([]), {"kind": "x"})[0] == ["ops", "pager", "chat"]


def test_silence_window_is_half_open() -> None:
    s = [
        {
            "id": "sil_1",
            "matchers": {"kind": "backup"},
            "starts_at": "2026-01-01T00:00:00Z",
            "ends_at": "2026-01-01T01:00:00Z",
        }
    ]
    at = parse_time
    assert active_silence(s, {"kind": "backup", "x": "y"}, at("2026-01-01T00:00:00Z"))
    assert active_silence(s, {"kind": "backup"}, at("2026-01-01T01:00:00Z")) is None
    assert active_silence(s, {"kind": "deploy"}, at("2026-01-01T00:30:00Z")) is None


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://hooks.example.test/x", True),
        ("http://127.0.0.1:8080/a?b=c", True),
        ("ftp://x.test/", False),
        ("hooks.example.test/x", False),
        ("http:///nohost", False),
        ("http://x.test:99999/", False),
        ("http://x.test/a b", False),
        ("", False),
    ],
)
def test_webhook_url_validation(url: str, ok: bool) -> None:
    assert valid_webhook_url(url) is ok
