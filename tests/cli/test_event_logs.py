"""Large event logs are read from their end in bounded memory; logs rotate by size and every
segment stays readable by `events list` and counted by doctor."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import SI, Run

_MAXRSS = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True)
assert proc.returncode == 0, proc.stderr
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_kib(env: dict[str, str], *args: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _MAXRSS, str(SI), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return int(out.stdout)


def _fill(path: Path, ctx_id: str, megabytes: int) -> int:
    line = (
        json.dumps(
            {
                "time": "2026-01-01T00:00:00.000000Z",
                "kind": "audit",
                "context": "oss-demo",
                "context_id": ctx_id,
                "actor": "a",
                "command": "target list",
                "status": "ok",
                "args": {"pad": "p" * 400},
            }
        )
        + "\n"
    )
    count = megabytes * (1 << 20) // len(line)
    with path.open("a") as fh:
        for _ in range(count // 1000):
            fh.write(line * 1000)
    path.chmod(0o600)
    return count


def test_limit_one_on_a_large_log_stays_small(
    baseline: Callable[..., Run], state_root: Path, env: dict[str, str]
) -> None:
    si = baseline
    args = ("paas", "--context", "oss-demo", "events", "list", "--limit", "1", "--json")
    small = _peak_kib(env, *args)
    ctx_id = json.loads((state_root / "contexts/oss-demo/config.json").read_text())["context_id"]
    _fill(state_root / "contexts/oss-demo/events/audit.jsonl", ctx_id, 40)
    large = _peak_kib(env, *args)
    # Reading the whole 40 MB log would hold it (and its lines) in memory several times over,
    # far past the 16 MiB allowed.
    assert large < small + 16 * 1024, (small, large)
    newest = si(*args).json["items"][0]
    assert newest["command"] == "events list"  # the run before, not the filler


def test_logs_rotate_and_every_segment_stays_readable(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    small = {"SI_PAAS_EVENT_LOG_MAX_BYTES": "1024"}
    for i in range(12):
        assert (
            si(
                "paas",
                "--context",
                "oss-demo",
                "target",
                "add",
                f"t{i}",
                "--host",
                f"t{i}.test",
                "--disposable",
                extra_env=small,
            ).code
            == 0
        )
    events = state_root / "contexts/oss-demo/events"
    rotated = sorted(p.name for p in events.glob("audit.*.jsonl"))
    assert len(rotated) >= 2, rotated
    listed = si(
        "paas",
        "--context",
        "oss-demo",
        "events",
        "list",
        "--kind",
        "audit",
        "--limit",
        "100",
        "--json",
        extra_env=small,
    ).json
    adds = [e for e in listed["items"] if e["command"] == "target add"]
    assert [e["args"]["name"] for e in adds] == [f"t{i}" for i in reversed(range(12))]
    doctor = si("paas", "--context", "oss-demo", "doctor", "--json", extra_env=small)
    assert doctor.code == 0, doctor.stdout
    logs = doctor.json["event_logs"]["oss-demo"]
    assert logs["rotated"] == len(list(events.glob("audit.*.jsonl"))) and logs["files"] > 2
    on_disk = sum(p.stat().st_size for p in events.iterdir())
    assert 0 < on_disk - logs["bytes"] < 1024  # all but doctor's own audit line, written after
