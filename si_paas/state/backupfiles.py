"""Backup snapshots on disk: the encrypted archive's chunk framing and the manifest.

The archive (`archive.sipb`) is a header followed by chunks, as age's STREAM does it:

    header  = b"SIPAASBK" | version u8 | chunk size u32 | nonce prefix (7) | salt (16)
              | len u8 + snapshot id | len u8 + context id
    chunk i = AES-256-GCM(key, nonce = prefix | i as u32 big-endian | last flag u8,
                          plaintext (64 KiB, the last one 0..64 KiB), aad = header)

Each chunk is decrypted with the one-shot `AESGCM.decrypt`, which checks the tag before it
returns a byte, so nothing unauthenticated is ever used. The counter detects reordered or
dropped chunks, the last flag a truncation at a chunk boundary or an appended chunk, and the
header as associated data binds every chunk to its snapshot and context.

Keys: HKDF-SHA256 from the backup key material gives one archive key per snapshot (salt =
the header's random salt), one manifest MAC key per context and a public key id, so the
three uses never share a key.

The manifest (`manifest.json`) is JSON whose last member is `manifest_checksum`, the SHA-256
of every byte before that line, as PostgreSQL's `backup_manifest` does; the `mac` member is
an HMAC-SHA256 over the canonical JSON of everything else, under the MAC key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from si_paas.errors import SiPaasError

MAGIC = b"SIPAASBK"
ARCHIVE_VERSION = 1
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
PREFIX_SIZE = 7
SALT_SIZE = 16
MANIFEST_FORMAT = "si-paas-backup-manifest"
MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"
ARCHIVE_NAME = "archive.sipb"
CHECKSUM_KEY = "manifest_checksum"
_CHECKSUM_LINE = f'  "{CHECKSUM_KEY}": "'

_ARCHIVE_INFO = b"si-paas backup v1 archive"
_MAC_INFO = b"si-paas backup v1 manifest mac"
_KEY_ID_INFO = b"si-paas backup v1 key id"


class BackupCorrupt(SiPaasError):
    """A snapshot failed a check; `part` names what (manifest, mac, archive, chunk 3, file x)."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(f"{part}: {message}")
        self.part = part


# -- keys ----------------------------------------------------------------------------------


def _hkdf(material: bytes, salt: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)


def archive_key(material: bytes, salt: bytes, context_id: str) -> bytes:
    """The AES-256-GCM key of one snapshot's archive."""
    return _hkdf(material, salt, _ARCHIVE_INFO + b"|" + context_id.encode())


def mac_key(material: bytes, context_id: str) -> bytes:
    """The HMAC-SHA256 key of a context's manifests."""
    return _hkdf(material, context_id.encode(), _MAC_INFO)


def key_id(material: bytes) -> str:
    """A public name of a key (16 hex digits), so a wrong key is told apart from corruption."""
    return _hkdf(material, b"", _KEY_ID_INFO)[:8].hex()


# -- header ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The archive header; its bytes are every chunk's associated data."""

    prefix: bytes
    salt: bytes
    snapshot_id: str
    context_id: str
    chunk_size: int = CHUNK_SIZE

    def encode(self) -> bytes:
        sid, cid = self.snapshot_id.encode(), self.context_id.encode()
        return (
            MAGIC
            + struct.pack(">BI", ARCHIVE_VERSION, self.chunk_size)
            + self.prefix
            + self.salt
            + bytes([len(sid)])
            + sid
            + bytes([len(cid)])
            + cid
        )

    @classmethod
    def new(cls, snapshot_id: str, context_id: str) -> Header:
        return cls(os.urandom(PREFIX_SIZE), os.urandom(SALT_SIZE), snapshot_id, context_id)

    @classmethod
    def read(cls, handle: BinaryIO) -> tuple[Header, bytes]:
        """Parse the header from `handle`; returns it and its raw bytes."""
        fixed = handle.read(len(MAGIC) + 5 + PREFIX_SIZE + SALT_SIZE)
        if len(fixed) < len(MAGIC) + 5 + PREFIX_SIZE + SALT_SIZE or not fixed.startswith(MAGIC):
            raise BackupCorrupt("archive header", "not a si-paas backup archive (bad magic)")
        version, chunk_size = struct.unpack(">BI", fixed[len(MAGIC) : len(MAGIC) + 5])
        if version != ARCHIVE_VERSION:
            raise BackupCorrupt("archive header", f"unknown archive version {version}")
        if chunk_size != CHUNK_SIZE:
            raise BackupCorrupt("archive header", f"unexpected chunk size {chunk_size}")
        at = len(MAGIC) + 5
        prefix, salt = fixed[at : at + PREFIX_SIZE], fixed[at + PREFIX_SIZE :]
        raw = fixed
        fields = []
        for _ in range(2):
            size = handle.read(1)
            value = handle.read(size[0]) if size else b""
            if not size or len(value) != size[0]:
                raise BackupCorrupt("archive header", "truncated")
            raw += size + value
            try:
                fields.append(value.decode("ascii"))
            except UnicodeDecodeError:
                raise BackupCorrupt("archive header", "id is not ASCII") from None
        return cls(prefix, salt, fields[0], fields[1], chunk_size), raw


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


# -- writing ---------------------------------------------------------------------------------


class ArchiveWriter:
    """A write-only file object: plaintext in, encrypted chunks out to `out`.

    A full chunk is sealed only once more data follows it, so the chunk sealed by `close`
    is always the one flagged last (an empty archive is one empty last chunk).
    """

    def __init__(self, out: BinaryIO, material: bytes, header: Header) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._out = out
        self._aead = AESGCM(archive_key(material, header.salt, header.context_id))
        self._header = header
        self._aad = header.encode()
        self._buf = bytearray()
        self._counter = 0
        self.size = 0
        self.digest = hashlib.sha256()
        self.closed = False
        self._emit(self._aad)

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self.digest.update(data)
        self.size += len(data)

    def _seal(self, plain: bytes, last: bool) -> None:
        if self._counter >= 2**32:
            raise BackupCorrupt("archive", "too many chunks")
        nonce = _nonce(self._header.prefix, self._counter, last)
        self._emit(self._aead.encrypt(nonce, plain, self._aad))
        self._counter += 1

    def write(self, data: bytes) -> int:
        self._buf += data
        size = self._header.chunk_size
        while len(self._buf) > size:
            self._seal(bytes(self._buf[:size]), last=False)
            del self._buf[:size]
        return len(data)

    def flush(self) -> None:
        """Nothing to do: chunks are written as they fill."""

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buf), last=True)
            self._buf.clear()
            self.closed = True

    @property
    def chunks(self) -> int:
        return self._counter


# -- reading ---------------------------------------------------------------------------------


def decrypt_chunks(
    handle: BinaryIO,
    material: bytes,
    expect_snapshot: str,
    expect_context: str,
    expect_chunks: int | None = None,
) -> Iterator[bytes]:
    """Yield each chunk's plaintext after its tag checked; a failure names the chunk.

    `expect_chunks` (the manifest's count) only sharpens the message of a failure.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header, aad = Header.read(handle)
    if header.snapshot_id != expect_snapshot:
        raise BackupCorrupt(
            "archive header", f"belongs to snapshot {header.snapshot_id}, not {expect_snapshot}"
        )
    if header.context_id != expect_context:
        raise BackupCorrupt(
            "archive header", f"belongs to context id {header.context_id}, not {expect_context}"
        )
    aead = AESGCM(archive_key(material, header.salt, header.context_id))
    sealed = header.chunk_size + TAG_SIZE
    current = handle.read(sealed)
    counter = 0
    while True:
        nxt = handle.read(sealed) if len(current) == sealed else b""
        last = not nxt
        if len(current) < TAG_SIZE:
            raise BackupCorrupt(
                f"chunk {counter}",
                "truncated: shorter than its tag"
                if current
                else "missing: the archive ends before its last chunk",
            )
        try:
            yield aead.decrypt(_nonce(header.prefix, counter, last), current, aad)
        except InvalidTag:
            if expect_chunks is not None and counter == expect_chunks - 1 and not last:
                why = f"the manifest lists {expect_chunks} chunks, but data follows the last one (appended)"
            else:
                why = _diagnose(aead, header, aad, current, counter, last)
            raise BackupCorrupt(f"chunk {counter}", why) from None
        if last:
            return
        current = nxt
        counter += 1
        if counter >= 2**32:
            raise BackupCorrupt(f"chunk {counter}", "too many chunks")


def _diagnose(aead: Any, header: Header, aad: bytes, sealed: bytes, counter: int, last: bool) -> str:
    """Say why a chunk failed: a truncation, an appended chunk, a move, or a changed byte."""
    from cryptography.exceptions import InvalidTag

    def opens(index: int, flag: bool) -> bool:
        try:
            aead.decrypt(_nonce(header.prefix, index, flag), sealed, aad)
        except InvalidTag:
            return False
        return True

    if last and opens(counter, False):
        return "the archive ends after this chunk, but it is not the last one (truncated)"
    if not last and opens(counter, True):
        return "this is the last chunk, but data follows it (appended)"
    for index in range(max(0, counter - 64), counter + 65):  # a bounded look for a moved chunk
        if index != counter and (opens(index, False) or opens(index, True)):
            return f"holds chunk {index} (chunks reordered)"
    return "authentication failed: the chunk was changed, cut short, or the key is wrong"


class DecryptingReader:
    """A read-only file object over the plaintext of an archive (chunks checked first)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buf) < size):
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                self._done = True
        if size < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out

    def drain(self) -> None:
        """Read to the end, so every chunk (including the last flag) is checked."""
        while self.read(1 << 20):
            pass


# -- manifest --------------------------------------------------------------------------------


def canonical(doc: dict[str, Any]) -> bytes:
    """The bytes the MAC covers: sorted keys, no spaces, without `mac` and the checksum."""
    body = {k: v for k, v in doc.items() if k not in ("mac", CHECKSUM_KEY)}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def compute_mac(key: bytes, doc: dict[str, Any]) -> str:
    """Hex HMAC-SHA256 of the manifest's canonical form."""
    return hmac.new(key, canonical(doc), hashlib.sha256).hexdigest()


def manifest_text(doc: dict[str, Any]) -> str:
    """The manifest as written: JSON with `manifest_checksum` last, over every byte before it."""
    body = {k: v for k, v in doc.items() if k != CHECKSUM_KEY}
    pretty = json.dumps(body, indent=2, ensure_ascii=True)
    head = pretty[: pretty.rindex("\n}")] + ",\n"
    checksum = hashlib.sha256(head.encode()).hexdigest()
    return f'{head}{_CHECKSUM_LINE}{checksum}"\n}}\n'


def parse_manifest(data: bytes) -> dict[str, Any]:
    """Parse a manifest and check its own checksum (level 1 without a key)."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise BackupCorrupt("manifest", "not ASCII text") from None
    at = text.rfind("\n" + _CHECKSUM_LINE)
    if at < 0:
        raise BackupCorrupt("manifest", f"no {CHECKSUM_KEY} line (cut short?)")
    head = text[: at + 1]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackupCorrupt("manifest", f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get(CHECKSUM_KEY), str):
        raise BackupCorrupt("manifest", f"no {CHECKSUM_KEY}")
    if not text.endswith(f'{_CHECKSUM_LINE}{doc[CHECKSUM_KEY]}"\n}}\n'):
        raise BackupCorrupt("manifest", f"{CHECKSUM_KEY} is not the last line")
    actual = hashlib.sha256(head.encode()).hexdigest()
    if not hmac.compare_digest(actual, doc[CHECKSUM_KEY]):
        raise BackupCorrupt(
            "manifest checksum",
            f"mismatch: the manifest was changed (stored {doc[CHECKSUM_KEY][:12]}…, actual {actual[:12]}…)",
        )
    return doc


def check_mac(key: bytes, doc: dict[str, Any]) -> None:
    """Raise unless the manifest's MAC matches under `key`."""
    mac = doc.get("mac")
    value = mac.get("value") if isinstance(mac, dict) else None
    if not isinstance(value, str):
        raise BackupCorrupt("manifest mac", "missing")
    if not hmac.compare_digest(compute_mac(key, doc), value):
        raise BackupCorrupt(
            "manifest mac",
            "mismatch: the manifest was changed by someone "
            "without the backup key, or the key is not this context's",
        )
