"""The user's fingerprint key: one key for every fingerprint si-paas writes.

Where it comes from, first match wins:

1. `SI_PAAS_FINGERPRINT_KEY` in the environment: the base64 of 32 bytes. A CI job given the
   developer's key as a secret writes the same fingerprints, so baselines match;
2. the key file `$SI_PAAS_FINGERPRINT_KEY_FILE` (default `~/.si/fingerprint.key`), base64
   text, mode 0600, made on first use. A key file inside a git work tree is refused (anyone
   with the repository could test guesses), and `vault-outside-repo` also judges dotfiles
   work trees that hold it. A `fingerprint.key` that older versions kept in the key
   directory is adopted.

The key is never used as it is. Each use gets its own subkey, HMAC-SHA256 of the key over a
label, so a fingerprint of one kind can never stand for one of the other:

- `VAULT_VALUE`: the `xfp` of vault values, so the same value in two contexts' vaults is
  found without decrypting either, whatever key directory each context uses;
- `REPORT`: finding fingerprints and redaction tags in reports, baselines and events, so
  none of them can be used to test guesses of a secret.

`key_identity()` names the key without revealing it (a third label), for caches whose
entries carry fingerprints.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from si_paas.errors import InputError
from si_paas.state.keyfiles import KEY_BYTES, create_key_file, decode_key, read_key_file
from si_paas.state.layout import key_dir_from_env, path_from_env

KEY_ENV = "SI_PAAS_FINGERPRINT_KEY"
KEY_FILE_ENV = "SI_PAAS_FINGERPRINT_KEY_FILE"
DEFAULT_KEY_FILE = "~/.si/fingerprint.key"
KEY_NAME = "fingerprint.key"

VAULT_VALUE = b"si-paas vault value fingerprint v2"
REPORT = b"si-paas report fingerprint v2"
_IDENTITY = b"si-paas fingerprint key identity v1"

_LOADED: dict[tuple[str, ...], bytes] = {}
_SUBKEYS: dict[tuple[str, ...], bytes] = {}

__all__ = [
    "KEY_BYTES",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "REPORT",
    "VAULT_VALUE",
    "key_file",
    "enclosing_work_tree",
    "key_identity",
    "key_source",
    "subkey",
    "user_key",
]


def key_file(env: dict[str, str] | None = None) -> Path:
    """The key file: $SI_PAAS_FINGERPRINT_KEY_FILE or ~/.si/fingerprint.key, absolute."""
    return path_from_env(KEY_FILE_ENV, DEFAULT_KEY_FILE, env)


def key_source(env: dict[str, str] | None = None) -> str:
    """Where the key comes from: `$SI_PAAS_FINGERPRINT_KEY` or the key file's path."""
    env = dict(os.environ) if env is None else env
    return f"${KEY_ENV}" if env.get(KEY_ENV) else str(key_file(env))


def enclosing_work_tree(path: Path) -> Path | None:
    """The nearest folder above `path` (after realpath) holding a `.git` entry, if any."""
    probe = Path(os.path.realpath(path))
    return next((c for c in probe.parents if os.path.lexists(c / ".git")), None)


def _load(env: dict[str, str]) -> bytes:
    if env.get(KEY_ENV):
        return decode_key(env[KEY_ENV], f"${KEY_ENV}")
    path = key_file(env)
    repo = enclosing_work_tree(path)
    if repo is not None:  # a key anyone with the repository can read makes guesses testable
        raise InputError(
            f"{path}: the fingerprint key file is inside git work tree {repo}; "
            f"keep it outside every repository (${KEY_FILE_ENV}) or pass the "
            f"key in ${KEY_ENV}"
        )
    try:
        return read_key_file(path)
    except FileNotFoundError:
        pass
    try:
        legacy = read_key_file(key_dir_from_env(env) / KEY_NAME)
    except FileNotFoundError:
        legacy = None
    return create_key_file(path, legacy, private_parent=False)


def _memo(env: dict[str, str] | None) -> tuple[str, ...]:
    """What decides the key: its variables, HOME and the working folder (relative paths)."""
    get = (os.environ if env is None else env).get
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = ""
    return (get(KEY_ENV) or "", get(KEY_FILE_ENV) or "", get("SI_PAAS_KEY_DIR") or "", get("HOME") or "", cwd)


def user_key(env: dict[str, str] | None = None) -> bytes:
    """The fingerprint key (see the module docstring), made on first use; loaded once per
    process and source. Never use it directly: take a `subkey`."""
    memo = _memo(env)
    if memo not in _LOADED:
        _LOADED[memo] = _load(dict(os.environ) if env is None else env)
    return _LOADED[memo]


def subkey(label: bytes, env: dict[str, str] | None = None) -> bytes:
    """The subkey of one use (`VAULT_VALUE` or `REPORT`): HMAC-SHA256(key, label)."""
    memo = (*_memo(env), label.decode("ascii"))
    if memo not in _SUBKEYS:
        _SUBKEYS[memo] = hmac.new(user_key(env), label, hashlib.sha256).digest()
    return _SUBKEYS[memo]


def key_identity(env: dict[str, str] | None = None) -> str:
    """A keyed digest naming the key (hex, 32 characters); reveals nothing of it."""
    return subkey(_IDENTITY, env).hex()[:32]
