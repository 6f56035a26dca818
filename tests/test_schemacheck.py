"""One JSON-Schema check and one field-path renderer for every document."""

from __future__ import annotations

import copy
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from si_paas import schemacheck
from si_paas.errors import ExitCode, InputError

TARGET = {
    "name": "web",
    "host": "web.example.test",
    "transport": "ssh",
    "disposable": True,
    "labels": {},
    "context": "oss-demo",
    "context_id": "ctx_0123456789abcdef",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}
DOC = {
    "schema_version": 1,
    "context": "oss-demo",
    "context_id": "ctx_0123456789abcdef",
    "items": [TARGET, TARGET, TARGET],
}


@pytest.mark.parametrize(
    ("parts", "rendered"),
    [
        ([], "(top level)"),
        (["items"], "items"),
        (["items", 2, "port"], "items[2].port"),
        (["a", 0, 1, "b"], "a[0][1].b"),
        (["labels", "k.v"], "labels.k.v"),
    ],
)
def test_field_path(parts: list[Any], rendered: str) -> None:
    assert schemacheck.field_path(parts) == rendered


def test_a_valid_document_passes() -> None:
    schemacheck.check(DOC, "targets", "targets.json")
    assert schemacheck.problem(DOC, "targets") is None


def test_bad_document_is_one_line_naming_file_and_field_exit_2() -> None:
    doc = copy.deepcopy(DOC)
    doc["items"][2]["port"] = "ssh"
    with pytest.raises(InputError) as info:
        schemacheck.check(doc, "targets", "ctx/targets.json")
    assert info.value.message.startswith("ctx/targets.json: field items[2].port: ")
    assert "\n" not in info.value.message and info.value.exit_code == ExitCode.USAGE == 2


def test_top_level_problem() -> None:
    assert schemacheck.problem([], "targets") == "field (top level): [] is not of type 'object'"


@given(st.text(alphabet=string.ascii_letters + string.digits + " ", min_size=6, max_size=40))
def test_value_free_messages_never_repeat_the_value(value: str) -> None:
    for field, bad in (("transport", value), ("disposable", value), ("host", value + "/")):
        doc = copy.deepcopy(DOC)
        doc["items"][0] = {**TARGET, field: bad}
        found = schemacheck.problem(doc, "targets", value_free=True)
        assert found is not None and found.startswith(f"field items[0].{field}: ")
        # The message cannot depend on the value, and holds none of a known one (a plain
        # "value not in message" trips on values such as "transp", part of "transport").
        other = copy.deepcopy(DOC)
        other["items"][0] = {**TARGET, field: bad.replace(value, "Q9q9q9q9")}
        assert found == schemacheck.problem(other, "targets", value_free=True)
        assert "Q9q9q9q9" not in found
