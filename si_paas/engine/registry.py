"""The registry of check kinds: name -> function + parameter schema (cerberus)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from si_paas.errors import InputError

if TYPE_CHECKING:
    from si_paas.engine.policy import Policy
    from si_paas.findings import Finding
    from si_paas.snapshot.snapshot import Snapshot


class CheckFn(Protocol):
    """A check kind: reads the snapshot, returns findings; never touches the disk itself."""

    def __call__(self, snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
        ...


@dataclass(frozen=True)
class CheckKind:
    """A registered check: its function and the cerberus schema of its `with:` parameters."""

    name: str
    fn: CheckFn
    params_schema: dict[str, Any]
    doc: str


CHECKS: dict[str, CheckKind] = {}


def check_kind(name: str, params: dict[str, Any] | None = None) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as check kind `name`."""

    def register(fn: CheckFn) -> CheckFn:
        CHECKS[name] = CheckKind(name, fn, params or {}, (fn.__doc__ or "").strip())
        return fn

    return register


# Each built-in kind and the module of si_paas.engine.checks that registers it. A command
# imports only the kinds its policies use: the pre-commit hook loads two of seven.
BUILTIN_KINDS = {
    "state.root_outside_repo": "location",
    "vault.outside_repo": "location",
    "state.permissions": "permissions",
    "state.no_cross_context_data": "cross_context",
    "context.public_safe": "public_safe",
    "repo.no_private_state": "private_state",
    "repo.no_plaintext_secrets": "secrets",
    "state.records_intact": "integrity",
    "deploy.rollback_ready": "deploy",
    "deploy.target_known": "deploy",
    "checklist.doctor_ok": "checklist",
    "checklist.contexts_separated": "checklist",
    "checklist.backup_verified": "checklist",
    "checklist.alerting_ready": "checklist",
    "checklist.rollback_drill": "checklist",
    "escalation.condition": "escalation",
    "backup.latest_verification_failed": "backup",
    "backup.root_outside_repo": "backup",
}


def _import_kind_module(module: str) -> None:
    import importlib

    importlib.import_module(f"si_paas.engine.checks.{module}")


def load_builtin() -> dict[str, CheckKind]:
    """Register every built-in kind; the full registry."""
    for module in sorted(set(BUILTIN_KINDS.values())):
        _import_kind_module(module)
    return CHECKS


def get_check(name: str) -> CheckKind:
    """The check kind called `name`."""
    if name not in CHECKS:
        if name in BUILTIN_KINDS:
            _import_kind_module(BUILTIN_KINDS[name])
        else:
            load_builtin()
    return CHECKS[name]


def normalize_params(
    check: str, params: dict[str, Any], source: Path, line_of: Callable[[list[Any]], int | None]
) -> dict[str, Any]:
    """Validate and normalize a policy's `with:` block against its check kind's schema."""
    kind = load_builtin().get(check)
    if kind is None:
        known = ", ".join(sorted(CHECKS))
        raise InputError(f"{source}:{line_of(['check']) or 1}: field check: unknown check kind "
                         f"{check!r} (known: {known})")
    from cerberus import Validator

    validator = Validator(kind.params_schema, purge_unknown=False)
    if not validator.validate(params):
        field_name, problems = sorted(validator.errors.items())[0]
        line = line_of(["with", field_name]) or 1
        raise InputError(f"{source}:{line}: field with.{field_name}: {problems[0]}")
    normalized: dict[str, Any] = validator.document
    return normalized
