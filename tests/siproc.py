"""Run the installed `si` fast: a warm process forks one child per run.

Starting `si` costs most of its run in interpreter start-up and imports (click, rich, YAML,
JSON Schema, cryptography). A zygote process per test worker starts once, imports them, and
forks a child for every run. The child is a real, separate process: its own pid, working
folder, environment, standard streams (files, as with `capture_output`), exit code and
normal interpreter exit (atexit handlers, non-daemon threads joined, streams flushed). It
writes to the real file system and starts real git processes, exactly as `si` does.

What a forked child cannot reproduce falls back to starting the console script: a run whose
`PYTHON*`, `LANG` or `LC_*` variables differ from the zygote's (they act at interpreter
start). `SI_PAAS_TEST_SPAWN=1` makes every run start the console script, and
tests/test_siproc.py checks that both ways give the same results.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_ZYGOTE = r"""
import json, os, sys
channel_in = os.fdopen(os.dup(0), "rb", buffering=0)  # requests in, pids and exit codes out
channel_out = os.fdopen(os.dup(1), "wb", buffering=0)
null = os.open(os.devnull, os.O_RDWR)
os.dup2(null, 0)
os.dup2(null, 1)
sys.path[0] = os.path.dirname(SI)  # as the console script's own folder, never the cwd
import click, rich.console, rich.table, yaml, jsonschema, cerberus  # noqa: F401
import cryptography.hazmat.primitives.ciphers.aead  # noqa: F401
import pkgutil, si_paas
for info in pkgutil.walk_packages(si_paas.__path__, "si_paas."):
    if info.name.endswith("__main__"):
        continue
    try:
        __import__(info.name)
    except ImportError:  # an optional backend (hyperscan) absent on this machine
        pass

def serve():
    while True:
        line = b""
        while not line.endswith(b"\n"):
            chunk = channel_in.read(1)
            if not chunk:
                os._exit(0)
            line += chunk
        req = json.loads(line)
        pid = os.fork()
        if pid == 0:
            return req
        channel_out.write(f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        channel_out.write(f"{os.waitstatus_to_exitcode(status)}\n".encode())

req = serve()
fds = [os.open(req["stdin"], os.O_RDONLY),
       os.open(req["stdout"], os.O_WRONLY | os.O_TRUNC),
       os.open(req["stderr"], os.O_WRONLY | os.O_TRUNC)]
for target, fd in enumerate(fds):
    os.dup2(fd, target)
os.closerange(3, 1 << 16)
enc = req["encoding"]
sys.stdin = open(0, "r", encoding=enc, closefd=False)
sys.stdout = open(1, "w", encoding=enc, closefd=False)
sys.stderr = open(2, "w", encoding=enc, errors="backslashreplace", closefd=False,
                  buffering=1)
sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
os.chdir(req["cwd"])
os.environ.clear()
os.environ.update(req["env"])
sys.argv = [SI, *req["args"]]
del channel_in, channel_out, null, serve, req, fds
from si_paas.cli.forked import exit_status
from si_paas.cli.main import main
try:
    main()
    code = 0
except SystemExit as exc:
    code = exit_status(exc)
except BaseException:
    import traceback
    traceback.print_exc()
    code = 1
# The interpreter's own exit, less the teardown of every module (a tenth of a second a run):
# atexit handlers, non-daemon threads joined, streams flushed.
import atexit, threading
threading._shutdown()
atexit._run_exitfuncs()
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except (OSError, ValueError):
        code = code or 120
os._exit(code & 0xFF)
"""

_STARTUP_VARS = ("PYTHON", "LANG", "LC_")


class Zygote:
    """One warm `si` process per test worker; `run` forks a child of it for each call."""

    def __init__(self, si: str) -> None:
        self.si = si
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._env: dict[str, str] = {}

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            # the zygote's own environment stays as the worker's, less what tests set for it
            self._env = {k: v for k, v in os.environ.items() if not k.startswith("SI_PAAS_")}
            self._proc = subprocess.Popen(
                [sys.executable, "-c", f"SI = {self.si!r}\n{_ZYGOTE}"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=self._env,
            )
        return self._proc

    def can_run(self, env: dict[str, str]) -> bool:
        """Whether a forked child behaves as a fresh interpreter would with `env`."""
        if os.environ.get("SI_PAAS_TEST_SPAWN"):
            return False
        zygote_env = self._env if self._proc is not None else dict(os.environ)
        keys = {k for k in (*env, *zygote_env) if k.startswith(_STARTUP_VARS)}
        return all(env.get(k) == zygote_env.get(k) for k in keys)

    def run(
        self, args: list[str], *, cwd: Path, env: dict[str, str], input: str | None, timeout: float
    ) -> tuple[int, str, str]:
        """Run `si ARGS` in a forked child; (exit code, stdout, stderr) as `text=True` gives."""
        enc = self.encoding
        code, out, err = self.run_bytes(
            args, cwd=cwd, env=env, stdin=None if input is None else input.encode(enc), timeout=timeout
        )
        return code, as_text(out, enc), as_text(err, enc)

    def call(
        self, args: list[str], *, cwd: Path, env: dict[str, str], stdin: bytes | None, timeout: float
    ) -> tuple[int, bytes, bytes]:
        """Run `si ARGS` forked when `can_run(env)`, else from the console script; (exit code,
        stdout, stderr) as bytes either way."""
        if self.can_run(env):
            return self.run_bytes(args, cwd=cwd, env=env, stdin=stdin, timeout=timeout)
        proc = subprocess.run(
            [self.si, *args], cwd=cwd, env=env, input=stdin, capture_output=True, timeout=timeout
        )
        return proc.returncode, proc.stdout, proc.stderr

    @property
    def encoding(self) -> str:
        """The standard streams' encoding (the locale's, as a fresh interpreter takes it)."""
        import locale

        return locale.getpreferredencoding(False)

    def run_bytes(
        self, args: list[str], *, cwd: Path, env: dict[str, str], stdin: bytes | None, timeout: float
    ) -> tuple[int, bytes, bytes]:
        """Run `si ARGS` in a forked child; (exit code, stdout, stderr) as bytes.

        A child killed by a signal has the negative signal number as its code, as with
        `subprocess`; one still running after `timeout` seconds is killed and TimeoutExpired
        raised.
        """
        with self._lock, tempfile.TemporaryDirectory(prefix="si-run-") as tmp:
            paths = {name: os.path.join(tmp, name) for name in ("stdin", "stdout", "stderr")}
            Path(paths["stdin"]).write_bytes(stdin or b"")
            Path(paths["stdout"]).touch()
            Path(paths["stderr"]).touch()
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            request = {"args": args, "cwd": str(cwd), "env": env, "encoding": self.encoding, **paths}
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.flush()
            pid = int(self._line(proc, 30.0))
            try:
                code = int(self._line(proc, timeout))
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                self._line(proc, 30.0)
                raise subprocess.TimeoutExpired([self.si, *args], timeout) from None
            return code, Path(paths["stdout"]).read_bytes(), Path(paths["stderr"]).read_bytes()

    @staticmethod
    def _line(proc: subprocess.Popen[bytes], timeout: float) -> str:
        assert proc.stdout is not None
        line = b""
        fd = proc.stdout.fileno()
        while not line.endswith(b"\n"):
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 1)
            if not chunk:
                raise RuntimeError("the si zygote died")
            line += chunk
        return line.decode()

    def close(self) -> None:
        """Stop the zygote (its children have all been waited for)."""
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=30)


def as_text(data: bytes, encoding: str) -> str:
    """Decode as `subprocess.run(text=True)` does: strict, universal newlines."""
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
