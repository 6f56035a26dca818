"""Validate a document against one of the JSON Schemas in schemas/, failing in one line.

Every document read or written (state files, bundles, backup manifests, policies, rule
packs, baselines, repository configs) goes through `first_error`: the most relevant
offending field and what is wrong with it, the field written as
`items[2].port` (`(top level)` for the document itself). `check` turns it into the
project's one-line input error, `SOURCE: field items[2].port: MESSAGE`, exit 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from si_paas.errors import InputError
from si_paas.resources import schema
from si_paas.textfile import one_line

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_VALIDATORS: dict[str, Draft202012Validator] = {}
_QUICK: dict[str, Callable[[Any], bool] | None] = {}

# Messages that never repeat a value of the document (it may be something private).
_VALUE_FREE: dict[str, Callable[[Any], str]] = {
    "type": lambda v: f"must be of type {' or '.join(v) if isinstance(v, list) else v}",
    "const": lambda v: f"must be {json.dumps(v)}",
    "enum": lambda v: "must be one of " + ", ".join(json.dumps(x) for x in v),
    "pattern": lambda v: f"does not match {v}",
    "minLength": lambda v: f"must be at least {v} characters",
    "maxLength": lambda v: f"must be at most {v} characters",
    "minimum": lambda v: f"must be at least {v}",
    "maximum": lambda v: f"must be at most {v}",
    "uniqueItems": lambda v: "must not repeat items",
}


def _validator(name: str) -> Draft202012Validator:
    if name not in _VALIDATORS:
        from jsonschema import Draft202012Validator  # imported when a document is checked

        _VALIDATORS[name] = Draft202012Validator(schema(name))
    return _VALIDATORS[name]


def first_error(doc: Any, schema_name: str) -> ValidationError | None:
    """The most relevant error (jsonschema's `best_match`: the shallowest field first), or
    None if `doc` is valid."""
    if schema_name not in _QUICK:
        from si_paas.schemafast import compile_schema

        _QUICK[schema_name] = compile_schema(schema(schema_name))
    quick = _QUICK[schema_name]
    if quick is not None and quick(doc):
        return None  # plainly valid (an event line); anything else gets the full validator
    from jsonschema.exceptions import best_match

    return best_match(_validator(schema_name).iter_errors(doc))


def field_path(parts: Iterable[Any]) -> str:
    """A field's path in a document, as `items[2].port`; `(top level)` for the document."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def message(error: ValidationError, value_free: bool = False) -> str:
    """What is wrong, on one line; with `value_free`, in words that never repeat a value."""
    render = _VALUE_FREE.get(str(error.validator)) if value_free else None
    return one_line(render(error.validator_value) if render else error.message)


def problem(doc: Any, schema_name: str, value_free: bool = False) -> str | None:
    """`field items[2].port: MESSAGE` for the first offending field, or None if valid."""
    error = first_error(doc, schema_name)
    if error is None:
        return None
    return f"field {field_path(error.absolute_path)}: {message(error, value_free)}"


def check(doc: Any, schema_name: str, source: Path | str, value_free: bool = False) -> None:
    """Raise the one-line InputError `SOURCE: field PATH: MESSAGE` if `doc` is invalid."""
    found = problem(doc, schema_name, value_free)
    if found is not None:
        raise InputError(f"{source}: {found}")
