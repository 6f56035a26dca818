"""Host normal form: one spelling per host, idempotent, never raising on stored values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.errors import UsageError
from si_paas.state.hosts import canonical_host, host_identity, parse_host

LABEL = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
NAME = st.lists(LABEL, min_size=1, max_size=4).map(".".join)


@settings(max_examples=200, deadline=None)
@given(
    NAME,
    st.sampled_from(["", "."]),
    st.sampled_from(["", "ops@"]),
    st.sampled_from(["", ":22", ":2222"]),
    st.booleans(),
)
def test_spellings_of_one_name_agree(name: str, dot: str, user: str, port: str, upper: bool) -> None:
    spelled = user + (name.upper() if upper else name) + dot + port
    assert parse_host(spelled).host == name == host_identity(spelled)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normal_form_is_idempotent_and_identity_never_raises(text: str) -> None:
    ident = host_identity(text)
    assert isinstance(ident, str)
    try:
        spec = parse_host(text)
    except UsageError:
        return
    assert canonical_host(spec.host) == spec.host
    assert parse_host(spec.host if ":" not in spec.host else f"[{spec.host}]").host == spec.host


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("2001:db8::1", "[2001:0db8:0:0::1]"),
        ("10.0.0.1", "::ffff:10.0.0.1"),
        ("bücher.example", "XN--BCHER-KVA.example."),
    ],
)
def test_address_and_idna_forms(a: str, b: str) -> None:
    assert host_identity(a) == host_identity(b)
