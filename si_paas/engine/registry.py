"""The registry of check kinds: name -> function + parameter schema (cerberus)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from si_paas.errors import InputError
from si_paas.lazyregex import lazy

if TYPE_CHECKING:
    from si_paas.engine.policy import Policy
    from si_paas.findings import Finding
    from si_paas.snapshot.snapshot import Snapshot


class CheckFn(Protocol):
    """A check kind: reads the snapshot, returns findings; never touches the disk itself."""

    def __call__(self, snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]: ...


class CheckKind(NamedTuple):
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


_CHECKS_DIR = Path(__file__).with_name("checks")
# The one declaration of a kind is its decorator line in a module of engine/checks/.
_DECORATOR = b"\n@check_kind("
_NAME = lazy(rb"""\s*["']([^"']+)["']""")


def _check_modules(folder: Path) -> list[str]:
    return sorted(n[:-3] for n in os.listdir(folder) if n.endswith(".py") and not n.startswith("_"))


def declared_kinds(folder: Path = _CHECKS_DIR) -> dict[str, str]:
    """Each kind a module of `folder` declares (`@check_kind("name", ...)`) and its module.

    Read from the source bytes, importing nothing (about 0.6 ms for the built-in modules,
    once per process), so a command imports only the modules of the kinds its policies use:
    the pre-commit hook loads two of eleven.
    """
    found: dict[str, str] = {}
    for module in _check_modules(folder):
        with open(folder / f"{module}.py", "rb") as fh:
            data = fh.read()
        at = data.find(_DECORATOR)
        while at != -1:
            name = _NAME.match(data, at + len(_DECORATOR))
            if name:
                found[name.group(1).decode("utf-8")] = module
            at = data.find(_DECORATOR, at + len(_DECORATOR))
    return found


@cache
def _builtin_kinds() -> dict[str, str]:
    return declared_kinds()


def _import_kind_module(module: str) -> None:
    import importlib

    importlib.import_module(f"si_paas.engine.checks.{module}")


def load_builtin() -> dict[str, CheckKind]:
    """Register every built-in kind (import every module of engine/checks); the full registry."""
    for module in _check_modules(_CHECKS_DIR):
        _import_kind_module(module)
    return CHECKS


def get_check(name: str) -> CheckKind:
    """The check kind called `name`, importing only the module that declares it."""
    if name not in CHECKS:
        module = _builtin_kinds().get(name)
        if module is not None:
            _import_kind_module(module)
        if name not in CHECKS:  # declared some other way, or unknown: load them all
            load_builtin()
    return CHECKS[name]


def normalize_params(
    check: str, params: dict[str, Any], source: Path, line_of: Callable[[list[Any]], int | None]
) -> dict[str, Any]:
    """Validate and normalize a policy's `with:` block against its check kind's schema."""
    kind = load_builtin().get(check)
    if kind is None:
        known = ", ".join(sorted(CHECKS))
        raise InputError(
            f"{source}:{line_of(['check']) or 1}: field check: unknown check kind {check!r} (known: {known})"
        )
    from cerberus import Validator

    validator = Validator(kind.params_schema, purge_unknown=False)
    if not validator.validate(params):
        field_name, problems = sorted(validator.errors.items())[0]
        line = line_of(["with", field_name]) or 1
        raise InputError(f"{source}:{line}: field with.{field_name}: {problems[0]}")
    normalized: dict[str, Any] = validator.document
    return normalized
