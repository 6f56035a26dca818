"""Read a YAML rule file and validate it against its JSON Schema, failing in one line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from si_paas import schemacheck
from si_paas.errors import InputError
from si_paas.lazyregex import LazyRegex, lazy
from si_paas.textfile import one_line

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


def _locate(doc: Any, error: ValidationError, list_key: str, item_name: str) -> str:
    """`rule 'id' field 'regex'` (or `field 'allow[2]'`) for a schema error's location."""
    parts = list(error.absolute_path)
    if len(parts) >= 2 and parts[0] == list_key and isinstance(parts[1], int):
        index = parts[1]
        item = doc[list_key][index] if isinstance(doc, dict) else None
        ident = item.get("id") if isinstance(item, dict) else None
        label = f"{item_name} {ident!r}" if isinstance(ident, str) else f"{list_key}[{index}]"
        rest = parts[2:]
    else:
        label, rest = "", parts
    if rest:
        field = schemacheck.field_path(rest)
        label = f"{label} field {field!r}" if label else f"field {field!r}"
    return label or "top level"


def validate(doc: Any, path: Path, schema_name: str, list_key: str, item_name: str) -> None:
    """Validate `doc` against `schemas/<schema_name>.schema.json` (`schemacheck`); raise one
    InputError line naming the rule by its id: `FILE: rule 'ID' field 'regex': MESSAGE`."""
    error = schemacheck.first_error(doc, schema_name)
    if error is None:
        return
    where = _locate(doc, error, list_key, item_name)
    raise InputError(f"{path}: {where}: {schemacheck.message(error)}")


def compile_regex(source: str, path: Path, where: str) -> re.Pattern[str]:
    """Compile a regex from a rule file; a bad one is an InputError naming file and field."""
    try:
        return re.compile(source)
    except re.error as exc:
        raise InputError(
            f"{path}: {where}: invalid regex: {one_line(exc.msg)} at position {exc.pos}"
        ) from None
    except (OverflowError, RecursionError, ValueError) as exc:
        raise InputError(f"{path}: {where}: invalid regex: {one_line(str(exc))}") from None


_NOT_UNITABLE = lazy(r"\\[1-9]|\(\?P=|\(\?\(")  # back-references, conditionals


def checked_screen(source: str, path: Path, where: str) -> list[str] | None:
    """Compile `source` once to check it (a bad regex is the InputError of `compile_regex`)
    and return its screen: the strings one of which every match holds, sorted
    (`prefilter.required_literals`), or None when no such strings narrow it."""
    from si_paas.detect.prefilter import required_literals

    compile_regex(source, path, where)
    found = required_literals(source)
    return None if found is None else sorted(found)


def union(patterns: Sequence[re.Pattern[str] | LazyRegex[str]]) -> re.Pattern[str] | None:
    """One regex that searches true exactly when one of `patterns` does, or None when they
    cannot be joined (a back-reference, a global flag, a group name used twice).

    It lets a path be tried once against many patterns: most paths match none of them.
    """
    if not patterns or any(_NOT_UNITABLE.search(p.pattern) or p.flags & ~re.UNICODE for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))
    except (re.error, OverflowError, RecursionError, ValueError):
        return None
