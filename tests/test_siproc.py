"""A `si` forked from the warm zygote behaves as the console script started afresh."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

from conftest import SI, ZYGOTE, Run

COMMANDS = [
    ["paas", "--help"],
    ["paas", "--version"],
    ["paas", "nonsense"],
    ["paas", "context", "list", "--json"],
    ["paas", "context", "show", "missing", "--json"],
    ["paas", "--context", "bad name", "doctor"],
    ["paas", "scan", "--staged"],
    ["paas", "policy", "list", "--json"],
]


def _spawned(args: list[str], cwd: Path, env: dict[str, str], stdin: str | None = None) -> Run:
    proc = subprocess.run(
        [str(SI), *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def _forked(args: list[str], cwd: Path, env: dict[str, str], stdin: str | None = None) -> Run:
    assert ZYGOTE is not None and ZYGOTE.can_run(env)
    return Run(*ZYGOTE.run(args, cwd=cwd, env=env, input=stdin, timeout=120))


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_forked_and_spawned_runs_agree(args: list[str], env: dict[str, str], home: Path) -> None:
    spawned = _spawned(args, home, env)
    assert _forked(args, home, env) == spawned


def test_a_forked_run_has_its_own_folder_environment_and_stdin(
    env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    other_root = tmp_path / "elsewhere"
    run_env = {**env, "SI_PAAS_STATE_ROOT": str(other_root)}
    init = ["paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--json"]
    made = _forked(init, home, run_env)
    assert made.code == 0, made.stderr
    assert (other_root / "contexts" / "oss-demo").is_dir()
    assert not (home / ".si").exists()  # the test's own environment did not leak in
    # the value arrives on stdin, never on the command line
    value = "stdin-delivered-value-7f3a"
    put = _forked(
        ["paas", "--context", "oss-demo", "secret", "set", "DEMO_TOKEN", "--json"], home, run_env, stdin=value
    )
    spawned_env = {**env, "SI_PAAS_STATE_ROOT": str(tmp_path / "spawned")}
    assert _spawned(init, home, spawned_env).code == 0
    again = _spawned(
        ["paas", "--context", "oss-demo", "secret", "set", "DEMO_TOKEN", "--json"],
        home,
        spawned_env,
        stdin=value,
    )
    assert (put.code, put.stderr) == (again.code, again.stderr)
    assert value not in put.stdout
    vault = other_root / "contexts" / "oss-demo" / "vault"
    assert any(p.is_file() for p in vault.rglob("*")), "the forked run wrote no vault"
    assert os.getcwd() != str(home)  # the child's chdir stayed in the child


def test_a_run_past_its_timeout_is_killed_and_the_zygote_serves_on(env: dict[str, str], home: Path) -> None:
    init = ["paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo"]
    assert _forked(init, home, env).code == 0
    assert ZYGOTE is not None
    lock = Path(env["SI_PAAS_STATE_ROOT"]) / ".lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # `context init` waits for the state-root lock
        with pytest.raises(subprocess.TimeoutExpired):
            ZYGOTE.run_bytes(init, cwd=home, env=env, stdin=None, timeout=1.0)
    finally:
        os.close(fd)
    assert _forked(["paas", "--version"], home, env) == _spawned(["paas", "--version"], home, env)


def test_startup_variables_make_the_console_script_run(env: dict[str, str]) -> None:
    assert ZYGOTE is not None
    assert ZYGOTE.can_run(env)
    assert not ZYGOTE.can_run({**env, "PYTHONPROFILEIMPORTTIME": "1"})
    assert not ZYGOTE.can_run(
        {**env, "LC_ALL": "C"} if env.get("LC_ALL") != "C" else {**env, "LC_ALL": "POSIX"}
    )
