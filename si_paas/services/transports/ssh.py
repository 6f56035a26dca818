"""`ssh` transport: the system OpenSSH client, strict host keys, a tar stream for upload.

Every connection runs with BatchMode (never a prompt), StrictHostKeyChecking=yes against
the context's own known_hosts file in the state root, a connect timeout, keep-alives, and
a timeout around the whole command. `SI_PAAS_SSH_IDENTITY` names a private key to use and
`SI_PAAS_SSH_CONFIG` an ssh_config file (default: the user's own).
"""

from __future__ import annotations

import io
import os
import shlex
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from si_paas.services.transports.base import CommandResult, TargetError, Writer, run_process
from si_paas.state.hosts import parse_host

CONNECT_TIMEOUT = 10
# Commands of one deploy share one connection (OpenSSH multiplexing). The master exits on
# its own this many seconds after the last command, so even a killed `si` leaves no
# lasting process behind.
CONTROL_PERSIST_SECONDS = 3


def ssh_error(result: CommandResult, where: str, context: str, target: str) -> str | None:
    """A one-line reason when ssh itself failed (exit 255), else None."""
    if result.code != 255:
        return None
    text = result.stderr
    if "Host key verification failed" in text or "REMOTE HOST IDENTIFICATION HAS CHANGED" in text:
        return (
            f"{where}: host key not trusted or changed; check it and run "
            f"`si paas --context {context} target trust-host {target}`"
        )
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    last = lines[-1] if lines else "connection failed"
    return f"{where}: unreachable: {last}"


@dataclass
class SshTransport:
    """Runs `sh -c SCRIPT` on the target through `ssh`."""

    host: str
    port: int | None
    user: str | None
    known_hosts: str
    context: str
    target: str
    identity: str | None = None
    config: str | None = None
    name: str = "ssh"
    extra_options: list[str] = field(default_factory=list)

    @classmethod
    def from_target(cls, target: dict[str, Any], options: dict[str, Any]) -> SshTransport:
        # A record written before hosts were normalised may hold `user@host:port`.
        spec = parse_host(str(target["host"]), f"target {target['name']}: host")
        return cls(
            host=spec.host,
            port=target.get("port") or spec.port,
            user=target.get("user") or spec.user,
            known_hosts=str(options["known_hosts"]),
            context=str(options["context"]),
            target=target["name"],
            identity=os.environ.get("SI_PAAS_SSH_IDENTITY") or None,
            config=os.environ.get("SI_PAAS_SSH_CONFIG") or None,
        )

    def describe(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"ssh:{who}{self.host}:{self.port or 22}"

    def control_path(self) -> str | None:
        """A private socket folder for multiplexing, keyed by everything that decides trust.

        The name hashes the known_hosts file, identity and config as well as host, port and
        user (`%C`), so a connection trusted under one context's known_hosts is never reused
        by another context.
        """
        import hashlib
        import tempfile

        folder = Path(tempfile.gettempdir()) / f"si-paas-ssh-{os.getuid()}"
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            st = folder.lstat()
        except OSError:
            return None
        if st.st_uid != os.getuid() or st.st_mode & 0o077 or not folder.is_dir():
            return None  # not ours or not private: no multiplexing, one connection per command
        key = hashlib.sha256(f"{self.known_hosts}\0{self.identity}\0{self.config}".encode())
        return f"{folder}/cm-{key.hexdigest()[:12]}-%C"

    def argv(self, remote: str) -> list[str]:
        """The ssh command line for one remote command."""
        args = ["ssh"]
        if self.config:
            args += ["-F", self.config]
        args += [
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            f"ConnectTimeout={CONNECT_TIMEOUT}",
            "-o",
            "ServerAliveInterval=5",
            "-o",
            "ServerAliveCountMax=3",
            "-o",
            "LogLevel=ERROR",
        ]
        if self.identity:
            args += ["-i", self.identity, "-o", "IdentitiesOnly=yes"]
        control = self.control_path()
        if control:
            args += [
                "-o",
                "ControlMaster=auto",
                "-o",
                f"ControlPath={control}",
                "-o",
                f"ControlPersist={CONTROL_PERSIST_SECONDS}",
            ]
        if self.port:
            args += ["-p", str(self.port)]
        if self.user:
            args += ["-l", self.user]
        args += [*self.extra_options, "--", self.host, remote]
        return args

    def run(self, script: str, *, timeout: float, stdin: Writer | None = None) -> CommandResult:
        if not os.path.isfile(self.known_hosts):
            raise TargetError(
                f"{self.describe()}: no trusted host key yet; run "
                f"`si paas --context {self.context} target trust-host {self.target}`"
            )
        result = run_process(self.argv("sh -c " + shlex.quote(script)), timeout=timeout, stdin=stdin)
        if result.timed_out:
            return result  # the caller says what did not answer in time
        why = ssh_error(result, self.describe(), self.context, self.target)
        if why:
            raise TargetError(why)
        return result

    def put_tree(
        self,
        root: Path,
        files: Sequence[tuple[str, int]],
        extra: dict[str, bytes],
        dest: str,
        *,
        timeout: float,
    ) -> None:
        def stream(pipe: IO[bytes]) -> None:
            with tarfile.open(fileobj=pipe, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for rel, mode in files:
                    info = tar.gettarinfo(str(root / rel), arcname=rel)
                    info.mode, info.uid, info.gid, info.uname, info.gname = mode, 0, 0, "", ""
                    with open(root / rel, "rb") as handle:
                        tar.addfile(info, handle)
                for name, data in extra.items():
                    info = tarfile.TarInfo(name)
                    info.size, info.mode = len(data), 0o644
                    tar.addfile(info, io.BytesIO(data))

        d = shlex.quote(dest)
        result = self.run(f"mkdir -p {d} && tar -x -o -f - -C {d}", timeout=timeout, stdin=stream)
        if not result.ok:
            lines = result.stderr.strip().splitlines()
            raise TargetError(
                f"upload to {self.describe()}:{dest} failed: {lines[-1] if lines else f'exit {result.code}'}"
            )


def keyscan(host: str, port: int | None, timeout: float = 10) -> list[str]:
    """Host key lines (known_hosts format) the server offers, via ssh-keyscan."""
    argv = ["ssh-keyscan", "-T", str(int(timeout))]
    if port:
        argv += ["-p", str(port)]
    result = run_process([*argv, "--", host], timeout=timeout + 5)
    lines = [ln for ln in result.text().splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines:
        errors = result.stderr.strip().splitlines()
        raise TargetError(
            f"ssh-keyscan {host}:{port or 22}: no host key received ({errors[-1] if errors else 'no answer'})"
        )
    return lines


def fingerprints(lines: Sequence[str]) -> list[str]:
    """`SHA256:...` fingerprints of known_hosts lines (ssh-keygen -lf)."""
    data = ("\n".join(lines) + "\n").encode()

    def feed(pipe: IO[bytes]) -> None:
        pipe.write(data)

    result = run_process(["ssh-keygen", "-l", "-f", "-"], timeout=10, stdin=feed)
    return [ln.strip() for ln in result.text().splitlines() if ln.strip()]
