"""Policies as data: load YAML files, validate them, and report a bad one in one line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from si_paas.errors import InputError
from si_paas.resources import data_dir, schema

SCOPES = ("doctor", "deploy", "state", "pre-commit", "ci", "checklist")


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


def _line_of(node: yaml.Node | None, path: Iterable[Any]) -> int | None:
    """The 1-based line of the YAML node at `path` (or its nearest parent)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(
            node.value
        ):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def load_yaml_document(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML file into (data, node tree); errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not valid UTF-8") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}" if mark else ""
        raise InputError(f"{path}{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {exc}") from None
    return data, node


def schema_error(path: Path, node: yaml.Node | None, data: Any, schema_name: str) -> None:
    """Raise a one-line InputError (file:line: field: problem) if `data` breaks the schema."""
    validator = Draft202012Validator(schema(schema_name))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = errors[0]
    where = list(err.absolute_path)
    line = _line_of(node, where)
    field_name = ".".join(str(p) for p in where) or "(top level)"
    raise InputError(f"{path}:{line or 1}: field {field_name}: {err.message}")


def load_policy_file(path: Path) -> Policy:
    """Load and validate one policy file (check parameters are validated by the registry)."""
    from si_paas.engine.registry import normalize_params

    data, node = load_yaml_document(path)
    schema_error(path, node, data, "policy")
    params = normalize_params(data["check"], data.get("with") or {}, path,
                              lambda where: _line_of(node, where))
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
    """The default pack plus user folders; a later file with the same id replaces an earlier."""
    dirs = ([default_policy_dir()] if include_default else []) + list(extra_dirs)
    by_id: dict[str, Policy] = {}
    for folder in dirs:
        if not folder.is_dir():
            raise InputError(f"--policies {folder}: not a directory")
        for path in sorted(folder.glob("*.y*ml")):
            policy = load_policy_file(path)
            by_id[policy.id] = policy
    return list(by_id.values())
