"""A FIFO, a device node or a symlink to /dev/zero in place of any state, vault, key, policy
or rule file is refused with exit 2 and a one-line error; nothing hangs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import SI, Run

CTX = "contexts/oss-demo"
# (file relative to HOME, the command that reads it)
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "targets": (f".si/paas/{CTX}/targets.json", ("target", "list")),
    "apps": (f".si/paas/{CTX}/apps.json", ("app", "list")),
    "audit-log": (f".si/paas/{CTX}/events/audit.jsonl", ("events", "list")),
    "vault": (f".si/paas/{CTX}/vault/secrets.env", ("secret", "list")),
    "current-context": (".si/paas/current_context", ("target", "list")),
    "context-lock": (f".si/paas/{CTX}/.lock", ("target", "add", "t", "--host", "t.test", "--disposable")),
    "state-lock": (".si/paas/.lock", ("target", "add", "t", "--host", "t.test", "--disposable")),
    "policy": ("pol/extra.yaml", ("doctor", "--policies", "{home}/pol")),
    "rule-pack": ("rules.yaml", ("rules", "test", "--secrets", "{home}/rules.yaml")),
}


def _special(path: Path, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:  # a real character device node of our own: the same numbers as /dev/null
        st = os.stat("/dev/null")
        os.mknod(path, 0o600 | 0o020000, st.st_rdev)


def _run(env: dict[str, str], home: Path, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    argv = [str(SI), "paas", "--context", "oss-demo", *(a.format(home=home) for a in args)]
    return subprocess.run(
        argv, env=env, cwd=home, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL
    )


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "device"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_special_file_refused_not_hung(
    baseline: Callable[..., Run], env: dict[str, str], home: Path, case: str, kind: str
) -> None:
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("mknod of a device node needs root")
    rel, args = CASES[case]
    if case == "current-context":
        args = ("paas",)  # replaced below: it is read when --context is absent
    _special(home / rel, kind)
    if case == "current-context":
        proc = subprocess.run(
            [str(SI), "paas", "target", "list"], env=env, cwd=home, capture_output=True, text=True, timeout=20
        )
    else:
        proc = _run(env, home, args)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "not a regular file" in proc.stderr, proc.stderr
    # A warning may say the audit line could not be written (the log itself is the special
    # file): that is reported, never fatal; the command's own error is the one other line.
    errors = [line for line in proc.stderr.splitlines() if not line.startswith("warning:")]
    assert "Traceback" not in proc.stderr and len(errors) == 1, proc.stderr


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_special_key_file_refused(
    baseline: Callable[..., Run], env: dict[str, str], home: Path, kind: str
) -> None:
    si = baseline
    assert si("paas", "--context", "oss-demo", "secret", "set", "K", input="v-1").code == 0
    keys = [p for p in (home / ".si/keys").iterdir() if p.name.startswith("ctx_")]
    assert len(keys) == 1
    _special(keys[0], kind)
    proc = _run(env, home, ("secret", "list"))
    assert proc.returncode == 2 and "not a regular file" in proc.stderr, proc.stderr
