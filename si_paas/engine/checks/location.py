"""Check kinds about where things live: the state root, vault files and keys outside git work trees.

Every component is judged, not only the top folder: a `contexts/` folder, a context, a
record file or a key linked into a repository from a state root that is itself outside
is as exposed as a state root inside one. "Inside" covers ordinary work trees and
external ones such as a bare dotfiles repository used with `--work-tree=$HOME`
(see `snapshot.gitpaths`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot.gitpaths import Holder, is_within
from si_paas.snapshot.snapshot import Snapshot


def _inside_repos(snap: Snapshot, path: Path) -> Holder | None:
    """The work tree holding `path`: found from the path itself, or one of the repos in view."""
    holder = snap.paths.holder(path, snap.env)
    if holder is not None:
        return holder
    resolved = snap.paths.real(path)
    top = next((r.root for r in snap.repos if is_within(resolved, r.root)), None)
    return Holder(top) if top is not None else None


def _linked_in(snap: Snapshot, root: Path, what: str, policy: Policy, extra: dict[str, Any]) -> list[Finding]:
    """A finding for every symlink under `root` whose target is in a work tree."""
    findings = []
    for link, target in snap.paths.links_under(root):
        holder = _inside_repos(snap, target)
        if holder is None:
            continue
        rel = link.relative_to(root).as_posix()
        findings.append(
            Finding(
                rule=policy.id,
                path=str(link),
                message=f"{rel} of the {what} {root} links to {target}, inside git work tree "
                f"{holder.describe()}",
                extra={**extra, "component": rel, "repo": str(holder.top)},
            )
        )
    return findings


@check_kind("state.root_outside_repo")
def state_root_outside_repo(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """The state root and every component of it (after realpath) are outside every work tree."""
    root = snap.state.root
    holder = _inside_repos(snap, root)
    if holder is not None:
        resolved = snap.paths.real(root)
        via = f" (resolves to {resolved})" if resolved != root else ""
        return [
            Finding(
                rule=policy.id,
                path=str(root),
                message=f"state root {root}{via} is inside git work tree {holder.describe()}",
                extra={"repo": str(holder.top)},
            )
        ]
    if not snap.paths.is_dir(root):
        return []
    return _linked_in(snap, root, "state root", policy, {})


def _key_dir(snap: Snapshot) -> Path:
    from si_paas.state.vaultkeys import key_dir  # cryptography: only when keys are judged

    return key_dir(dict(snap.env))


@check_kind("vault.outside_repo")
def vault_outside_repo(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Every context's vault file, the key directory and the fingerprint key file (after
    realpath) are outside work trees."""
    findings = []
    for ctx in snap.state.focused():
        holder = _inside_repos(snap, Path(ctx.vault_file))
        if holder is not None:
            findings.append(
                Finding(
                    rule=policy.id,
                    path=ctx.vault_file,
                    message=f"vault file of context {ctx.name!r} resolves to "
                    f"{snap.paths.real(ctx.vault_file)}, "
                    f"inside git work tree {holder.describe()}",
                    extra={"context": ctx.name, "repo": str(holder.top)},
                )
            )
    keys = _key_dir(snap)
    holder = _inside_repos(snap, keys) if snap.paths.exists(keys) else None
    if holder is not None:
        resolved = snap.paths.real(keys)
        via = f" (resolves to {resolved})" if resolved != keys else ""
        findings.append(
            Finding(
                rule=policy.id,
                path=str(keys),
                message=f"key directory {keys}{via} holds the vault keys and is inside git work "
                f"tree {holder.describe()}",
                extra={"repo": str(holder.top), "component": "key directory"},
            )
        )
    elif snap.paths.is_dir(keys):
        findings += _linked_in(snap, keys, "key directory", policy, {})
    return findings + _fingerprint_key_in_repo(snap, policy)


def _fingerprint_key_in_repo(snap: Snapshot, policy: Policy) -> list[Finding]:
    """The user's fingerprint key file, when it is the key's source, outside work trees."""
    from si_paas.state.fingerprintkey import KEY_ENV, key_file

    env = dict(snap.env)
    path = key_file(env)
    if env.get(KEY_ENV) or not snap.paths.exists(path):
        return []
    holder = _inside_repos(snap, path)
    if holder is None:
        return []
    resolved = snap.paths.real(path)
    via = f" (resolves to {resolved})" if resolved != path else ""
    return [
        Finding(
            rule=policy.id,
            path=str(path),
            message=f"fingerprint key file {path}{via} keys every report fingerprint and is "
            f"inside git work tree {holder.describe()}",
            extra={"repo": str(holder.top), "component": "fingerprint key"},
        )
    ]
