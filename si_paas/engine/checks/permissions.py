"""Check kind: private modes and ownership under the state root."""

from __future__ import annotations

import os
from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
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
    uid = os.getuid()
    vaults = {os.path.realpath(c.vault_file) for c in snap.state.contexts}
    findings: list[Finding] = []
    others = [snap.state.layout.context_dir(c.name) for c in snap.state.contexts
              if c not in snap.state.focused()]
    for entry in snap.state.modes:
        if any(entry.path == o or o in entry.path.parents for o in others):
            continue  # with --context, another context's files are not judged
        want = dir_mode if entry.is_dir else file_mode
        is_vault = os.path.realpath(entry.path) in vaults or entry.path.parent.name == "vault"
        problems = []
        if entry.mode & ~want:
            problems.append(f"mode {entry.mode:04o}, want {want:04o}")
        if entry.uid != uid:
            problems.append(f"owned by uid {entry.uid}, not {uid}")
        if problems:
            exposed = is_vault and bool(entry.mode & 0o077)
            findings.append(Finding(
                rule=policy.id, path=str(entry.path),
                message=("vault readable by others: " if exposed else "") + "; ".join(problems),
                severity="critical" if exposed else None,
            ))
    for ctx in snap.state.focused():
        # A vault outside the state root is still ours to judge.
        try:
            st = os.stat(ctx.vault_file)
        except OSError:
            continue
        if not str(os.path.realpath(ctx.vault_file)).startswith(str(snap.state.root)) and (
            st.st_mode & 0o077
        ):
            findings.append(Finding(rule=policy.id, path=ctx.vault_file, severity="critical",
                                    message=f"vault readable by others: mode "
                                            f"{st.st_mode & 0o777:04o}, want 0600"))
    return findings
