"""Shared setup of the deploy tests: a context, a target, an app with a health script."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import Run

CTX = "internal-dogfood"

# Healthy unless the release holds a file named `broken`; `broken-after-switch` fails only
# when run against `current` (the second health run), so a deploy reaches the switch.
HEALTH = """#!/bin/sh
test -f broken && exit 1
case "$PWD" in */current) test -f broken-after-switch && exit 1 ;; esac
exit 0
"""


@dataclass
class App:
    """An app in internal-dogfood bound to one target."""

    si: Callable[..., Run]
    src: Path
    path: str  # the target's deploy directory (on this machine for both transports)
    name: str = "orders"
    target: str = "edge-a"
    ctx: str = CTX

    def cmd(self, *args: str, extra_env: dict[str, str] | None = None) -> Run:
        return self.si("paas", "--context", self.ctx, *args, extra_env=extra_env)

    def deploy(self, *args: str, extra_env: dict[str, str] | None = None) -> Run:
        return self.cmd(
            "deploy",
            "--app",
            self.name,
            "--target",
            self.target,
            "--health-cmd",
            "./bin/health",
            *args,
            "--json",
            extra_env=extra_env,
        )

    def version(self, text: str, **files: str) -> None:
        """Change the source: index.html holds `text`; extra files by name."""
        (self.src / "index.html").write_text(text + "\n")
        for stale in ("broken", "broken-after-switch"):
            (self.src / stale).unlink(missing_ok=True)
        for name, body in files.items():
            (self.src / name.replace("_", "-")).write_text(body)

    def current(self) -> str | None:
        link = Path(self.path) / "current"
        return os.readlink(link).rsplit("/", 1)[-1] if link.is_symlink() else None

    def served(self) -> str:
        return (Path(self.path) / "current" / "index.html").read_text().strip()

    def releases(self) -> dict[str, Any]:
        run = self.cmd("release", "list", "--app", self.name, "--json")
        assert run.code == 0, run.stderr
        doc: dict[str, Any] = run.json
        return doc

    def rows(self) -> list[dict[str, Any]]:
        """History rows newest first, as `release list` shows them."""
        hist = self.releases()["history"]
        return list(hist[0]["rows"]) if hist else []


def make_source(root: Path) -> Path:
    src = root / "orders"
    (src / "bin").mkdir(parents=True)
    (src / "bin" / "health").write_text(HEALTH)
    (src / "bin" / "health").chmod(0o755)
    (src / "index.html").write_text("v1\n")
    return src


def setup_app(si: Callable[..., Run], root: Path, target_args: list[str], path: str, ctx: str = CTX) -> App:
    """A context (internal-dogfood by default) with target edge-a and app orders."""
    assert si("paas", "context", "init", "--name", ctx, "--type", ctx).code == 0
    src = make_source(root)
    add = si("paas", "--context", ctx, "target", "add", "edge-a", *target_args, "--path", path)
    assert add.code == 0, add.stderr
    app = si("paas", "--context", ctx, "app", "add", "orders", "--source", str(src), "--target", "edge-a")
    assert app.code == 0, app.stderr
    return App(si, src, path, ctx=ctx)


def deployments(state_root: Path, ctx: str = CTX) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((state_root / "contexts" / ctx / "deployments.json").read_text())
    return doc


def private_modes_ok(state_root: Path) -> bool:
    """Every directory under the state root is 0700 and every file 0600."""
    for dirpath, dirnames, filenames in os.walk(state_root):
        for name in dirnames + filenames:
            st = os.lstat(Path(dirpath) / name)
            if stat.S_ISLNK(st.st_mode):
                continue
            want = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
            if stat.S_IMODE(st.st_mode) & ~want:
                return False
    return True


@dataclass
class Sshd:
    """A real OpenSSH server on 127.0.0.1 with throwaway host and user keys."""

    port: int
    pid: int
    identity: Path
    host_key_pub: Path
    known_hosts: Path  # a known_hosts line for [127.0.0.1]:port, for `--known-hosts`
    log: Path

    def env(self) -> dict[str, str]:
        return {"SI_PAAS_SSH_IDENTITY": str(self.identity), "SI_PAAS_SSH_CONFIG": "/dev/null"}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_sshd(base: Path) -> Sshd:
    """Start `/usr/sbin/sshd -D -f <config>` on a free loopback port; wait until it answers."""
    import socket
    import subprocess
    import time

    sshd = Path("/usr/sbin/sshd")
    assert sshd.exists(), "openssh-server is not installed (.ci/run installs it)"
    base.mkdir(parents=True, exist_ok=True)
    host_key, user_key = base / "host_ed25519", base / "user_ed25519"
    for key in (host_key, user_key):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, capture_output=True
        )
    authorized = base / "authorized_keys"
    authorized.write_text(Path(f"{user_key}.pub").read_text())
    authorized.chmod(0o600)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    port = free_port()
    config = base / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {base / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "LogLevel ERROR",
                "MaxStartups 64:30:128",
                "MaxSessions 64",
                "",
            ]
        )
    )
    log = base / "sshd.log"
    proc = subprocess.Popen(
        [str(sshd), "-D", "-f", str(config), "-E", str(log)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"sshd exited {proc.returncode}: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("sshd did not listen within 20s") from None
            time.sleep(0.02)  # bounded poll for the listening socket
    pub = Path(f"{host_key}.pub").read_text().split()
    known = base / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {pub[0]} {pub[1]}\n")
    return Sshd(port, proc.pid, user_key, Path(f"{host_key}.pub"), known, log)


def stop_sshd(server: Sshd) -> None:
    import contextlib
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGTERM)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(server.pid, 0)
