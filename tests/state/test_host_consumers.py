"""One host rule: `--host`, a bundle's target, the ssh transport, the cross-context
comparison and the stored targets file accept and refuse the same hosts, in one form."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas import schemacheck
from si_paas.engine.checks.cross_context import host_key
from si_paas.errors import InputError, UsageError
from si_paas.services.transports.ssh import SshTransport
from si_paas.snapshot.pathfacts import PathFacts
from si_paas.state.hosts import canonical_host, parse_host, record_host

LABEL = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)
NAME = st.builds(
    lambda labels, dot: ".".join(labels) + dot,
    st.lists(LABEL, min_size=1, max_size=4),
    st.sampled_from(["", ".", ".."]),
)
IPV4 = st.builds(
    lambda parts: ".".join(map(str, parts)),
    st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=4),
)
IPV6 = st.ip_addresses(v=6).map(str)
JUNK = st.text(alphabet=string.ascii_letters + string.digits + ".-_[]% /\\\t\n\x00é", max_size=20)
HOSTS = st.one_of(
    NAME,
    IPV4,
    IPV6,
    IPV6.map(lambda a: f"[{a}]"),
    JUNK,
    st.sampled_from(
        [
            "bücher.example",
            "xn--bcher-kva.example",
            "127.1",
            "-oProxyCommand=x",
            "a..test",
            "[::1",
            "localhost",
        ]
    ),
)


def _cli(text: str) -> str | None:
    try:
        return parse_host(text).host
    except UsageError:
        return None


def _bundle(text: str) -> str | None:
    try:
        return record_host(text, "bundle.json: $.targets[0].host")
    except InputError as exc:
        assert (
            exc.message == "bundle.json: $.targets[0].host: not a valid host name or IP address"
        )  # the bundle's value is never echoed
        return None


def _ssh(text: str) -> str | None:
    target = {"name": "web", "host": text, "transport": "ssh"}
    try:
        transport = SshTransport.from_target(target, {"known_hosts": "kh", "context": "c"})
    except UsageError:
        return None
    return transport.host


def _target(host: str) -> dict[str, Any]:
    return {
        "name": "web",
        "host": host,
        "transport": "ssh",
        "disposable": True,
        "labels": {},
        "context": "oss-demo",
        "context_id": "ctx_0123456789abcdef",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }


@settings(max_examples=500, deadline=None)
@given(HOSTS)
def test_every_consumer_accepts_and_refuses_the_same_bare_hosts(text: str) -> None:
    if "@" in text or text.count(":") == 1:
        return  # `user@host` and `host:port` are `--host` forms, not a bare host
    normal = canonical_host(text)
    assert {"cli": _cli(text), "bundle": _bundle(text), "ssh": _ssh(text)} == {
        "cli": normal,
        "bundle": normal,
        "ssh": normal,
    }
    if normal is not None:
        assert host_key({"host": text}, PathFacts()) == normal == host_key({"host": normal}, PathFacts())
        schemacheck.check(
            {
                "schema_version": 1,
                "context": "oss-demo",
                "context_id": "ctx_0123456789abcdef",
                "items": [_target(normal)],
            },
            "targets",
            "targets.json",
        )


@pytest.mark.parametrize(
    ("stored", "host", "port", "user"),
    [
        ("Deploy@DB.corp.example.:22", "db.corp.example", 22, "Deploy"),
        ("db.corp.example", "db.corp.example", None, None),
    ],
)
def test_ssh_reads_a_host_stored_before_normalisation(
    stored: str, host: str, port: int | None, user: str | None
) -> None:
    transport = SshTransport.from_target(
        {"name": "web", "host": stored}, {"known_hosts": "kh", "context": "c"}
    )
    assert (transport.host, transport.port, transport.user) == (host, port, user)
