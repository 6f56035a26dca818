"""Files over the large-file size are scanned in line-aligned chunks with the findings of a
whole-file scan, whichever matcher backend, and in bounded memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from si_paas.detect import chunks
from si_paas.detect.ahomatch import AhoCorasickMatcher
from si_paas.detect.chunks import FileContent
from si_paas.detect.matcher import Matcher
from si_paas.detect.rulepack import load_secret_rules
from si_paas.detect.scanner import SecretScanner, decode_text
from si_paas.snapshot.worktree import RepoFile, WorktreeSnapshot

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "repo"
PACK = load_secret_rules()
FILLER = "the quick brown fox jumps over the lazy dog 0123456789 lorem ipsum\n"
TOKEN = "ghp_" + "R8aZ3kLq9WmX2vB7nT4pH6sJ1dF5gY0cE2uQ"
KEY_BLOCK = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join("MIIEpAIBAAKCAQEA7qV3mZ9sXk2LwQp8Rt" + f"{i:02d}" + "Yb4Nc6Hd1Fg0Je5Km" for i in range(12))
    + "\n-----END RSA PRIVATE KEY-----\n"
)


def _matchers() -> list[Matcher]:
    found: list[Matcher] = [AhoCorasickMatcher(PACK)]
    try:
        from si_paas.detect import hsmatch
    except ImportError:
        return found
    hs = hsmatch.load(PACK, may_compile=True)
    if hs is not None:
        found.append(hs)
    return found


BACKENDS = {m.name: m for m in _matchers()}


def _open(path: Path) -> FileContent:
    return FileContent(os.open(path, os.O_RDONLY), path.stat().st_size)


def _corpus_text() -> str:
    parts = []
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file():
            text = decode_text(path.read_bytes())
            if text is not None:
                parts.append(text if text.endswith("\n") else text + "\n")
    return "".join(parts)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("explain", [False, True])
def test_small_chunks_give_the_whole_file_findings(
    backend: str, explain: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 8 KiB with 16 KiB either side (more than any key block of the corpus) over
    # six copies of the corpus: dozens of boundaries, secrets repeated across chunks (so
    # excerpts redact forms found elsewhere) and key blocks among them.
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 8 << 10)
    monkeypatch.setattr(chunks, "OVERLAP_BYTES", 16 << 10)
    monkeypatch.setattr(chunks, "LARGE_FILE_BYTES", 16 << 10)
    text = _corpus_text() * 6
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    scanner = SecretScanner(PACK, BACKENDS[backend], explain=explain)
    whole = scanner.scan_text("corpus.txt", text)
    assert len(whole) > 50
    assert len(text.encode()) > 30 * chunks.CHUNK_BYTES
    assert scanner.scan_bytes("corpus.txt", _open(path)) == whole


def _up_to(size: int) -> str:
    """Filler lines of exactly `size` characters."""
    repeats = size // len(FILLER) - 1
    pad = size - repeats * len(FILLER)
    return FILLER * repeats + "x" * (pad - 1) + "\n"


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_secrets_straddling_a_chunk_boundary_are_found(backend: str, tmp_path: Path) -> None:
    # A file over the large-file size at the default chunk size: a key block whose BEGIN line
    # crosses the first chunk's nominal end (so the block runs on into the second chunk's
    # lines), and a token whose line crosses the second chunk's nominal end.
    size = chunks.CHUNK_BYTES
    head = _up_to(size - 10)
    first_end = len(head) + KEY_BLOCK.index("\n") + 1
    middle = KEY_BLOCK + _up_to(first_end + size - 20 - len(head) - len(KEY_BLOCK))
    token_line = f'token = "{TOKEN}"\n'
    body = head + middle + token_line + FILLER * 20000 + token_line
    assert len(body) > chunks.LARGE_FILE_BYTES
    (tmp_path / "big.txt").write_text(body, encoding="ascii")
    repo = WorktreeSnapshot(root=tmp_path, is_git=False, max_file_size=64 << 20)
    data = repo.read(RepoFile("big.txt", "file"))
    assert isinstance(data, FileContent)  # read by offset, never whole
    owned = [(c.owned, c.owned_end) for c in chunks.chunks(data)]
    assert owned[0][1] == first_end  # the BEGIN line is the first chunk's last line
    assert owned[1][0] < first_end + size < owned[1][1] == first_end + size + 31
    scanner = SecretScanner(PACK, BACKENDS[backend])
    found = scanner.scan_bytes("big.txt", data)
    assert found == scanner.scan_text("big.txt", body)
    begin, token = head.count("\n") + 1, (head + middle).count("\n") + 1
    assert {(f.rule.startswith("privatekey"), f.line) for f in found} >= {
        (True, begin),
        (False, token),
        (False, body.count("\n")),
    }, found
    assert not any(TOKEN in f.excerpt for f in found)


_MAXRSS = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True)
assert proc.returncode == 1, proc.stderr
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_large_file_is_scanned_in_bounded_memory(backend: str, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    filler = FILLER * 16384  # 1 MiB
    with (tree / "dump.txt").open("w") as fh:
        for _ in range(64):
            fh.write(filler)
        fh.write(f'token = "{TOKEN}"\n')
    si = Path(sys.executable).parent / "si"
    env = {**os.environ, "SI_PAAS_MATCHER": backend, "SI_PAAS_STATE_ROOT": str(tmp_path / "st")}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _MAXRSS,
            str(si),
            "paas",
            "scan",
            "--json",
            "--max-file-size",
            str(100 << 20),
            str(tree / "dump.txt"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    peak_mib = int(out.stdout) / 1024
    # Whole, the 64 MiB would be held as bytes, text and the matcher's copy: over 190 MiB.
    assert peak_mib < 110, peak_mib
