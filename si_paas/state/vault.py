"""Per-context vault files: one `KEY=ENC[v1,<nonce>,<ciphertext>]` line per secret.

Values are encrypted with AES-256-GCM (a random 96-bit nonce per value); the associated data
binds the context_id and the key name, so a value moved to another key or another context's
vault no longer decrypts. The key lives outside the file (see `si_paas.state.vaultkeys`).

Above each value a metadata comment carries two keyed fingerprints and the update time:

    # si-paas vault, format 1 ...
    # context: oss-demo
    # context_id: ctx_...
    #@ DB_PASSWORD fp=<hex> xfp=<hex> updated=2026-02-17T10:00:00.000000Z
    DB_PASSWORD=ENC[v1,<base64 nonce>,<base64 ciphertext+tag>]

`fp` is HMAC-SHA256 under the context's fingerprint subkey (what `secret list` shows); `xfp`
is HMAC-SHA256 under the vault-value subkey of the user's fingerprint key
(`state/fingerprintkey.py`), so `vault_value_index` can tell the same
value sits in two contexts' vaults without any key and without decrypting. The file on its
own reveals no value.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from si_paas.errors import InputError, UsageError
from si_paas.redaction import ELLIPSIS, visible_prefix
from si_paas.state import fsio
from si_paas.state.clock import utc_now
from si_paas.state.contexts import Context
from si_paas.state.layout import StateLayout
from si_paas.state.vaultkeys import ContextKey, hmac_fingerprint, missing_key_message
from si_paas.textfile import read_bytes, require_regular_or_missing

KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")  # always fullmatch: `$` allows a final \n
NONCE_BYTES = 12
MAX_VALUE_BYTES = 64 * 1024
MAX_VAULT_BYTES = 64 << 20
HEADER = (
    "# si-paas vault, format 1. Values are AES-256-GCM encrypted; the key is kept outside "
    "this file.\n# Do not edit by hand: use `si paas --context CTX secret set|unset`.\n"
)

_B64 = r"[A-Za-z0-9+/]+={0,2}"
_ENC_RE = re.compile(rf"ENC\[v1,({_B64}),({_B64})\]")
_META_RE = re.compile(r"^#@\s+(\S+)((?:\s+[a-z]+=\S*)*)\s*$")
_ID_RE = re.compile(r"^#\s*context_id:\s*(\S+)\s*$")
_HEX_RE = re.compile(r"[0-9a-f]{64}")

Index = dict[str, list[tuple[str, str, str]]]


_PLAIN_NAME_RE = re.compile(r"[A-Za-z0-9_.\- ]{0,40}")


def shown_key_name(key: str) -> str:
    """A key name fit for an error line: in full when it reads like a name, else only a short
    prefix and its length (a value pasted where the name belongs must not reach a log)."""
    if _PLAIN_NAME_RE.fullmatch(key):
        return repr(key)
    return f"{visible_prefix(key)!r}{ELLIPSIS} ({len(key)} characters)"


def validate_key_name(key: str) -> str:
    """Return `key` if it is a valid secret key name, else a UsageError naming it."""
    if not KEY_RE.fullmatch(key):
        raise UsageError(
            f"secret key {shown_key_name(key)} is invalid: use letters, digits and "
            "'_', starting with a letter or '_', at most 128 characters"
        )
    return key


@dataclass(frozen=True)
class VaultEntry:
    """One stored secret: its name, the ENC[...] token and its metadata (never the value)."""

    key: str
    token: str
    fingerprint: str | None = None
    shared_fingerprint: str | None = None
    updated_at: str | None = None

    @property
    def short_fingerprint(self) -> str:
        """The first 12 hex digits of the context fingerprint, as `fp:...`."""
        return f"fp:{self.fingerprint[:12]}" if self.fingerprint else "fp:?"


@dataclass
class VaultFile:
    """A parsed vault file; `entries` keeps the file's order."""

    path: Path
    context_id: str | None = None
    entries: dict[str, VaultEntry] = field(default_factory=dict)


def _parse_meta(rest: str) -> dict[str, str]:
    out = {}
    for part in rest.split():
        name, _, value = part.partition("=")
        out[name] = value
    return out


def parse_vault(text: str, path: Path, *, strict: bool = True) -> VaultFile:
    """Parse vault text. strict: a malformed line is a one-line InputError; else it is skipped.

    Error messages name the file, the line and the key, never a value.
    """
    vf = VaultFile(path)
    pending: tuple[str, dict[str, str]] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if m := _META_RE.match(line):
                pending = (m.group(1), _parse_meta(m.group(2)))
            elif (m := _ID_RE.match(line)) and vf.context_id is None:
                vf.context_id = m.group(1)
            continue
        key, sep, token = line.partition("=")
        key = key.strip()
        if not sep or not KEY_RE.fullmatch(key):
            if strict:
                raise InputError(f"{path}: line {number}: not a KEY=ENC[...] line (tampered file?)")
            pending = None
            continue
        if key in vf.entries and strict:
            raise InputError(f"{path}: line {number}: key {key} appears twice (tampered file?)")
        meta = pending[1] if pending and pending[0] == key else {}
        pending = None
        fp, xfp = meta.get("fp"), meta.get("xfp")
        vf.entries[key] = VaultEntry(
            key=key,
            token=token.strip(),
            fingerprint=fp if fp and _HEX_RE.fullmatch(fp) else None,
            shared_fingerprint=xfp if xfp and _HEX_RE.fullmatch(xfp) else None,
            updated_at=meta.get("updated") or None,
        )
    return vf


def read_vault(path: Path, *, strict: bool = True) -> VaultFile:
    """Read and parse a vault file; a missing file is an empty vault."""
    try:
        data = read_bytes(path, "vault file", limit=MAX_VAULT_BYTES)
    except FileNotFoundError:
        return VaultFile(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if not strict:
            return VaultFile(path)
        raise InputError(f"{path}: vault file is not UTF-8 text (tampered file?)") from None
    return parse_vault(text, path, strict=strict)


def load_vault(ctx: Context) -> VaultFile:
    """The context's vault; a file made for another context_id is refused."""
    vf = read_vault(Path(ctx.vault_file))
    if vf.context_id is not None and vf.context_id != ctx.context_id:
        raise InputError(
            f"{vf.path}: vault file belongs to context_id {vf.context_id}, not to "
            f"context {ctx.name!r} ({ctx.context_id}); vault files are never shared "
            "or copied between contexts"
        )
    return vf


def render_vault(ctx: Context, entries: Iterable[VaultEntry]) -> bytes:
    """The file text for `entries` (sorted by key)."""
    lines = [HEADER.rstrip("\n"), f"# context: {ctx.name}", f"# context_id: {ctx.context_id}"]
    for e in sorted(entries, key=lambda item: item.key):
        meta = [
            f"fp={e.fingerprint}" if e.fingerprint else "",
            f"xfp={e.shared_fingerprint}" if e.shared_fingerprint else "",
            f"updated={e.updated_at}" if e.updated_at else "",
        ]
        lines.append(" ".join(["#@", e.key, *(m for m in meta if m)]))
        lines.append(f"{e.key}={e.token}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _aad(context_id: str, key: str) -> bytes:
    return b"si-paas-vault/v1\0" + context_id.encode() + b"\0" + key.encode()


def encrypt_value(ckey: ContextKey, key: str, value: str) -> str:
    """The ENC[v1,nonce,ciphertext] token of `value` stored under `key`."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ckey.encryption_key).encrypt(
        nonce, value.encode("utf-8", "surrogatepass"), _aad(ckey.context_id, key)
    )
    return f"ENC[v1,{base64.b64encode(nonce).decode()},{base64.b64encode(sealed).decode()}]"


def decrypt_entry(path: Path, ckey: ContextKey, entry: VaultEntry) -> str:
    """The plaintext of one entry, or `<path>: key K: cannot decrypt (...)` as an InputError."""
    problem = InputError(f"{path}: key {entry.key}: cannot decrypt (wrong key or tampered file)")
    m = _ENC_RE.fullmatch(entry.token)
    if not m:
        raise problem
    try:
        nonce = base64.b64decode(m.group(1), validate=True)
        sealed = base64.b64decode(m.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise problem from None
    if len(nonce) != NONCE_BYTES or len(sealed) < 16:
        raise problem
    try:
        plain = AESGCM(ckey.encryption_key).decrypt(nonce, sealed, _aad(ckey.context_id, entry.key))
        return plain.decode("utf-8", "surrogatepass")
    except (InvalidTag, UnicodeDecodeError):
        raise problem from None


def open_all(vf: VaultFile, ckey: ContextKey) -> dict[str, str]:
    """Decrypt every entry and check its stored fingerprint; any failure names file and key."""
    values = {}
    for entry in vf.entries.values():
        value = decrypt_entry(vf.path, ckey, entry)
        if entry.fingerprint and entry.fingerprint != hmac_fingerprint(ckey.fingerprint_key, value):
            raise InputError(
                f"{vf.path}: key {entry.key}: stored fingerprint does not match the value (tampered file)"
            )
        values[entry.key] = value
    return values


def verified_entries(ctx: Context, ckey: ContextKey | None) -> tuple[VaultFile, dict[str, str]]:
    """The vault and its decrypted values, every one checked. No key is needed for an empty
    vault; a vault with values and no key is a one-line InputError naming where keys live."""
    vf = load_vault(ctx)
    if not vf.entries:
        return vf, {}
    if ckey is None:
        raise InputError(missing_key_message(vf.path, ctx.name, ctx.context_id))
    return vf, open_all(vf, ckey)


def _write(ctx: Context, entries: Iterable[VaultEntry]) -> None:
    require_regular_or_missing(Path(ctx.vault_file), "vault file")
    fsio.sweep_stale(Path(ctx.vault_file).parent)  # the caller holds the context lock
    fsio.atomic_write_bytes(Path(ctx.vault_file), render_vault(ctx, entries))


def set_value(
    layout: StateLayout, ctx: Context, key: str, value: str, ckey: ContextKey, shared_key: bytes
) -> tuple[VaultEntry, bool]:
    """Encrypt and store `value` under `key`; returns (entry, created).

    Under the context lock every stored value is decrypted first, so a vault is never extended
    with a second key or on top of a tampered file, and every shared fingerprint is re-stamped
    with the current vault-value subkey of the fingerprint key.
    """
    validate_key_name(key)
    if len(value.encode("utf-8", "surrogatepass")) > MAX_VALUE_BYTES:
        raise UsageError(f"secret {key}: value is longer than {MAX_VALUE_BYTES} bytes")
    with fsio.locked(layout.lock_file(ctx.name)):
        vf = load_vault(ctx)
        values = open_all(vf, ckey)
        created = key not in vf.entries
        entries = {
            k: replace(
                e,
                fingerprint=hmac_fingerprint(ckey.fingerprint_key, values[k]),
                shared_fingerprint=hmac_fingerprint(shared_key, values[k]),
            )
            for k, e in vf.entries.items()
        }
        entries[key] = VaultEntry(
            key=key,
            token=encrypt_value(ckey, key, value),
            fingerprint=hmac_fingerprint(ckey.fingerprint_key, value),
            shared_fingerprint=hmac_fingerprint(shared_key, value),
            updated_at=utc_now(),
        )
        _write(ctx, entries.values())
        return entries[key], created


def unset_value(layout: StateLayout, ctx: Context, key: str) -> VaultEntry:
    """Remove `key` (no key material needed: the other values are copied as they are).

    Removing the last value removes the file."""
    validate_key_name(key)
    with fsio.locked(layout.lock_file(ctx.name)):
        vf = load_vault(ctx)
        entry = vf.entries.pop(key, None)
        if entry is None:
            raise UsageError(f"no secret {key} in context {ctx.name!r}")
        if vf.entries:
            _write(ctx, vf.entries.values())
        else:  # an empty vault is no file at all, so `context remove` sees nothing held
            try:
                vf.path.unlink()
            except OSError as exc:
                raise InputError(f"{vf.path}: cannot remove the empty vault: {exc.strerror}") from None
        return entry


def vault_value_index(layout: StateLayout, contexts: Iterable[Context]) -> Index:
    """Shared fingerprint -> [(context name, key name, context type)] over the given contexts.

    Reads only the fingerprints stored in the vault files: no key, no decryption. A missing or
    unreadable vault contributes nothing (the `secret` commands report a broken one).
    """
    index: Index = {}
    for ctx in contexts:
        try:
            vf = read_vault(Path(ctx.vault_file), strict=False)
        except InputError:
            continue
        for entry in vf.entries.values():
            if entry.shared_fingerprint:
                index.setdefault(entry.shared_fingerprint, []).append((ctx.name, entry.key, ctx.type))
    return index
