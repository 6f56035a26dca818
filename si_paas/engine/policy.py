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


_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file; the node tree (for line numbers) is built only when an error needs it."""

    path: Path
    text: str
    data: Any

    def line_of(self, where: Iterable[Any]) -> int | None:
        """The 1-based line of the value at `where`."""
        return _line_of(yaml.compose(self.text, Loader=_FAST_LOADER), where)


def load_yaml_document(path: Path) -> YamlDocument:
    """Parse one YAML file (libyaml when present); errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not valid UTF-8") from None
    try:
        data = yaml.load(text, Loader=_FAST_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}" if mark else ""
        raise InputError(f"{path}{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {exc}") from None
    return YamlDocument(path, text, data)


_VALIDATORS: dict[str, Draft202012Validator] = {}


def schema_error(doc: YamlDocument, schema_name: str) -> None:
    """Raise a one-line InputError (file:line: field: problem) if the document breaks the schema."""
    if schema_name not in _VALIDATORS:
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
    from si_paas.engine.registry import normalize_params

    doc = load_yaml_document(path)
    schema_error(doc, "policy")
    data = doc.data
    params = normalize_params(data["check"], data.get("with") or {}, path, doc.line_of)
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


_CACHE: dict[tuple[tuple[str, int, int], ...], list[Policy]] = {}


def load_policies(extra_dirs: Iterable[Path] = (), include_default: bool = True) -> list[Policy]:
    """The default pack plus user folders; a later file with the same id replaces an earlier.

    Cached per process on every file's path, size and mtime: a gated command judges the state
    before and after its change without parsing the pack twice.
    """
    dirs = ([default_policy_dir()] if include_default else []) + list(extra_dirs)
    files: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            raise InputError(f"--policies {folder}: not a directory")
        files.extend(sorted(folder.glob("*.y*ml")))
    key = tuple((str(p), (st := p.stat()).st_mtime_ns, st.st_size) for p in files)
    if key not in _CACHE:
        by_id: dict[str, Policy] = {}
        for path in files:
            policy = load_policy_file(path)
            by_id[policy.id] = policy
        _CACHE[key] = list(by_id.values())
    return list(_CACHE[key])
