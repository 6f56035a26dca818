"""A quick yes for documents that plainly satisfy a simple JSON Schema.

Event logs hold one document per line and every read of a context judges them all; the full
validator costs about half a millisecond a line. Schemas made only of `type`, `enum`,
`required` and `properties` (as event lines are) compile here to a plain predicate that
answers "valid" or "not sure". Only "valid" is trusted: "not sure" goes to the full
validator, which also words the error. So the predicate may refuse what is valid, never
accept what is not (tests/state/test_schemafast.py checks it against jsonschema on random
documents).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_KEYWORDS = {"type", "enum", "required", "properties", "$schema", "$id", "title", "description"}


def _type_check(name: str) -> Check | None:
    # bool is an int in Python but neither an integer nor a number in JSON Schema; floats
    # that are whole numbers are integers there: left to the full validator.
    checks: dict[str, Check] = {
        "string": lambda v: isinstance(v, str),
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "null": lambda v: v is None,
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    }
    return checks.get(name)


def compile_schema(schema: Any) -> Check | None:
    """A predicate that is True only for documents valid under `schema`; None if the schema
    uses anything beyond type/enum/required/properties."""
    if not isinstance(schema, dict) or not set(schema) <= _KEYWORDS:
        return None
    parts: list[Check] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        typed = [_type_check(n) for n in names if isinstance(n, str)]
        if len(typed) != len(names) or any(t is None for t in typed):
            return None
        alternatives = [t for t in typed if t is not None]
        parts.append(lambda v: any(t(v) for t in alternatives))
    if "enum" in schema:
        allowed = schema["enum"]
        if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
            return None
        words = frozenset(allowed)
        parts.append(lambda v: isinstance(v, str) and v in words)
    if "required" in schema or "properties" in schema:
        required = schema.get("required", [])
        props = schema.get("properties", {})
        if not isinstance(required, list) or not isinstance(props, dict):
            return None
        subs: dict[str, Check] = {}
        for key, sub in props.items():
            check = compile_schema(sub)
            if check is None:
                return None
            subs[key] = check
        needed = tuple(required)

        def members(v: Any) -> bool:
            if not isinstance(v, dict):
                return False  # valid for non-objects in JSON Schema; not sure here
            if any(k not in v for k in needed):
                return False
            return all(check(v[k]) for k, check in subs.items() if k in v)

        parts.append(members)
    return lambda v: all(p(v) for p in parts)
