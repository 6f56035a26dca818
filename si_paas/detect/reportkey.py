"""The key of finding fingerprints and redaction tags: what leaves the machine is keyed.

A finding's fingerprint and the tag of a redacted secret are HMAC-SHA256 under this key, so
a report, a baseline or an excerpt cannot be used to test guesses of the secret. The key,
first match wins:

1. `SI_PAAS_FINGERPRINT_KEY` in the environment: the base64 of 32 bytes. Give CI and every
   developer of a repository the same value (a CI secret) to share one baseline;
2. the key file `$SI_PAAS_KEY_DIR/report-fingerprint.key` (default `~/.si/keys`), base64
   text, mode 0600 in a 0700 directory, made by the first finding on the machine.

The key never changes by itself, so fingerprints are stable across runs and baselines keep
matching. It is a separate key from the vault's keys (nothing else is derived from it).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from si_paas.errors import InputError

KEY_ENV = "SI_PAAS_FINGERPRINT_KEY"
KEY_DIR_ENV = "SI_PAAS_KEY_DIR"
KEY_NAME = "report-fingerprint.key"
_KEY_BYTES = 32
_LOADED: dict[tuple[str, str], bytes] = {}


def key_file() -> Path:
    """`$SI_PAAS_KEY_DIR/report-fingerprint.key` (default dir `~/.si/keys`)."""
    folder = Path(os.path.expanduser(os.environ.get(KEY_DIR_ENV) or "~/.si/keys"))
    return (folder if folder.is_absolute() else Path.cwd() / folder) / KEY_NAME


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        raise InputError(f"{where}: not a base64-encoded {_KEY_BYTES}-byte key")
    return key


def _read(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: fingerprint key is not a regular file")
        if stat.S_IMODE(st.st_mode) & 0o077:
            raise InputError(f"{path}: fingerprint key is readable or writable by others "
                             f"(mode {stat.S_IMODE(st.st_mode):04o}); run `chmod 600 {path}`")
        return _decode(os.read(fd, 256).decode("ascii", "replace"), str(path))
    finally:
        os.close(fd)


def _create(path: Path) -> bytes:
    """Make the key file; when another process makes it first, use theirs."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{KEY_NAME}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, base64.b64encode(secrets.token_bytes(_KEY_BYTES)) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # atomic and never replaces: the first writer wins
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    except OSError as exc:
        raise InputError(f"{path}: cannot create the fingerprint key: {exc.strerror} "
                         f"(set {KEY_DIR_ENV} or {KEY_ENV})") from None
    return _read(path)


def report_key() -> bytes:
    """The fingerprint key (see the module docstring), loaded once per process."""
    env = os.environ.get(KEY_ENV, "")
    memo = (env, os.environ.get(KEY_DIR_ENV, ""))
    if memo not in _LOADED:
        if env:
            _LOADED[memo] = _decode(env, f"${KEY_ENV}")
        else:
            path = key_file()
            try:
                _LOADED[memo] = _read(path)
            except FileNotFoundError:
                _LOADED[memo] = _create(path)
            except OSError as exc:
                raise InputError(f"{path}: cannot read the fingerprint key: {exc.strerror}"
                                 ) from None
    return _LOADED[memo]


def keyed_hex(domain: str, *parts: str) -> str:
    """Hex HMAC-SHA256 under the fingerprint key of `domain` and `parts` (NUL-separated)."""
    material = "\0".join((domain, *parts)).encode("utf-8", "surrogatepass")
    return hmac.new(report_key(), material, "sha256").hexdigest()
