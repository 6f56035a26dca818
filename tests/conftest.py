"""Shared fixtures: an isolated HOME and state root, the installed `si`, and real git repos."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from siproc import Zygote, as_text

SI = shutil.which("si", path=str(Path(sys.executable).parent)) or shutil.which("si")
ZYGOTE = Zygote(SI) if SI else None

MEMORY_TMP = Path("/dev/shm")
MEMORY_TMP_MIN_FREE = 4 << 30  # the largest tests write files of 64 MiB; many run at once


def _memory_tmp() -> Path | None:
    """A roomy, writable tmpfs for the tests' temporary folders, or None.

    Every state write is fsynced (file and folder), as it must be for users; on a disk
    that costs milliseconds a call and was most of the suite's wall time. The calls are the
    same on tmpfs, they just return at once. `$TMPDIR` or `--basetemp`, when given, win.
    """
    if os.environ.get("TMPDIR") or any(a.startswith("--basetemp") for a in sys.argv):
        return None
    try:
        vfs = os.statvfs(MEMORY_TMP)
    except OSError:
        return None
    roomy = vfs.f_bavail * vfs.f_frsize >= MEMORY_TMP_MIN_FREE
    return MEMORY_TMP if roomy and os.access(MEMORY_TMP, os.W_OK | os.X_OK) else None


if (_fast_tmp := _memory_tmp()) is not None:
    tempfile.tempdir = str(_fast_tmp)  # read by pytest's tmp_path_factory, in every worker


@dataclass
class Run:
    """One finished `si` process."""

    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture(scope="session")
def _worker_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder per test worker, shared by its tests (never ~/.cache).

    Every entry is keyed by content (checked documents by their bytes and the code that
    checks them, judged blobs by repository path, pack and code), so sharing is what a
    user's machine does between runs, and the packs are checked once per worker instead
    of once per test. Tests about the cache itself are marked `own_cache`: they get the
    default folder under their own HOME, empty at the start.
    """
    return tmp_path_factory.mktemp("si-cache")


def _shared_cache(request: pytest.FixtureRequest, shared: Path) -> Path | None:
    """The worker's cache folder, or None for a test marked `own_cache`."""
    return None if request.node.get_closest_marker("own_cache") else shared


@pytest.fixture(autouse=True)
def _private_cache(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _worker_cache: Path
) -> None:
    """In-process loads keep checked documents in the worker's cache, or the test's own."""
    shared = _shared_cache(request, _worker_cache)
    monkeypatch.setenv("SI_PAAS_CACHE_DIR", str(shared or tmp_path / "cache"))
    # In-process fingerprints use a fixed test key, never a key file under the real HOME;
    # `env` (for `si` subprocesses) drops it, so they make their own key under the test HOME.
    monkeypatch.setenv("SI_PAAS_FINGERPRINT_KEY", "dGVzdC1maW5nZXJwcmludC1rZXktMzItYnl0ZXMhISE=")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty HOME outside any repository."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def env(request: pytest.FixtureRequest, home: Path, tmp_path: Path, _worker_cache: Path) -> dict[str, str]:
    """Environment for `si`: temp HOME and state root, no colour, no inherited overrides,
    the worker's shared cache (or, for `own_cache` tests, the default under HOME)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SI_PAAS_") and k != "XDG_CACHE_HOME"}
    base.update(
        {
            "HOME": str(home),
            "SI_PAAS_STATE_ROOT": str(home / ".si" / "paas"),
            "SI_PAAS_KEY_DIR": str(home / ".si" / "keys"),
            "NO_COLOR": "1",
            "COLUMNS": "200",
            "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "t@example.invalid",
        }
    )
    shared = _shared_cache(request, _worker_cache)
    if shared is not None:
        base["SI_PAAS_CACHE_DIR"] = str(shared)
    (tmp_path / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    return base


@pytest.fixture(scope="session", autouse=True)
def _zygote() -> Iterator[None]:
    """The warm `si` process of this test worker, stopped when the worker ends."""
    yield
    if ZYGOTE is not None:
        ZYGOTE.close()


@pytest.fixture
def si(env: dict[str, str], home: Path) -> Callable[..., Run]:
    """Run the installed `si` in its own process: si("paas", "doctor", "--json", cwd=..., input=...).

    The process is forked from a warm `si` (tests/siproc.py), or started from the console
    script when the environment asks for a fresh interpreter or SI_PAAS_TEST_SPAWN=1.
    """
    assert SI and ZYGOTE, "the `si` console script is not installed"

    def run(
        *args: str, cwd: Path | None = None, input: str | None = None, extra_env: dict[str, str] | None = None
    ) -> Run:
        enc = ZYGOTE.encoding
        code, out, err = ZYGOTE.call(
            list(args),
            cwd=cwd or home,
            env={**env, **(extra_env or {})},
            stdin=None if input is None else input.encode(enc),
            timeout=120,
        )
        return Run(code, as_text(out, enc), as_text(err, enc))

    return run


@pytest.fixture
def state_root(home: Path) -> Path:
    return home / ".si" / "paas"


@pytest.fixture
def make_repo(tmp_path: Path, env: dict[str, str]) -> Callable[..., Path]:
    """Create a real git repository with an initial commit."""

    def make(name: str = "repo", files: dict[str, str] | None = None) -> Path:
        root = tmp_path / name
        root.mkdir(parents=True)
        git(root, env, "init", "-q")
        for rel, text in (files or {"README.md": "hello\n"}).items():
            write(root / rel, text)
        git(root, env, "add", "-A")
        git(root, env, "commit", "-q", "-m", "init")
        return root

    return make


def git(root: Path, env: dict[str, str], *args: str) -> str:
    """Run git in `root`."""
    return subprocess.run(
        ["git", "-C", str(root), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def files_under(*roots: Path) -> dict[Path, bytes]:
    """Every regular file at or below the roots (symlinks not followed), with its bytes."""
    out: dict[Path, bytes] = {}
    for root in roots:
        if root.is_file() and not root.is_symlink():
            out[root] = root.read_bytes()
            continue
        for dirpath, _, names in os.walk(root):  # a missing root yields nothing
            for name in names:
                path = Path(dirpath) / name
                if path.is_file() and not path.is_symlink():
                    out[path] = path.read_bytes()
    return out


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def baseline(si: Callable[..., Run]) -> Callable[..., Run]:
    """The runbook's section 3 baseline: both contexts initialised."""
    r1 = si("paas", "context", "init", "--name", "internal-dogfood", "--type", "internal-dogfood")
    assert r1.code == 0, r1.stderr
    r2 = si("paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo")
    assert r2.code == 0, r2.stderr
    return si


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The fuzz suite's prepared world, one per module, reset for every example.

    Defined here rather than in tests/fuzz/conftest.py: a second conftest module would
    shadow this one for the `from conftest import ...` lines of the other tests.
    """
    from fuzzkit import Worlds

    return Worlds(tmp_path_factory.mktemp("fuzz"))
