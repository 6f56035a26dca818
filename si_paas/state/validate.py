"""Validate stored documents against the JSON Schemas in schemas/, one line per problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from si_paas.errors import InputError
from si_paas.resources import schema

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

_VALIDATORS: dict[str, Draft202012Validator] = {}
_QUICK: dict[str, Callable[[Any], bool] | None] = {}


def _validator(name: str) -> Draft202012Validator:
    if name not in _VALIDATORS:
        from jsonschema import Draft202012Validator  # imported when a document is checked

        _VALIDATORS[name] = Draft202012Validator(schema(name))
    return _VALIDATORS[name]


def field_path(parts: Any) -> str:
    """Render a jsonschema error path like `items[2].port`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def validate_document(doc: Any, schema_name: str, source: Path | str) -> None:
    """Raise InputError naming `source` and the first offending field if `doc` is invalid."""
    if schema_name not in _QUICK:
        from si_paas.schemafast import compile_schema

        _QUICK[schema_name] = compile_schema(schema(schema_name))
    quick = _QUICK[schema_name]
    if quick is not None and quick(doc):
        return  # plainly valid (an event line); anything else gets the full validator
    errors = sorted(_validator(schema_name).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        raise InputError(f"{source}: field {field_path(err.absolute_path)}: {err.message}")
