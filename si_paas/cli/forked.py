"""`si ARGS` in a forked copy of this process: the demo's steps without an interpreter start each.

Each step of `si paas demo` is a whole `si` run with its own exit code and output. Starting
a fresh interpreter for each costs most of the step in start-up and imports, so where the
system can fork, the demo imports the command modules once and forks a child per step. The
child is a separate process: its own working folder, environment, standard streams (files)
and exit code; it runs `si_paas.cli.main.main` exactly as the console script does, and
leaves by `os._exit` so nothing of the parent (its temporary folders, its open servers)
is torn down twice. `SI_PAAS_DEMO_SPAWN=1` starts `python -m si_paas` for every step instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

# Libraries the steps' commands import; the package's own modules are all imported too.
_PRELOAD = (
    "rich.table",
    "yaml",
    "jsonschema",
    "cerberus",
    "cryptography.hazmat.primitives.ciphers.aead",
)


def available() -> bool:
    """True when steps can run forked (a system with fork, and not turned off)."""
    return hasattr(os, "fork") and os.environ.get("SI_PAAS_DEMO_SPAWN", "") in ("", "0")


def preload() -> None:
    """Import what the steps use, once, so no child imports it again."""
    import importlib
    import pkgutil

    import si_paas

    names = [*_PRELOAD, *(m.name for m in pkgutil.walk_packages(si_paas.__path__, "si_paas."))]
    for name in names:
        if name.endswith("__main__"):
            continue
        try:
            importlib.import_module(name)
        except ImportError:  # an optional backend (hyperscan) absent on this machine
            continue


def run(args: list[str], *, cwd: str, env: dict[str, str], stdin: str | None) -> tuple[int, str, str]:
    """Run `si ARGS` in a forked child; (exit code, stdout, stderr)."""
    with tempfile.TemporaryDirectory(prefix="si-paas-step-") as raw:
        folder = Path(raw)
        (folder / "in").write_text(stdin or "", encoding="utf-8")
        paths = [folder / "in", folder / "out", folder / "err"]
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child leaves by os._exit; its effects are tested
            _child(args, cwd, env, paths)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        read = [p.read_text(encoding="utf-8", errors="replace") if p.exists() else "" for p in paths[1:]]
        return code if code >= 0 else 128 - code, read[0], read[1]


def exit_status(exc: SystemExit) -> int:
    """The exit status the interpreter gives a `SystemExit`: its integer code, 0 for None,
    else 1 with the code printed on stderr."""
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


def _child(args: list[str], cwd: str, env: dict[str, str], paths: list[Path]) -> None:  # pragma: no cover
    code = 1
    try:
        fds = [
            os.open(paths[0], os.O_RDONLY),
            os.open(paths[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
            os.open(paths[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        ]
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 (fd 0 outlives it)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        sys.argv = ["si", *args]
        from si_paas.cli.main import main
        from si_paas.report import console

        console.out.cache_clear()  # made for the parent's terminal, not this child's file
        console.err.cache_clear()
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exit_status(exc)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                code = code or 120
        os._exit(code & 0xFF)
