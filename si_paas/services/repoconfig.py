"""The repository config file `.si-paas.yaml`: extra policy folders and disabled policies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from si_paas.engine.policy import Policy
from si_paas.errors import InputError
from si_paas.textfile import YamlDocument, checked_yaml

CONFIG_NAME = ".si-paas.yaml"


@dataclass(frozen=True)
class RepoConfig:
    """What a repository asks of si-paas."""

    path: Path | None
    policy_dirs: tuple[Path, ...] = ()
    disable: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


def load_repo_config(repo_root: Path | None) -> RepoConfig:
    """Read `<repo>/.si-paas.yaml` if present; a bad file is a one-line error."""
    if repo_root is None:
        return RepoConfig(None)
    path = repo_root / CONFIG_NAME
    if not path.is_file():
        return RepoConfig(None)
    return checked_yaml(path, "repository config", _check,
                        lambda p, data: _build(repo_root, p, data))


def _check(doc: YamlDocument) -> dict[str, Any]:
    path, data = doc.path, doc.data or {}
    if not isinstance(data, dict) or set(data) - {"policies", "disable", "exclude"}:
        raise InputError(f"{path}: only the keys 'policies', 'disable' and 'exclude' are allowed")
    dirs, disable = data.get("policies") or [], data.get("disable") or []
    exclude = data.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(d, str) for d in exclude):
        raise InputError(f"{path}: field exclude: must be a list of path patterns")
    if not all(isinstance(d, str) for d in dirs):
        raise InputError(f"{path}: field policies: must be a list of folder paths")
    if not all(isinstance(d, str) for d in disable):
        raise InputError(f"{path}: field disable: must be a list of policy ids")
    return {"policies": dirs, "disable": disable, "exclude": exclude}


def _build(repo_root: Path, path: Path, data: dict[str, Any]) -> RepoConfig:
    return RepoConfig(path, tuple(repo_root / d for d in data["policies"]),
                      tuple(data["disable"]), tuple(data["exclude"]))


def check_disable(config: RepoConfig, policies: list[Policy]) -> tuple[str, ...]:
    """The ids to disable; a critical or unknown id is refused, naming the file."""
    by_id = {p.id: p for p in policies}
    for pid in config.disable:
        policy = by_id.get(pid)
        if policy is None:
            raise InputError(f"{config.path}: field disable: unknown policy id {pid!r}")
        if policy.severity == "critical":
            raise InputError(
                f"{config.path}: field disable: {pid!r} is critical and cannot be disabled"
            )
    return config.disable
