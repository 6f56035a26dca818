"""Vault keys: one 256-bit key per context and one machine-wide fingerprint key, never in a vault.

Where a context's key comes from, first match wins:

1. `SI_PAAS_VAULT_KEY_<CTX>` in the environment (CTX = the context name upper-cased, `-` and `.`
   turned into `_`), holding 32 random bytes in base64;
2. the key file `$SI_PAAS_KEY_DIR/<context_id>.key` (default dir `~/.si/keys`), base64 text,
   mode 0600 in a 0700 directory, created by the first `secret set` of the context.

The key itself is never used directly: HKDF-SHA256 (salt = the context_id) derives one
subkey for AES-256-GCM and one for the value fingerprints, so the two uses never share a key
and one key material given to two contexts still yields unrelated subkeys.

The shared fingerprint key `$SI_PAAS_KEY_DIR/fingerprint.key` is one per machine. It only
fingerprints values (HMAC-SHA256) so the same value in two contexts' vaults can be found
without decrypting either of them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from si_paas.errors import InputError
from si_paas.state import fsio
from si_paas.textfile import open_regular

KEY_DIR_ENV = "SI_PAAS_KEY_DIR"
DEFAULT_KEY_DIR = "~/.si/keys"
KEY_ENV_PREFIX = "SI_PAAS_VAULT_KEY_"
SHARED_KEY_NAME = "fingerprint.key"
KEY_BYTES = 32

_ENCRYPTION_INFO = b"si-paas vault v1 encryption"
_FINGERPRINT_INFO = b"si-paas vault v1 fingerprint"


def key_dir(env: dict[str, str] | None = None) -> Path:
    """The key directory: $SI_PAAS_KEY_DIR or ~/.si/keys, made absolute."""
    env = dict(os.environ) if env is None else env
    path = Path(os.path.expanduser(env.get(KEY_DIR_ENV) or DEFAULT_KEY_DIR))
    return path if path.is_absolute() else Path.cwd() / path


def env_var_for(context_name: str) -> str:
    """`SI_PAAS_VAULT_KEY_OSS_DEMO` for context `oss-demo`."""
    return KEY_ENV_PREFIX + re.sub(r"[-.]", "_", context_name.upper())


def key_file_for(context_id: str, env: dict[str, str] | None = None) -> Path:
    """The key file of a context: `<key dir>/<context_id>.key`."""
    return key_dir(env) / f"{context_id}.key"


def shared_key_file(env: dict[str, str] | None = None) -> Path:
    """The machine-wide fingerprint key file: `<key dir>/fingerprint.key`."""
    return key_dir(env) / SHARED_KEY_NAME


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


def _decode_key(text: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise InputError(f"{where}: not a base64-encoded {KEY_BYTES}-byte key")
    return raw


def _read_key_file(path: Path) -> bytes:
    fd = open_regular(path, "key file")  # FileNotFoundError passes through
    with os.fdopen(fd, "rb") as handle:
        try:
            st = os.fstat(handle.fileno())
            text = handle.read(4096).decode("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not ASCII text"
            raise InputError(f"{path}: cannot read key file: {why}") from None
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise InputError(f"{path}: key file is readable by others (mode "
                         f"{stat.S_IMODE(st.st_mode):04o}); run `chmod 600 {path}`")
    return _decode_key(text, str(path))


def _create_key_file(path: Path) -> bytes:
    """Create `path` with a fresh random key unless it appeared meanwhile; returns the key."""
    fsio.ensure_dir(path.parent)
    try:
        if stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077:
            os.chmod(path.parent, fsio.DIR_MODE)  # the key directory is private: 0700
    except OSError as exc:
        raise InputError(f"{path.parent}: cannot make the key directory private: "
                         f"{exc.strerror}") from None
    with fsio.locked(path.parent / ".lock"):
        try:
            return _read_key_file(path)
        except FileNotFoundError:
            pass
        material = os.urandom(KEY_BYTES)
        fsio.atomic_write_bytes(path, base64.b64encode(material) + b"\n")
        return material


def load_context_key(ctx_name: str, context_id: str,
                     env: dict[str, str] | None = None) -> ContextKey | None:
    """The context's key from the environment or its key file; None when neither exists."""
    env = dict(os.environ) if env is None else env
    var = env_var_for(ctx_name)
    if env.get(var):
        return ContextKey(_decode_key(env[var], f"${var}"), context_id, "env", f"${var}")
    path = key_file_for(context_id, env)
    try:
        return ContextKey(_read_key_file(path), context_id, "file", str(path))
    except FileNotFoundError:
        return None


def ensure_context_key(ctx_name: str, context_id: str,
                       env: dict[str, str] | None = None) -> ContextKey:
    """The context's key, creating its key file (0600, in a 0700 directory) when there is none."""
    found = load_context_key(ctx_name, context_id, env)
    if found is not None:
        return found
    path = key_file_for(context_id, env)
    return ContextKey(_create_key_file(path), context_id, "file", str(path))


def missing_key_message(vault_path: Path | str, ctx_name: str, context_id: str,
                        env: dict[str, str] | None = None) -> str:
    """The one-line error for a vault that holds values but has no key to open them."""
    return (f"{vault_path}: holds encrypted values but no key was found: neither the key file "
            f"{key_file_for(context_id, env)} nor ${env_var_for(ctx_name)} exists; restore the "
            "key file from your key backup (a lost key cannot be recovered)")


def load_shared_key(env: dict[str, str] | None = None) -> bytes | None:
    """The machine-wide fingerprint key, or None when it was never made."""
    try:
        return _read_key_file(shared_key_file(env))
    except FileNotFoundError:
        return None


def ensure_shared_key(env: dict[str, str] | None = None) -> bytes:
    """The machine-wide fingerprint key, made on first use (0600)."""
    return load_shared_key(env) or _create_key_file(shared_key_file(env))
