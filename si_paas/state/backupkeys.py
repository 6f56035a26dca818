"""Backup keys: one 256-bit key per context, separate from its vault key and never in a backup.

Where a context's backup key comes from, first match wins:

1. `SI_PAAS_BACKUP_KEY_<CTX>` in the environment (CTX = the context name upper-cased, `-` and
   `.` turned into `_`, as for `SI_PAAS_VAULT_KEY_<CTX>`), 32 random bytes in base64;
2. the key file `$SI_PAAS_KEY_DIR/<context_id>.backup.key` (default dir `~/.si/keys`), base64
   text, mode 0600 in a 0700 directory, made by the context's first `backup create`.

A lost backup key makes every snapshot of the context unreadable: `backup key export` writes
a copy to keep somewhere else (never beside the snapshots).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from si_paas.state import vaultkeys
from si_paas.state.keyfiles import create_key_file, decode_key, read_key_file

KEY_ENV_PREFIX = "SI_PAAS_BACKUP_KEY_"


def env_var_for(context_name: str) -> str:
    """`SI_PAAS_BACKUP_KEY_OSS_DEMO` for context `oss-demo`."""
    return KEY_ENV_PREFIX + re.sub(r"[-.]", "_", context_name.upper())


def key_file_for(context_id: str, env: dict[str, str] | None = None) -> Path:
    """The backup key file of a context: `<key dir>/<context_id>.backup.key`."""
    return vaultkeys.key_dir(env) / f"{context_id}.backup.key"


@dataclass(frozen=True)
class BackupKey:
    """A context's backup key material and where it came from."""

    material: bytes
    source: str  # "env" or "file"
    where: str

    def __repr__(self) -> str:  # never print key material, even in a debug traceback
        return f"BackupKey(source={self.source!r}, where={self.where!r})"


def load_backup_key(ctx_name: str, context_id: str, env: dict[str, str] | None = None) -> BackupKey | None:
    """The context's backup key from the environment or its key file; None when neither."""
    env = dict(os.environ) if env is None else env
    var = env_var_for(ctx_name)
    if env.get(var):
        return BackupKey(decode_key(env[var], f"${var}"), "env", f"${var}")
    path = key_file_for(context_id, env)
    try:
        return BackupKey(read_key_file(path), "file", str(path))
    except FileNotFoundError:
        return None


def ensure_backup_key(
    ctx_name: str, context_id: str, env: dict[str, str] | None = None
) -> tuple[BackupKey, bool]:
    """The context's backup key, made (0600 file) when there is none; (key, created)."""
    found = load_backup_key(ctx_name, context_id, env)
    if found is not None:
        return found, False
    path = key_file_for(context_id, env)
    return BackupKey(create_key_file(path), "file", str(path)), True


def missing_key_message(ctx_name: str, context_id: str, env: dict[str, str] | None = None) -> str:
    """One line for a snapshot that cannot be opened because no key was found."""
    return (
        f"no backup key: neither {key_file_for(context_id, env)} nor "
        f"${env_var_for(ctx_name)} exists; restore the key from your key export "
        "(a lost backup key cannot be recovered)"
    )
