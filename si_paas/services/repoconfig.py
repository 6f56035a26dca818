"""The repository config file `.si-paas.yaml`: extra policy folders, disabled policies, excludes.

A repository config may narrow noise, never hide critical findings: its excludes apply to
the secret scan only (never to private-state detection), its policy folders must resolve
inside the repository, it cannot disable a critical policy nor replace one without the
user's opt-in (`SI_PAAS_ALLOW_POLICY_OVERRIDE`), and every report lists what it changed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from si_paas.engine.policy import Policy, PolicyFolder
from si_paas.errors import InputError
from si_paas.textfile import YamlDocument, checked_yaml

CONFIG_NAME = ".si-paas.yaml"


class RepoConfig(NamedTuple):
    """What a repository asks of si-paas."""

    path: Path | None
    policy_dirs: tuple[Path, ...] = ()
    disable: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    root: Path | None = None

    def folders(self) -> list[PolicyFolder]:
        """The config's policy folders, each to be kept inside the repository."""
        return [PolicyFolder(d, "repo", self.root, f"{self.path}: field policies:") for d in self.policy_dirs]

    def describe(self) -> dict[str, Any]:
        """What the config changes, for every report."""
        return {
            "path": str(self.path) if self.path else None,
            "exclude": list(self.exclude),
            "disable": list(self.disable),
            "policies": [str(d) for d in self.policy_dirs],
        }


def load_repo_config(repo_root: Path | None) -> RepoConfig:
    """Read `<repo>/.si-paas.yaml` if present; a bad file is a one-line error."""
    if repo_root is None:
        return RepoConfig(None)
    path = repo_root / CONFIG_NAME
    if not path.is_file():
        return RepoConfig(None)
    return checked_yaml(path, "repository config", _check, lambda p, data: _build(repo_root, p, data))


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
    top = Path(os.path.realpath(repo_root))
    dirs = []
    for i, folder in enumerate(data["policies"]):
        real = Path(os.path.realpath(repo_root / folder))
        if real != top and top not in real.parents:
            raise InputError(
                f"{path}: field policies[{i}]: {folder!r} resolves to {real}, outside the repository"
            )
        dirs.append(real)
    return RepoConfig(path, tuple(dirs), tuple(data["disable"]), tuple(data["exclude"]), root=top)


def check_disable(config: RepoConfig, policies: list[Policy]) -> tuple[str, ...]:
    """The ids to disable; a critical or unknown id is refused, naming the file."""
    by_id = {p.id: p for p in policies}
    for pid in config.disable:
        policy = by_id.get(pid)
        if policy is None:
            raise InputError(f"{config.path}: field disable: unknown policy id {pid!r}")
        if policy.severity == "critical":
            raise InputError(f"{config.path}: field disable: {pid!r} is critical and cannot be disabled")
    return config.disable
