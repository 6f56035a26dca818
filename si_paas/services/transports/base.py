"""The Transport protocol and the bounded subprocess runner both transports use."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from si_paas.errors import ExitCode, SiPaasError

Writer = Callable[[IO[bytes]], None]


class TargetError(SiPaasError):
    """The target could not be reached or refused an operation (exit 1: the deploy failed)."""

    exit_code = ExitCode.POLICY_FAILED


@dataclass(frozen=True)
class CommandResult:
    """One finished command on a target."""

    code: int
    stdout: bytes
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.code == 0 and not self.timed_out

    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    def tail(self, limit: int = 400) -> str:
        """The last lines of output, for a record (bounded)."""
        both = (self.text() + "\n" + self.stderr).strip()
        return both[-limit:]


class Transport(Protocol):
    """How a target is reached: run a shell script there, copy a tree of files there."""

    name: str

    def describe(self) -> str:
        """`local:/srv/app` or `ssh:user@host:port` (for messages and records)."""
        ...

    def run(self, script: str, *, timeout: float, stdin: Writer | None = None) -> CommandResult:
        """Run a POSIX sh script on the target, bounded by `timeout` seconds."""
        ...

    def put_tree(
        self,
        root: Path,
        files: Sequence[tuple[str, int]],
        extra: dict[str, bytes],
        dest: str,
        *,
        timeout: float,
    ) -> None:
        """Copy `files` (relative path, mode) from `root`, plus `extra` name -> bytes, to `dest`."""
        ...


def _kill_group(proc: subprocess.Popen[bytes], flag: list[bool]) -> None:
    flag.append(True)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_process(
    argv: Sequence[str],
    *,
    timeout: float,
    stdin: Writer | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> CommandResult:
    """Run `argv` in its own process group; past `timeout` the whole group is killed.

    Output goes to temporary files, so a chatty command never blocks on a full pipe while
    the caller is still writing its input.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                cwd=cwd,
                start_new_session=True,
            )
        except OSError as exc:
            raise TargetError(f"cannot run {argv[0]}: {exc.strerror}") from None
        timed_out: list[bool] = []
        timer = threading.Timer(timeout, _kill_group, (proc, timed_out))
        timer.daemon = True
        timer.start()
        try:
            if stdin is not None and proc.stdin is not None:
                try:
                    stdin(proc.stdin)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the command ended early; its exit code says why
                finally:
                    with contextlib.suppress(BrokenPipeError, OSError):
                        proc.stdin.close()
            code = proc.wait()
        finally:
            timer.cancel()
        out.seek(0)
        err.seek(0)
        return CommandResult(
            code, out.read(), err.read().decode("utf-8", "replace"), timed_out=bool(timed_out)
        )
