"""Property: any context's records survive create, verify --read-data and restore --to byte for byte."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from si_paas.services import backup as svc
from si_paas.services.invocation import Invocation
from si_paas.state.contexts import init_context
from si_paas.state.layout import StateLayout

from conftest import files_under

_NAME = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}\.(json|jsonl|txt|bin)", fullmatch=True)
_FOLDER = st.sampled_from(["", "events/", "releases/r1/", "releases/r2/files/", "alerts/", "drills/"])
_KIND = st.sampled_from(["text", "binary"])
_SIZE = st.sampled_from([0, 1, 100, 65535, 65536, 65537, 200_000])

FILES = st.dictionaries(
    st.tuples(_FOLDER, _NAME).map("".join), st.tuples(_KIND, _SIZE, st.integers(0, 2**32)), max_size=8
)
_ALPHABET = b'abcdefgh 0123456789{}[]:,"\n'


def _content(kind: str, size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    if kind == "binary":
        return (b"\0" + rng.randbytes(size))[:size] if size else b""
    return bytes(rng.choice(_ALPHABET) for _ in range(size))


def _run(layout: StateLayout, command: str) -> Invocation:
    return Invocation(command=command, context_opt="internal-dogfood", layout=layout)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=FILES)
def test_round_trip_is_byte_identical(files: dict[str, tuple[str, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        old = {k: os.environ.get(k) for k in ("SI_PAAS_BACKUP_ROOT", "SI_PAAS_KEY_DIR")}
        os.environ["SI_PAAS_BACKUP_ROOT"] = str(base / "backups")
        os.environ["SI_PAAS_KEY_DIR"] = str(base / "keys")
        try:
            layout = StateLayout(base / "state")
            ctx, _ = init_context(layout, "internal-dogfood", "internal-dogfood", None)
            folder = layout.context_dir(ctx.name)
            for rel, (kind, size, seed) in files.items():
                path = folder / rel
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                path.write_bytes(_content(kind, size, seed))
            (folder / "vault" / "secrets.env").write_text("X=ENC[v1,a,b]\n")
            before = {
                p.relative_to(folder).as_posix(): b
                for p, b in files_under(folder).items()
                if not p.relative_to(folder).as_posix().startswith(("vault/", "cache/")) and p.name != ".lock"
            }

            made = svc.create(_run(layout, "backup create"))
            sid = made.payload["snapshot"]["snapshot_id"]
            checked = svc.verify(_run(layout, "backup verify"), sid, False, True)
            assert checked.ok, checked.payload
            dest = base / "restored"
            restored = svc.restore(_run(layout, "backup restore"), sid, str(dest), False)
            assert restored.ok

            after = {p.relative_to(dest).as_posix(): b for p, b in files_under(dest).items()}
            assert after == before
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 3 * 65536])
def test_chunk_boundaries(tmp_path: Path, size: int) -> None:
    """Plaintext of every size around the chunk size decrypts to itself, chunk by chunk."""
    import io

    from si_paas.state import backupfiles as bf

    key = os.urandom(32)
    header = bf.Header.new("20260101T000000Z-00000000", "ctx_" + "1" * 32)
    buf = io.BytesIO()
    writer = bf.ArchiveWriter(buf, key, header)
    data = os.urandom(size)
    writer.write(data[: size // 3])
    writer.write(data[size // 3 :])
    writer.close()
    assert writer.chunks == max(1, -(-size // bf.CHUNK_SIZE))
    buf.seek(0)
    chunks = list(bf.decrypt_chunks(buf, key, header.snapshot_id, header.context_id))
    assert b"".join(chunks) == data and len(chunks) == writer.chunks
