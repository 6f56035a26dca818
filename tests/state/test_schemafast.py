"""The quick predicate never accepts a document the full JSON Schema validator refuses."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from si_paas.resources import schema
from si_paas.schemafast import compile_schema

EVENT = schema("event")
QUICK = compile_schema(EVENT)
FULL = Draft202012Validator(EVENT)

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["audit", "ok", "deploy", "sent", "acked", ""])
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_KEYS = sorted(EVENT["properties"])


def _event_like() -> st.SearchStrategy[dict[str, Any]]:
    """Documents near an event: most keys present, each value anything JSON."""
    good = {
        "time": "2026-01-01T00:00:00Z",
        "kind": "audit",
        "context": "oss-demo",
        "context_id": "ctx_1",
        "actor": "a",
        "command": "target list",
        "status": "ok",
    }
    return st.fixed_dictionaries(
        {}, optional={k: _JSON | st.just(good.get(k, {"k": 1} if k == "args" else "x")) for k in _KEYS}
    ) | st.just(good)


def test_a_plain_event_is_accepted_quickly() -> None:
    assert QUICK is not None
    event = {
        "time": "t",
        "kind": "audit",
        "context": "c",
        "context_id": "i",
        "actor": "a",
        "command": "x",
        "status": "ok",
        "args": {},
        "exit_code": 0,
        "target": None,
    }
    assert QUICK(event) and FULL.is_valid(event)
    for bad in (
        {**event, "kind": "nope"},
        {**event, "exit_code": True},
        {**event, "target": 3},
        {k: v for k, v in event.items() if k != "actor"},
        [],
    ):
        assert not QUICK(bad) and not FULL.is_valid(bad), bad


@settings(max_examples=400, deadline=None)
@given(doc=_event_like() | _JSON)
def test_quick_yes_implies_valid(doc: Any) -> None:
    assert QUICK is not None
    if QUICK(doc):
        assert FULL.is_valid(doc), doc


@settings(max_examples=200, deadline=None)
@given(doc=_JSON)
def test_every_shipped_schema_that_compiles_keeps_the_promise(doc: Any) -> None:
    from si_paas.resources import data_dir

    for path in sorted(data_dir("schemas").glob("*.schema.json")):
        sch = schema(path.name.removesuffix(".schema.json"))
        quick = compile_schema(sch)
        if quick is not None and quick(doc):
            assert Draft202012Validator(sch).is_valid(doc), (path.name, doc)


def test_schemas_beyond_the_subset_are_not_compiled() -> None:
    assert compile_schema({"type": "string", "pattern": "^a"}) is None
    assert compile_schema({"type": "number"}) is None  # floats and ints: the full validator
    assert compile_schema({"properties": {"a": {"minimum": 1}}}) is None
    assert compile_schema({"enum": [1, 2]}) is None
