"""Key files: base64 text of 32 random bytes, mode 0600, read only from regular files.

Shared by the vault keys (`vaultkeys`) and the user's fingerprint key (`fingerprintkey`);
nothing here needs a cryptography library, so the pre-commit hook's quick path stays quick.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from si_paas.errors import InputError
from si_paas.state import fsio
from si_paas.textfile import open_regular

KEY_BYTES = 32


def decode_key(text: str, where: str) -> bytes:
    """The 32 key bytes of base64 `text`; anything else is an InputError naming `where`."""
    import binascii  # what base64.b64decode(validate=True) calls, without importing base64

    try:
        raw = binascii.a2b_base64(text.strip().encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise InputError(f"{where}: not a base64-encoded {KEY_BYTES}-byte key")
    return raw


def read_key_file(path: Path) -> bytes:
    """The key in a regular file of mode 0600 (FileNotFoundError when there is none)."""
    fd = open_regular(path, "key file")  # FileNotFoundError passes through
    with os.fdopen(fd, "rb") as handle:
        try:
            st = os.fstat(handle.fileno())
            text = handle.read(4096).decode("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not ASCII text"
            raise InputError(f"{path}: cannot read key file: {why}") from None
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise InputError(
            f"{path}: key file is readable by others (mode "
            f"{stat.S_IMODE(st.st_mode):04o}); run `chmod 600 {path}`"
        )
    return decode_key(text, str(path))


def create_key_file(path: Path, material: bytes | None = None, *, private_parent: bool = True) -> bytes:
    """Create `path` with `material` (default: a fresh random key) unless it appeared
    meanwhile; returns the key in the file. private_parent: make the folder 0700 too (the
    key directory; not the folder of a fingerprint key file the user placed elsewhere)."""
    fsio.ensure_dir(path.parent)
    try:
        if private_parent and stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077:
            os.chmod(path.parent, fsio.DIR_MODE)  # the key directory is private: 0700
    except OSError as exc:
        raise InputError(f"{path.parent}: cannot make the key directory private: {exc.strerror}") from None
    with fsio.locked(path.parent / ".lock"):
        try:
            return read_key_file(path)
        except FileNotFoundError:
            pass
        material = material or os.urandom(KEY_BYTES)
        import base64

        fsio.atomic_write_bytes(path, base64.b64encode(material) + b"\n")
        return material
