"""A writer killed with SIGKILL leaves a temp file or a `.removing-*` folder; the next command
that takes the lock removes them (the pid in the name is dead), never a live writer's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from conftest import Run

_HANG_IN = """
import os, sys, time, shutil
from pathlib import Path
stage = sys.argv[1]
if stage == "write":
    os.fsync = lambda fd: time.sleep(600)  # stop inside the atomic write, temp file on disk
    from si_paas.state import fsio
    fsio.atomic_write_json(Path(sys.argv[2]) / "targets.json", {"half": "written"})
else:
    shutil.rmtree = lambda *a, **k: time.sleep(600)  # moved aside, not yet deleted
    from si_paas.state.contexts import remove_context
    from si_paas.state.layout import StateLayout
    remove_context(StateLayout(Path(sys.argv[2])), "oss-demo")
"""


def _kill_when(argv: list[str], env: dict[str, str], ready: Callable[[], bool]) -> None:
    child = subprocess.Popen([sys.executable, "-c", _HANG_IN, *argv], env=env)
    try:
        deadline = time.monotonic() + 60
        while not ready():
            assert child.poll() is None and time.monotonic() < deadline, "child never got there"
            time.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)


def _tmps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_temp_file_of_a_killed_writer_is_removed(
    baseline: Callable[..., Run], state_root: Path, env: dict[str, str]
) -> None:
    si = baseline
    ctx_dir = state_root / "contexts/oss-demo"
    _kill_when(["write", str(ctx_dir)], env, lambda: bool(_tmps(ctx_dir)))
    assert _tmps(ctx_dir)
    live = ctx_dir / f".targets.json.{os.getpid()}.abcd1234.tmp"  # a live writer's: kept
    live.write_text("{}")
    assert (
        si("paas", "--context", "oss-demo", "target", "add", "t", "--host", "t.test", "--disposable").code
        == 0
    )
    assert _tmps(ctx_dir) == [live]


def test_removing_folder_of_a_killed_remove_is_finished(
    baseline: Callable[..., Run], state_root: Path, env: dict[str, str]
) -> None:
    si = baseline
    contexts = state_root / "contexts"

    def moved() -> bool:
        return any(p.name.startswith(".removing-") for p in contexts.iterdir())

    _kill_when(["remove", str(state_root)], env, moved)
    assert moved()
    assert si("paas", "--context", "internal-dogfood", "target", "add", "t", "--host", "t.test").code == 0
    assert not moved()
    assert sorted(p.name for p in contexts.iterdir()) == ["internal-dogfood"]
