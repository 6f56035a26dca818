"""A `.env` saved as UTF-16 or UTF-32 with a byte-order mark is text, not binary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git

TOKEN = "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"
ENV = f"# service\r\nAPI_TOKEN={TOKEN}\r\n"
ENCODINGS = ["utf-16", "utf-16-be", "utf-32"]


def _encoded(codec: str) -> bytes:
    if codec == "utf-16-be":
        return b"\xfe\xff" + ENV.encode("utf-16-be")
    return ENV.encode(codec)  # Python writes the BOM (little-endian here)


@pytest.mark.parametrize("codec", ENCODINGS)
def test_scan_finds_a_token_in_a_utf16_env(
    si: Callable[..., Run], make_repo: Callable[..., Path], codec: str
) -> None:
    repo = make_repo()
    (repo / ".env").write_bytes(_encoded(codec))
    run = si("paas", "scan", "--json", cwd=repo)
    assert run.code == 1, run.stdout
    [found] = [f for c in run.json["checks"] for f in c["findings"] if c["id"] == "no-plaintext-secrets"]
    assert found["line"] == 2 and found["column"] == len("API_TOKEN=") + 1
    assert TOKEN not in run.stdout and TOKEN[4:] not in run.stdout


@pytest.mark.parametrize("codec", ENCODINGS)
def test_the_hook_blocks_a_utf16_env(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str], codec: str
) -> None:
    repo = make_repo()
    (repo / ".env").write_bytes(_encoded(codec))
    git(repo, env, "add", ".env")
    for extra in ({}, {"SI_PAAS_FULL_CLI": "1"}):
        run = si("paas", "scan", "--staged", cwd=repo, extra_env=extra)
        assert run.code == 1, (extra, run.stdout, run.stderr)
        assert TOKEN[4:] not in run.stdout + run.stderr
    history = si("paas", "scan", "--history", "--all", cwd=repo)
    assert history.code == 0  # nothing committed yet
    git(repo, env, "commit", "-q", "--no-verify", "-m", "env")
    assert si("paas", "scan", "--history", "--all", cwd=repo).code == 1


def test_a_binary_file_with_nul_bytes_is_still_skipped(
    si: Callable[..., Run], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo()
    (repo / "blob.bin").write_bytes(b"\x00\x01API_TOKEN=" + TOKEN.encode() + b"\x00")
    run = si("paas", "scan", "--json", cwd=repo)
    assert run.code == 0, run.stdout
