"""Policies as data: load YAML files, validate them, and report a bad one in one line."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import field
from pathlib import Path
from typing import Any, NamedTuple

from si_paas import schemacheck
from si_paas.errors import InputError
from si_paas.records import record
from si_paas.resources import data_dir
from si_paas.textfile import YamlDocument, checked_yaml

ALLOW_OVERRIDE_ENV = "SI_PAAS_ALLOW_POLICY_OVERRIDE"
DEPLOY_PLAN_EXAMPLE = "deploy-plan.json"  # an example's deploy plan, not a file


@record(frozen=True)
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


def schema_error(doc: YamlDocument, schema_name: str) -> None:
    """Raise a one-line InputError (`file:line: field scopes[0]: problem`, `schemacheck`) if
    the document breaks the schema."""
    err = schemacheck.first_error(doc.data, schema_name)
    if err is None:
        return
    where = list(err.absolute_path)
    raise InputError(
        f"{doc.path}:{doc.line_of(where) or 1}: field "
        f"{schemacheck.field_path(where)}: {schemacheck.message(err)}"
    )


def load_policy_file(path: Path) -> Policy:
    """Load and validate one policy file (check parameters are validated by the registry)."""
    return checked_yaml(path, "policy", _check_policy, _build_policy)


def _check_policy(doc: YamlDocument) -> dict[str, Any]:
    """The policy after its schema and its check kind's parameters are validated."""
    from si_paas.engine.registry import normalize_params

    schema_error(doc, "policy")
    data: dict[str, Any] = doc.data
    for expect, examples in (data.get("examples") or {}).items():
        for i, example in enumerate(examples):
            for part, name, problem in _example_problems(example):
                where = ["examples", expect, i, part, name]
                raise InputError(
                    f"{doc.path}:{doc.line_of(where) or 1}: field "
                    f"{schemacheck.field_path(where[:-1])}: {name!r}: {problem}"
                )
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


def _example_problems(example: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(field, name, problem) of every refused name of one example.

    `modes` and link targets name a file of the example or a folder of one; a link's name is
    new, below no file and no other link, so nothing is ever written through a link.
    """
    files = [n for n in example["files"] if n != DEPLOY_PLAN_EXAMPLE]
    folders = {"/".join(n.split("/")[:k]) for n in files for k in range(2, n.count("/") + 1)}
    known = set(files) | folders
    links = example.get("links") or {}
    for name in example["files"]:
        if problem := example_path_problem(name):
            yield "files", name, problem
    for name in example.get("modes") or {}:
        if problem := example_path_problem(name):
            yield "modes", name, problem
        elif name not in known:
            yield "modes", name, "must name a file of the example or a folder of one"
    for name, target in links.items():
        above = ["/".join(name.split("/")[:k]) for k in range(1, name.count("/") + 1)]
        if name == DEPLOY_PLAN_EXAMPLE:
            yield "links", name, "names the deploy plan, not a link"
        elif problem := example_path_problem(name):
            yield "links", name, problem
        elif name in known or any(a in files or a in links for a in above):
            yield "links", name, "must be a new name below no file and no other link"
        elif target not in known:
            yield "links", name, (f"target {target!r} must name a file of the example or a folder of one")


EXAMPLE_ROOTS = ("repo", "state", "backups")
_MAX_EXAMPLE_PATH = 1024


def example_path_problem(name: str) -> str | None:
    """Why an example file name is refused, or None if it is safe to write.

    A name is `repo/...` (the example's git repository), `state/...` (its state root) or
    `backups/...` (a folder an example's `env` may name), relative and normalised:
    `/`-separated, no empty, `.` or `..` part, no backslash or NUL, no `.git` part (a
    planted git config would run commands), at most 1024 characters. It then always lands
    inside the example's folder.
    `deploy-plan.json` alone names the deploy scope's plan, which is never written to disk.
    """
    if name == DEPLOY_PLAN_EXAMPLE:
        return None
    if not name or len(name) > _MAX_EXAMPLE_PATH:
        return f"must be 1 to {_MAX_EXAMPLE_PATH} characters"
    if "\0" in name or "\\" in name:
        return "must not hold a NUL or a backslash"
    if name.startswith("/"):
        return "must be relative (repo/PATH, state/PATH or backups/PATH), not absolute"
    parts = name.split("/")
    if parts[0] not in EXAMPLE_ROOTS or len(parts) < 2:
        return "must start with repo/, state/ or backups/ and name a file below it"
    for part in parts:
        if part in ("", ".", ".."):
            return "must be normalised (no empty, '.' or '..' part)"
        if part.lower() == ".git":
            return "must not write into .git"
        if len(part.encode("utf-8", "surrogatepass")) > 255:
            return "has a part longer than 255 bytes"
    return None


def default_policy_dir() -> Path:
    """The shipped policy pack."""
    return data_dir("policies")


@record(frozen=True)
class PolicyOverride:
    """A policy that replaced another of the same id: always listed in reports."""

    id: str
    source: str
    origin: str  # "repo" (a repository config's folder) or "user" (--policies)
    replaced: str
    severity: tuple[str, str]  # (before, after)
    blocking: tuple[bool, bool]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "origin": self.origin,
            "replaced": self.replaced,
            "severity": list(self.severity),
            "blocking": list(self.blocking),
        }


class PolicyFolder(NamedTuple):
    """A folder of extra policies and who asked for it.

    `origin="repo"`: named by a repository config, so every policy file in it must resolve
    inside `inside` (the repository root) and may not replace a critical policy unless its id
    is in the user-level opt-in; `origin="user"`: given on the command line.
    """

    path: Path
    origin: str = "user"
    inside: Path | None = None
    label: str = "--policies"


def load_policies(extra_dirs: Iterable[Path] = (), include_default: bool = True) -> list[Policy]:
    """The default pack plus user folders; a later file with the same id replaces an earlier.

    Each file is parsed once per process (a gated command judges before and after a change).
    """
    return load_policy_set([PolicyFolder(d) for d in extra_dirs], include_default)[0]


def load_policy_set(
    folders: Iterable[PolicyFolder],
    include_default: bool = True,
    allow_critical: frozenset[str] = frozenset(),
) -> tuple[list[Policy], list[PolicyOverride]]:
    """Policies and the replacements made: the default pack, then each folder in order.

    A repository's folder may not replace a critical policy (by reusing its id) unless that
    id, or `*`, is in `allow_critical` (the user's opt-in); the refusal names the file.
    """
    dirs = [PolicyFolder(default_policy_dir(), "default")] if include_default else []
    dirs += list(folders)
    by_id: dict[str, Policy] = {}
    overrides: list[PolicyOverride] = []
    for folder in dirs:
        if not folder.path.is_dir():
            raise InputError(f"{folder.label} {folder.path}: not a directory")
        for path in sorted(folder.path.glob("*.y*ml")):
            if folder.inside is not None and not _within(path, folder.inside):
                raise InputError(
                    f"{folder.label} {path}: resolves to {os.path.realpath(path)}, "
                    f"outside the repository {folder.inside}"
                )
            policy = load_policy_file(path)
            old = by_id.get(policy.id)
            if old is not None:
                if (
                    folder.origin == "repo"
                    and old.severity == "critical"
                    and not {policy.id, "*"} & allow_critical
                ):
                    raise InputError(
                        f"{path}: policy {policy.id!r} would replace the critical policy of "
                        f"{old.source}; a repository config cannot replace a critical policy "
                        f"(the user can allow it with {ALLOW_OVERRIDE_ENV}={policy.id})"
                    )
                overrides.append(
                    PolicyOverride(
                        policy.id,
                        policy.source,
                        folder.origin,
                        old.source,
                        (old.severity, policy.severity),
                        (old.blocking, policy.blocking),
                    )
                )
            by_id[policy.id] = policy
    return list(by_id.values()), overrides


def _within(path: Path, root: Path) -> bool:
    real, top = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    return real == top or top in real.parents
