"""Policies as data: load YAML files, validate them, and report a bad one in one line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from si_paas.errors import InputError
from si_paas.resources import data_dir, schema
from si_paas.textfile import YamlDocument, checked_yaml

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCOPES = ("doctor", "deploy", "state", "pre-commit", "ci", "checklist", "escalation")


@dataclass(frozen=True)
class Policy:
    """One policy file, validated; `params` are the check kind's normalized parameters."""

    id: str
    title: str
    severity: str
    scopes: tuple[str, ...]
    check: str
    remediation: str
    params: dict[str, Any] = field(default_factory=dict)
    blocking: bool = True
    description: str = ""
    source: str = ""
    examples: dict[str, Any] = field(default_factory=dict)


_VALIDATORS: dict[str, Draft202012Validator] = {}


def schema_error(doc: YamlDocument, schema_name: str) -> None:
    """Raise a one-line InputError (file:line: field: problem) if the document breaks the schema."""
    if schema_name not in _VALIDATORS:
        from jsonschema import Draft202012Validator

        _VALIDATORS[schema_name] = Draft202012Validator(schema(schema_name))
    errors = sorted(_VALIDATORS[schema_name].iter_errors(doc.data),
                    key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = errors[0]
    where = list(err.absolute_path)
    field_name = ".".join(str(p) for p in where) or "(top level)"
    raise InputError(f"{doc.path}:{doc.line_of(where) or 1}: field {field_name}: {err.message}")


def load_policy_file(path: Path) -> Policy:
    """Load and validate one policy file (check parameters are validated by the registry)."""
    return checked_yaml(path, "policy", _check_policy, _build_policy)


def _check_policy(doc: YamlDocument) -> dict[str, Any]:
    """The policy after its schema and its check kind's parameters are validated."""
    from si_paas.engine.registry import normalize_params

    schema_error(doc, "policy")
    data: dict[str, Any] = doc.data
    params = normalize_params(data["check"], data.get("with") or {}, doc.path, doc.line_of)
    return {**data, "with": params}


def _build_policy(path: Path, data: dict[str, Any]) -> Policy:
    params = data["with"]
    severity = data["severity"]
    return Policy(
        id=data["id"],
        title=data["title"],
        severity=severity,
        scopes=tuple(data["scopes"]),
        check=data["check"],
        remediation=data["remediation"].strip(),
        params=params,
        blocking=data.get("blocking", severity in ("critical", "high")),
        description=(data.get("description") or "").strip(),
        source=str(path),
        examples=data.get("examples") or {},
    )


def default_policy_dir() -> Path:
    """The shipped policy pack."""
    return data_dir("policies")


def load_policies(extra_dirs: Iterable[Path] = (), include_default: bool = True) -> list[Policy]:
    """The default pack plus user folders; a later file with the same id replaces an earlier.

    Each file is parsed once per process (a gated command judges before and after a change).
    """
    dirs = ([default_policy_dir()] if include_default else []) + list(extra_dirs)
    by_id: dict[str, Policy] = {}
    for folder in dirs:
        if not folder.is_dir():
            raise InputError(f"--policies {folder}: not a directory")
        for path in sorted(folder.glob("*.y*ml")):
            policy = load_policy_file(path)
            by_id[policy.id] = policy
    return list(by_id.values())
