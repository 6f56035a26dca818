"""Private `si paas` state recognised by content, whatever the file is called.

A copied vault, a context's config or records, an export bundle, a vault key or an archive
of the state root can sit in a repository under any name; the path patterns of
rules/private-state.yaml cannot see them. Each detector here looks at a file's bytes:

- `vault-file`: the vault header as the first line, or a `KEY=ENC[v1,<nonce>,<sealed>]` line
  (a 96-bit nonce and at least a 16-byte tag, in base64);
- `context-config`: a JSON object with a `context_id` (`ctx_` + 32 hex) and the config's
  `name`/`type`, `vault_file` or `state_root`;
- `context-records`: a JSON object with a `context_id` and `items` (targets, apps), or JSON
  lines carrying a `context_id` (an event log: the first line is such an object);
- `export-bundle`: a JSON object whose `format` is `si-paas-context-export`;
- `vault-key`: a file holding nothing but the base64 of 32 bytes;
- `state-archive`: a tar (plain, gzip, bzip2 or xz) or zip archive holding a member whose
  path is private state (the path patterns) or whose name is `current_context`.

Which detector a rule uses, its severity and its examples are data in
rules/private-state.yaml (`content:`). Every step is bounded: a file is first judged on its
first `HEAD_BYTES`, JSON is parsed only when a cheap byte test passes, deep nesting and huge
numbers count as "not state", and an archive is decompressed to at most `ARCHIVE_BUDGET`
bytes and `ARCHIVE_MEMBERS` members.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from si_paas.lazyregex import lazy

HEAD_BYTES = 4096
ARCHIVE_BUDGET = 16 * 1024 * 1024
ARCHIVE_MEMBERS = 10_000
_CONTEXT_ID = lazy(r"^ctx_[0-9a-f]{32}$")
_VAULT_LINE = lazy(rb"(?m)^[A-Za-z_][A-Za-z0-9_]*=ENC\[v1,[A-Za-z0-9+/]{16},[A-Za-z0-9+/]{22,}={0,2}\]\s*$")
_VAULT_HEADER = lazy(rb"^\s*# si-paas vault, format \d+\. ")
_B64_KEY = lazy(rb"^[A-Za-z0-9+/]{43}=$")
_GZIP, _BZIP2, _XZ, _ZIP = b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"PK\x03\x04"


def _json(data: bytes) -> Any:
    """The parsed document, or None: invalid, too deep or with too-long numbers is not state."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None


def _has_context_id(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("context_id"), str)
        and bool(_CONTEXT_ID.match(doc["context_id"]))
    )


def vault_file(data: bytes) -> bool:
    """A vault: its header or one encrypted value line."""
    if b"ENC[v1," not in data and b"# si-paas vault" not in data:
        return False
    return bool(_VAULT_HEADER.match(data) or _VAULT_LINE.search(data))


def context_config(data: bytes) -> bool:
    """A context's config.json."""
    if b"context_id" not in data:
        return False
    doc = _json(data)
    return _has_context_id(doc) and (
        {"name", "type"} <= set(doc) or "vault_file" in doc or "state_root" in doc
    )


def context_records(data: bytes) -> bool:
    """A context's records file (targets, apps) or event log (JSON lines)."""
    if b"context_id" not in data:
        return False
    doc = _json(data)
    if doc is not None:
        return _has_context_id(doc) and isinstance(doc.get("items"), list)
    first = next((line for line in data.splitlines()[:1000] if line.strip()), b"")
    return first.startswith(b"{") and _has_context_id(_json(first))


def export_bundle(data: bytes) -> bool:
    """A `si paas context export` bundle."""
    if b"si-paas-context-export" not in data:
        return False
    doc = _json(data)
    return isinstance(doc, dict) and doc.get("format") == "si-paas-context-export"


def vault_key(data: bytes) -> bool:
    """A key file: the base64 of exactly 32 bytes and nothing else."""
    text = data.strip()
    if not _B64_KEY.match(text):
        return False
    import base64
    import binascii

    try:
        return len(base64.b64decode(text, validate=True)) == 32
    except binascii.Error:
        return False


def is_archive(data: bytes) -> bool:
    """True if the bytes start like a tar, gzip, bzip2, xz or zip archive."""
    return data.startswith((_GZIP, _BZIP2, _XZ, _ZIP)) or data[257:262] == b"ustar"


def _decompress(data: bytes) -> bytes:
    """The bytes inside a gzip/bzip2/xz stream, at most ARCHIVE_BUDGET of them."""
    import bz2
    import lzma
    import zlib

    if data.startswith(_GZIP):
        decomp: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif data.startswith(_BZIP2):
        decomp = bz2.BZ2Decompressor()
    elif data.startswith(_XZ):
        decomp = lzma.LZMADecompressor()
    else:
        return data
    try:
        return bytes(decomp.decompress(data, ARCHIVE_BUDGET))
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
        return b""


def archive_members(data: bytes) -> Iterator[str]:
    """Member names of a tar or zip archive, bounded; a damaged archive yields what it can."""
    if data.startswith(_ZIP):
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                yield from zf.namelist()[:ARCHIVE_MEMBERS]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return
        return
    import tarfile

    inner = _decompress(data)
    try:
        with tarfile.open(fileobj=io.BytesIO(inner), mode="r:") as tf:
            for _ in range(ARCHIVE_MEMBERS):
                member = tf.next()
                if member is None:
                    return
                yield member.name
    except (tarfile.TarError, OSError, ValueError, EOFError):
        return


DETECTORS: dict[str, Callable[[bytes], bool]] = {
    "vault-file": vault_file,
    "context-config": context_config,
    "context-records": context_records,
    "export-bundle": export_bundle,
    "vault-key": vault_key,
}
ARCHIVE_DETECTOR = "state-archive"
KNOWN = (*DETECTORS, ARCHIVE_DETECTOR)


def worth_reading(head: bytes) -> bool:
    """True if a file's first bytes could belong to any detector: the whole file is read then.

    Each marker sits at the start of its format (vault header, JSON keys written first,
    archive magic), or the file is as short as a key.
    """
    return (
        b"context_id" in head
        or b"ENC[v1," in head
        or b"# si-paas vault" in head
        or b"si-paas-context-export" in head
        or is_archive(head)
        or len(head.strip()) <= 64
    )
