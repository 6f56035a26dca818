"""Resource bounds of scans: oversize staged blobs are never read, workers never exceed cores."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import SI, Run, git, write

_PEAK = (
    "import resource, subprocess, sys\n"
    "proc = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _peak_kib(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, int]:
    """(exit code, peak RSS in KiB of the command and every process it waited for)."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, *args],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout.split()
    return int(out[0]), int(out[1])


def test_an_oversize_staged_blob_is_skipped_without_being_read(
    make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    big = repo / "dump.sql"
    with open(big, "wb") as fh:  # 160 MiB that compress to almost nothing in git
        for _ in range(160):
            fh.write(b"-- padding line of a database dump\n" * 29959)
    write(repo / "small.env", "API_TOKEN=Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5G0001\n")
    git(repo, env, "add", "-A")
    assert SI
    code, peak = _peak_kib([SI, "paas", "scan", "--staged", "--json"], repo, env)
    assert code == 1  # the small file's secret is still found
    # Reading the blob would take at least its size (in git and in si); skipping it from
    # its size alone stays near an idle interpreter's footprint.
    assert peak < 100 * 1024, f"peak RSS {peak} KiB"
    run = subprocess.run(
        [SI, "paas", "scan", "--staged", "--json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert '"larger than 1048576 bytes": 1' in run.stdout


def test_asking_for_more_workers_than_cores_uses_the_cores(si: Callable[..., Run], tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for i in range(40):
        write(tree / f"f{i}.py", f"VALUE = {i}\n")
    write(tree / "app.env", "API_TOKEN=Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5G0001\n")
    run = si("paas", "scan", str(tree), "--json", extra_env={"SI_PAAS_WORKERS": "99999"})
    assert run.code == 1
    stats = run.json["skipped"][str(tree.resolve())]
    assert 1 <= stats["workers"] <= len(os.sched_getaffinity(0))
