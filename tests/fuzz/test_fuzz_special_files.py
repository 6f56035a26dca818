"""FIFOs and device nodes in place of every state, vault, key, policy, rule, repo config and
bundle file: the installed `si` must answer within a bound with exit 0, 1 or 2, never hang."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from fuzzkit import Worlds, assert_clean, run_si

BOUND = 10  # seconds; a reader that opens a FIFO blocks forever, so any bound tells

STATE = {
    "config.json": "contexts/oss-demo/config.json",
    "targets.json": "contexts/oss-demo/targets.json",
    "apps.json": "contexts/oss-demo/apps.json",
    "audit.jsonl": "contexts/oss-demo/events/audit.jsonl",
    "current_context": "current_context",
    "vault": "contexts/oss-demo/vault/secrets.env",
}


def _fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path, 0o600)


def _zero(path: Path) -> None:
    """A character device like /dev/zero: made with mknod where allowed, else a link to it."""
    path.unlink(missing_ok=True)
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except (PermissionError, OSError):
        path.symlink_to("/dev/zero")


MAKERS: dict[str, Callable[[Path], None]] = {"fifo": _fifo, "dev-zero": _zero}


def _run(worlds: Worlds, here: Path, args: list[str]) -> None:
    try:
        run = run_si(args, worlds.env, here / "repo", timeout=BOUND)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args!r} did not finish within {BOUND} s")
    assert_clean(run)


@pytest.mark.parametrize(("kind", "maker"), [(k, m) for k in sorted(STATE) for m in sorted(MAKERS)])
def test_state_file(worlds: Worlds, kind: str, maker: str) -> None:
    with worlds.fresh() as here:
        MAKERS[maker](worlds.state_root / STATE[kind])
        for args in (
            ["paas", "doctor", "--json"],
            ["paas", "--context", "oss-demo", "target", "list", "--json"],
            ["paas", "--context", "oss-demo", "secret", "list", "--json"],
        ):
            _run(worlds, here, args)


@pytest.mark.parametrize("maker", sorted(MAKERS))
def test_key_file(worlds: Worlds, maker: str) -> None:
    with worlds.fresh() as here:
        keys = Path(worlds.env["SI_PAAS_KEY_DIR"])
        keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        MAKERS[maker](keys / "fingerprint.key")
        _run(worlds, here, ["paas", "--context", "oss-demo", "secret", "list", "--json"])
        _run(worlds, here, ["paas", "doctor", "--json"])


@pytest.mark.parametrize(
    ("what", "maker"),
    [
        (w, m)
        for w in ("policy", "secret rules", "private-state rules", "repo config", "bundle", "baseline")
        for m in sorted(MAKERS)
    ],
)
def test_input_file(worlds: Worlds, what: str, maker: str) -> None:
    with worlds.fresh() as here:
        folder = here / "special"
        folder.mkdir()
        target = here / "repo" / ".si-paas.yaml" if what == "repo config" else folder / "f.yaml"
        MAKERS[maker](target)
        args = {
            "policy": ["paas", "policy", "list", "--policies", str(folder), "--json"],
            "secret rules": ["paas", "rules", "test", "--secrets", str(target), "--json"],
            "private-state rules": ["paas", "rules", "test", "--private-state", str(target), "--json"],
            "repo config": ["paas", "scan", "--json"],
            "bundle": ["paas", "--context", "oss-demo", "context", "import", str(target), "--json"],
            "baseline": ["paas", "scan", "--baseline", str(target), "--json"],
        }[what]
        _run(worlds, here, args)
