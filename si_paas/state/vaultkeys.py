"""Vault keys: one 256-bit key per context, never in a vault.

Where a context's key comes from, first match wins:

1. `SI_PAAS_VAULT_KEY_<CTX>` in the environment (CTX from `env_var_for`: `oss-demo` reads
   `SI_PAAS_VAULT_KEY_OSS_DEMO`, and no two context names share a variable), holding 32
   random bytes in base64;
2. the key file `$SI_PAAS_KEY_DIR/<context_id>.key` (default dir `~/.si/keys`), base64 text,
   mode 0600 in a 0700 directory, created by the first `secret set` of the context.

The key itself is never used directly: HKDF-SHA256 (salt = the context_id) derives one
subkey for AES-256-GCM and one for the value fingerprints, so the two uses never share a key
and one key material given to two contexts still yields unrelated subkeys.

The fingerprint key that compares values across contexts is not a vault key: it is the
user's one fingerprint key (`si_paas.state.fingerprintkey`), apart from every key directory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from si_paas.errors import InputError
from si_paas.state.keyfiles import KEY_BYTES, create_key_file, decode_key, read_key_file
from si_paas.state.layout import key_dir_from_env

KEY_ENV_PREFIX = "SI_PAAS_VAULT_KEY_"

_ENCRYPTION_INFO = b"si-paas vault v1 encryption"
_FINGERPRINT_INFO = b"si-paas vault v1 fingerprint"


def key_dir(env: dict[str, str] | None = None) -> Path:
    """The key directory: $SI_PAAS_KEY_DIR or ~/.si/keys, made absolute."""
    return key_dir_from_env(env)


_ESCAPES = {".": "_d", "_": "_u"}


def env_var_for(context_name: str) -> str:
    """The key variable of a context: one name per context, never shared (injective).

    Lower-case letters are upper-cased and `-` becomes `_`, so `oss-demo` reads
    `SI_PAAS_VAULT_KEY_OSS_DEMO`; `.` becomes `_d`, `_` becomes `_u` and an upper-case
    letter X becomes `_cX`, so `oss.demo` (`..._OSS_dDEMO`) and `Oss-Demo` (`..._cOSS__cDEMO`)
    never read another context's variable. Lower-case letters only ever follow `_` as
    escape markers, which is what makes the mapping reversible.
    """
    out = []
    for ch in context_name:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == "-":
            out.append("_")
        elif "A" <= ch <= "Z":
            out.append("_c" + ch)
        else:
            out.append(ch.upper())
    return KEY_ENV_PREFIX + "".join(out)


def legacy_env_var_for(context_name: str) -> str:
    """The variable older versions read (`-` and `.` to `_`, upper-cased): not injective."""
    return KEY_ENV_PREFIX + re.sub(r"[-.]", "_", context_name.upper())


def key_file_for(context_id: str, env: dict[str, str] | None = None) -> Path:
    """The key file of a context: `<key dir>/<context_id>.key`."""
    return key_dir(env) / f"{context_id}.key"


def _hkdf(material: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(material)


@dataclass(frozen=True)
class ContextKey:
    """A context's key material and where it came from (`where` names the file or variable)."""

    material: bytes
    context_id: str
    source: str  # "env" or "file"
    where: str

    def __repr__(self) -> str:  # never print key material, even in a debug traceback
        return f"ContextKey(context_id={self.context_id!r}, source={self.source!r}, where={self.where!r})"

    @property
    def encryption_key(self) -> bytes:
        """The AES-256-GCM key."""
        return _hkdf(self.material, self.context_id.encode(), _ENCRYPTION_INFO)

    @property
    def fingerprint_key(self) -> bytes:
        """The HMAC key of this context's value fingerprints."""
        return _hkdf(self.material, self.context_id.encode(), _FINGERPRINT_INFO)


def hmac_fingerprint(key: bytes, value: str) -> str:
    """Hex HMAC-SHA256 of a value under a fingerprint key (never a plain hash of the value)."""
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _legacy_var(ctx_name: str, siblings: Iterable[str], env: dict[str, str]) -> str | None:
    """The older variable name of a context, when it is set and safe to read.

    Safe means no other context of the state root maps to the same older name (`oss.demo`
    and `oss-demo` both had `..._OSS_DEMO`); when one does, reading it could hand one
    context's key to the other, so it is refused with the exact variable to set instead.
    """
    legacy = legacy_env_var_for(ctx_name)
    if legacy == env_var_for(ctx_name) or not env.get(legacy):
        return None
    clash = sorted(
        n for n in siblings if n != ctx_name and (legacy_env_var_for(n) == legacy or env_var_for(n) == legacy)
    )
    if clash:
        raise InputError(
            f"${legacy} is ambiguous: contexts {ctx_name!r} and "
            f"{', '.join(map(repr, clash))} both used to read it; set "
            f"${env_var_for(ctx_name)} for context {ctx_name!r} instead"
        )
    return legacy


def load_context_key(
    ctx_name: str, context_id: str, env: dict[str, str] | None = None, siblings: Iterable[str] = ()
) -> ContextKey | None:
    """The context's key from the environment or its key file; None when neither exists.

    `siblings` names the other contexts of the state root, so that the older, colliding
    variable name is read only where no other context could mean it.
    """
    env = dict(os.environ) if env is None else env
    var = env_var_for(ctx_name)
    if not env.get(var):
        var = _legacy_var(ctx_name, siblings, env) or var
    if env.get(var):
        return ContextKey(decode_key(env[var], f"${var}"), context_id, "env", f"${var}")
    path = key_file_for(context_id, env)
    try:
        return ContextKey(read_key_file(path), context_id, "file", str(path))
    except FileNotFoundError:
        return None


def ensure_context_key(
    ctx_name: str, context_id: str, env: dict[str, str] | None = None, siblings: Iterable[str] = ()
) -> ContextKey:
    """The context's key, creating its key file (0600, in a 0700 directory) when there is none."""
    found = load_context_key(ctx_name, context_id, env, siblings)
    if found is not None:
        return found
    path = key_file_for(context_id, env)
    return ContextKey(create_key_file(path), context_id, "file", str(path))


def missing_key_message(
    vault_path: Path | str, ctx_name: str, context_id: str, env: dict[str, str] | None = None
) -> str:
    """The one-line error for a vault that holds values but has no key to open them."""
    return (
        f"{vault_path}: holds encrypted values but no key was found: neither the key file "
        f"{key_file_for(context_id, env)} nor ${env_var_for(ctx_name)} exists; restore the "
        "key file from your key backup (a lost key cannot be recovered)"
    )
