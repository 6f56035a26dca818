"""Each content detector of private state, on bytes just inside and just outside its shape.

A detector answers a bool: `is False` below, not just falsy.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import json
import lzma
import tarfile

import pytest

from si_paas.detect import state_content as sc

CTX = "ctx_" + "0123456789abcdef" * 2
VAULT_LINE = b"DB_PASSWORD=ENC[v1," + b"A" * 16 + b"," + b"B" * 22 + b"==]\n"
HEADER = b"# si-paas vault, format 1. Values are sealed.\n"


def _tar(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = 1
            tf.addfile(info, io.BytesIO(b"x"))
    return buf.getvalue()


def test_vault_file_by_header_or_by_one_sealed_line() -> None:
    assert sc.vault_file(HEADER)
    assert sc.vault_file(b"# notes\n" + VAULT_LINE)
    assert sc.vault_file(HEADER + b"PLAIN=1\n")  # the header alone is enough
    assert sc.vault_file(b"# notes\nmentions # si-paas vault, format 1. in passing\n") is False
    assert sc.vault_file(b"KEY=ENC[v1,short,tag]\n") is False  # the marker without the shape
    assert sc.vault_file(b"PLAIN=1\n") is False


def test_context_config_needs_an_id_and_a_config_field() -> None:
    for extra in ({"name": "prod", "type": "internal"}, {"vault_file": "v"}, {"state_root": "/s"}):
        assert sc.context_config(json.dumps({"context_id": CTX, **extra}).encode())
    assert sc.context_config(json.dumps({"context_id": CTX, "name": "prod"}).encode()) is False
    assert sc.context_config(json.dumps({"context_id": "ctx_1", "vault_file": "v"}).encode()) is False
    assert sc.context_config(json.dumps({"id": CTX, "vault_file": "v"}).encode()) is False
    assert sc.context_config(json.dumps({"name": "a", "type": "b", "note": "context_id"}).encode()) is False
    assert sc.context_config(b'{"context_id": ' + b"[" * 5000) is False  # not JSON


def test_context_config_reads_a_bom_and_refuses_undecodable_bytes() -> None:
    doc = json.dumps({"context_id": CTX, "vault_file": "v"}).encode()
    assert sc.context_config(b"\xef\xbb\xbf" + doc)
    assert sc.context_config(b"\xff" + doc) is False


def test_context_records_as_one_document_or_as_json_lines() -> None:
    assert sc.context_records(json.dumps({"context_id": CTX, "items": []}).encode())
    assert sc.context_records(json.dumps({"context_id": CTX, "items": {}}).encode()) is False
    assert sc.context_records(json.dumps({"context_id": "ctx_x", "items": []}).encode()) is False
    lines = b"\n\n" + json.dumps({"context_id": CTX, "event": "a"}).encode() + b"\n{}\n"
    assert sc.context_records(lines)
    assert sc.context_records(b"\n" + json.dumps({"context_id": "nope"}).encode() + b"\n{}\n") is False
    assert sc.context_records(b"context_id\n" + json.dumps({"context_id": CTX}).encode() + b"\n{}\n") is False
    assert sc.context_records(json.dumps({"context": CTX, "items": []}).encode()) is False


def test_context_records_looks_at_the_first_thousand_lines_for_the_first_non_blank() -> None:
    tail = json.dumps({"context_id": CTX}).encode() + b"\n{}\n"
    assert sc.context_records(b"\n" * 999 + tail)
    assert sc.context_records(b"\n" * 1000 + tail) is False


def test_export_bundle_by_its_format_field() -> None:
    assert sc.export_bundle(json.dumps({"format": "si-paas-context-export"}).encode())
    assert sc.export_bundle(json.dumps({"format": "other", "x": "si-paas-context-export"}).encode()) is False
    assert sc.export_bundle(json.dumps(["si-paas-context-export"]).encode()) is False
    assert sc.export_bundle(json.dumps({"format": "other"}).encode()) is False


def test_vault_key_is_the_base64_of_exactly_32_bytes() -> None:
    assert sc.vault_key(b"  " + base64.b64encode(bytes(range(32))) + b"\n")
    assert sc.vault_key(b"/" * 43 + b"=")
    assert sc.vault_key(base64.b64encode(bytes(range(31)))) is False
    assert sc.vault_key(base64.b64encode(bytes(range(33)))) is False
    assert sc.vault_key(b"/" * 42 + b"==") is False
    assert sc.vault_key(b"hello") is False


@pytest.mark.parametrize(
    "data",
    [
        gzip.compress(b"x", mtime=0),  # a fixed time: every worker collects the same bytes
        bz2.compress(b"x"),
        lzma.compress(b"x"),
        b"PK\x03\x04rest",
    ],
    ids=["gzip", "bzip2", "xz", "zip"],
)
def test_compressed_and_zip_magic_is_an_archive(data: bytes) -> None:
    assert sc.is_archive(data)


def test_a_plain_tar_is_known_by_its_ustar_field() -> None:
    data = _tar(["a"])
    assert data[257:262] == b"ustar"
    assert sc.is_archive(data)
    assert not sc.is_archive(b"x" * 257 + b"ustaX")
    assert not sc.is_archive(b"x" * 258 + b"ustar")
    assert not sc.is_archive(b"plain text")


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress, bytes])
def test_archive_members_of_every_tar_flavour(compress: object) -> None:
    data = _tar(["paas/current_context", "src/a.py"])
    packed = compress(data)  # type: ignore[operator]
    assert list(sc.archive_members(packed)) == ["paas/current_context", "src/a.py"]


def test_decompress_passes_plain_bytes_and_drops_broken_streams() -> None:
    assert sc._decompress(b"plain") == b"plain"
    assert sc._decompress(gzip.compress(b"inner")) == b"inner"
    assert sc._decompress(bz2.compress(b"inner")) == b"inner"
    assert sc._decompress(lzma.compress(b"inner")) == b"inner"
    assert sc._decompress(b"\x1f\x8b" + b"junk") == b""


def test_worth_reading_on_each_marker_and_on_short_files_only() -> None:
    long_plain = b"x = 1\n" * 20
    assert not sc.worth_reading(long_plain)
    for marker in (b"context_id", b"ENC[v1,", b"# si-paas vault", b"si-paas-context-export"):
        assert sc.worth_reading(long_plain + marker)
    assert sc.worth_reading(gzip.compress(long_plain))
    assert sc.worth_reading(b" " + b"k" * 64 + b"\n")
    assert not sc.worth_reading(b"k" * 65)
