"""Key files hold base64 text of 32 bytes: decoded exactly as `base64.b64decode(validate=True)`."""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given
from hypothesis import strategies as st

from si_paas.errors import InputError
from si_paas.state.keyfiles import KEY_BYTES, decode_key


def _reference(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == KEY_BYTES else None


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


@given(
    st.one_of(
        st.binary(min_size=30, max_size=34).map(lambda b: base64.b64encode(b).decode()),
        st.text(alphabet=_B64 + " \n\t-_.é\0", max_size=50),
        st.binary(min_size=32, max_size=32).map(lambda b: base64.b64encode(b).decode().rstrip("=") + "\n"),
    )
)
def test_decoding_agrees_with_the_standard_library(text: str) -> None:
    expected = _reference(text)
    if expected is None:
        with pytest.raises(InputError, match="not a base64-encoded 32-byte key"):
            decode_key(text, "k.key")
    else:
        assert decode_key(text, "k.key") == expected


def test_a_key_with_surrounding_whitespace_or_bad_padding() -> None:
    key = bytes(range(32))
    assert decode_key("  " + base64.b64encode(key).decode() + "\n", "k") == key
    for bad in (base64.b64encode(key).decode() + "==", base64.b64encode(key[:31]).decode(), "é" * 44):
        with pytest.raises(InputError):
            decode_key(bad, "k")
