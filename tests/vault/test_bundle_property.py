"""Property: a bundle never carries a secret, wherever in the document it hides."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from si_paas.errors import UsageError
from si_paas.services.bundle import find_secret_values, refuse_secret_values

PLAIN_KEYS = st.sampled_from(["name", "host", "labels", "tier", "region", "notes", "items"])
SECRET_KEYS = st.sampled_from(
    ["api_token", "DB_PASSWORD", "client-secret", "AccessKey", "private_key", "credentials", "slackToken"]
)
VALUES = st.text(alphabet=string.ascii_letters + string.digits + "!#%&*+-_", min_size=12, max_size=40).filter(
    lambda v: len(set(v)) > 4
)  # not a placeholder like 0000


def _nest(path: list[tuple[str, bool]], key: str, value: str) -> Any:
    node: Any = {key: value}
    for part, as_list in reversed(path):
        node = {part: [node] if as_list else node}
    return node


@given(st.lists(st.tuples(PLAIN_KEYS, st.booleans()), max_size=5), SECRET_KEYS, VALUES)
def test_secret_found_at_any_depth_and_never_echoed(
    path: list[tuple[str, bool]], key: str, value: str
) -> None:
    doc = {"format": "si-paas-context-export", "targets": [_nest(path, key, value)]}
    found = find_secret_values(doc)
    assert [v for _, v in found] == [value]
    assert found[0][0].endswith(key) or key in found[0][0]
    with pytest.raises(UsageError) as info:
        refuse_secret_values(doc, "bundle.json")
    assert value not in info.value.message and "bundle.json: $." in info.value.message


@given(
    st.lists(st.tuples(PLAIN_KEYS, st.booleans()), max_size=5),
    SECRET_KEYS,
    st.sampled_from(["${API_TOKEN}", "$TOKEN", "ENC[v1,abc,def]", "", "<redacted>"]),
)
def test_placeholders_are_not_secrets(path: list[tuple[str, bool]], key: str, value: str) -> None:
    assert find_secret_values({"targets": [_nest(path, key, value)]}) == []
