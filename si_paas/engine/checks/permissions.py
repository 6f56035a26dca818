"""Check kind: private modes and ownership under the state root."""

from __future__ import annotations

import stat
from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot.gitpaths import is_within, real
from si_paas.snapshot.snapshot import Snapshot

_PARAMS = {
    "dir_mode": {"type": "string", "default": "0700", "regex": "^0?[0-7]{3}$"},
    "file_mode": {"type": "string", "default": "0600", "regex": "^0?[0-7]{3}$"},
}


@check_kind("state.permissions", _PARAMS)
def state_permissions(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """Directories 0700 and files 0600 (no extra bits), owned by the current user.

    A vault file readable by group or others is reported with severity critical.
    """
    dir_mode, file_mode = int(params["dir_mode"], 8), int(params["file_mode"], 8)
    uid = snap.paths.uid
    vaults = {snap.paths.realpath(c.vault_file) for c in snap.state.contexts}
    findings: list[Finding] = []
    others = [
        snap.state.layout.context_dir(c.name) for c in snap.state.contexts if c not in snap.state.focused()
    ]
    for entry in snap.state.modes:
        if any(entry.path == o or o in entry.path.parents for o in others):
            continue  # with --context, another context's files are not judged
        want = dir_mode if entry.is_dir else file_mode
        is_vault = not entry.is_dir and (
            entry.path.parent.name == "vault" or snap.paths.realpath(entry.path) in vaults
        )
        problems = []
        if entry.mode & ~want:
            problems.append(f"mode {entry.mode:04o}, want {want:04o}")
        if entry.uid != uid:
            problems.append(f"owned by uid {entry.uid}, not {uid}")
        if problems:
            exposed = is_vault and bool(entry.mode & 0o077)
            findings.append(
                Finding(
                    rule=policy.id,
                    path=str(entry.path),
                    message=("vault readable by others: " if exposed else "") + "; ".join(problems),
                    severity="critical" if exposed else None,
                )
            )
    for reason, n in sorted(snap.state.walk_skipped.items()):  # modes walked first, above
        findings.append(
            Finding(
                rule=policy.id,
                path=str(snap.state.root),
                message=f"{reason}: {n} not judged under the state root; "
                "nothing of si-paas nests that deep: remove them",
            )
        )
    findings.extend(_vaults_elsewhere(snap, policy, uid))
    findings.extend(_key_dir(snap, policy, uid))
    return findings


def _vaults_elsewhere(snap: Snapshot, policy: Policy, uid: int) -> list[Finding]:
    """A vault outside the state root (`--vault-file`) and its folder are still ours to judge."""
    root = real(snap.state.root)
    findings = []
    for ctx in snap.state.focused():
        if is_within(real(ctx.vault_file), root):
            continue  # judged with the rest of the state root
        vault = snap.state.mode_of(ctx.vault_file)
        if vault is not None and vault.mode & 0o077:
            findings.append(
                Finding(
                    rule=policy.id,
                    path=ctx.vault_file,
                    severity="critical",
                    message=f"vault readable by others: mode {vault.mode:04o}, want 0600",
                )
            )
        if vault is not None and vault.uid != uid:
            findings.append(
                Finding(
                    rule=policy.id, path=ctx.vault_file, message=f"vault owned by uid {vault.uid}, not {uid}"
                )
            )
        folder = snap.state.mode_of(real(ctx.vault_file).parent)
        if folder is not None and folder.mode & 0o022 and not folder.mode & stat.S_ISVTX:
            findings.append(
                Finding(
                    rule=policy.id,
                    path=str(real(ctx.vault_file).parent),
                    severity="critical",
                    message=f"folder of the vault of context {ctx.name!r} is writable by others "
                    f"(mode {folder.mode:04o}): they can replace the vault",
                )
            )
    return findings


def _key_dir(snap: Snapshot, policy: Policy, uid: int) -> list[Finding]:
    """The key directory: private, ours, and not under the state root (a copy or backup of
    the state root would carry the keys beside the vaults they open)."""
    where = snap.state.key_dir
    findings = []
    if is_within(real(where), real(snap.state.root)):
        findings.append(
            Finding(
                rule=policy.id,
                path=str(where),
                message=f"key directory {where} is inside the state root "
                f"{snap.state.root}: keys must live apart from the "
                "vaults (set $SI_PAAS_KEY_DIR elsewhere)",
            )
        )
    mode = snap.state.mode_of(where)
    if mode is None:
        return findings
    if mode.mode & 0o022:
        findings.append(
            Finding(
                rule=policy.id,
                path=str(where),
                severity="critical",
                message=f"key directory is writable by others (mode "
                f"{mode.mode:04o}, want 0700): they can plant or swap "
                "vault keys",
            )
        )
    elif mode.mode & 0o077:
        findings.append(
            Finding(rule=policy.id, path=str(where), message=f"key directory mode {mode.mode:04o}, want 0700")
        )
    if mode.uid != uid:
        findings.append(
            Finding(
                rule=policy.id, path=str(where), message=f"key directory owned by uid {mode.uid}, not {uid}"
            )
        )
    return findings
