"""Real concurrent `si` processes: checks that span contexts hold the state-root lock, init is
idempotent under races, readers tolerate writers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import SI, Run

ROUNDS = 6


def _together(env: dict[str, str], *argvs: tuple[str, ...]) -> list[subprocess.CompletedProcess[str]]:
    """Start every argv at once and wait for all of them (bounded)."""
    procs = [
        subprocess.Popen([str(SI), *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for argv in argvs
    ]
    done = []
    for argv, proc in zip(argvs, procs, strict=True):
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(list(argv), proc.returncode, out, err))
    return done


def test_same_host_in_two_contexts_at_once_never_both_pass(
    baseline: Callable[..., Run], env: dict[str, str]
) -> None:
    si = baseline
    for i in range(ROUNDS):
        host = f"db{i}.corp.example"
        internal, demo = _together(
            env,
            ("paas", "--context", "internal-dogfood", "target", "add", f"db{i}", "--host", host),
            ("paas", "--context", "oss-demo", "target", "add", f"d{i}", "--host", host, "--disposable"),
        )
        codes = sorted([internal.returncode, demo.returncode])
        assert codes == [0, 1], (internal.stderr, demo.stderr)
    doctor = si("paas", "doctor", "--json")
    assert doctor.code == 0, doctor.stdout


def test_concurrent_init_of_one_name_is_idempotent(
    si: Callable[..., Run], env: dict[str, str], state_root: Path
) -> None:
    runs = _together(
        env, *[("paas", "context", "init", "--name", "shared", "--type", "oss-demo", "--json")] * 6
    )
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    ids = {json.loads(r.stdout)["context_config"]["context_id"] for r in runs}
    assert len(ids) == 1
    assert sum(json.loads(r.stdout)["created"] for r in runs) == 1
    assert si("paas", "doctor", "--json").code == 0


def test_app_add_racing_target_remove_never_dangles(
    baseline: Callable[..., Run], env: dict[str, str], home: Path
) -> None:
    si = baseline
    (home / "web").mkdir()
    for i in range(ROUNDS):
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
            ).code
            == 0
        )
        add, remove = _together(
            env,
            (
                "paas",
                "--context",
                "oss-demo",
                "app",
                "add",
                f"a{i}",
                "--source",
                str(home / "web"),
                "--target",
                f"t{i}",
            ),
            ("paas", "--context", "oss-demo", "target", "remove", f"t{i}"),
        )
        assert sorted([add.returncode, remove.returncode]) == [0, 2], (add.stderr, remove.stderr)
    doctor = si("paas", "doctor", "--json").json
    check = next(c for c in doctor["checks"] if c["id"] == "state-records-intact")
    assert check["findings"] == []


def test_dangling_app_reference_is_a_doctor_finding(
    baseline: Callable[..., Run], state_root: Path, home: Path
) -> None:
    si = baseline
    (home / "web").mkdir()
    assert (
        si("paas", "--context", "oss-demo", "target", "add", "t", "--host", "t.test", "--disposable").code
        == 0
    )
    assert (
        si(
            "paas",
            "--context",
            "oss-demo",
            "app",
            "add",
            "web",
            "--source",
            str(home / "web"),
            "--target",
            "t",
        ).code
        == 0
    )
    targets = state_root / "contexts/oss-demo/targets.json"
    doc = json.loads(targets.read_text())
    doc["items"] = []
    targets.write_text(json.dumps(doc))
    check = next(
        c for c in si("paas", "doctor", "--json").json["checks"] if c["id"] == "state-records-intact"
    )
    assert [f["extra"]["kind"] for f in check["findings"]] == ["dangling-reference"]
    assert "target 't'" in check["findings"][0]["message"]


_WRITER = """
import os, sys
folder = sys.argv[1]
for i in range(int(sys.argv[2])):  # what every atomic write does, minus the fsync: fast churn
    tmp = os.path.join(folder, f".churn{i % 50}.json.{i}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    os.replace(tmp, os.path.join(folder, f"churn{i % 50}.json"))
"""


def test_readers_tolerate_a_writer_renaming_temp_files(
    baseline: Callable[..., Run], state_root: Path
) -> None:
    si = baseline
    folder = state_root / "contexts/oss-demo/cache"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), "3000000"])
    try:
        for _ in range(5):
            for args in (("doctor", "--json"), ("--context", "oss-demo", "events", "list")):
                run = si("paas", *args)
                assert run.code in (0, 1) and "cannot stat" not in run.stderr, run.stderr
    finally:
        writer.kill()
        writer.wait(timeout=30)
