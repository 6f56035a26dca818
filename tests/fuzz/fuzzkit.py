"""What the fuzz tests share: a throwaway world per example, `si` in-process and installed,
the click tree's commands and flags, hostile values, and the one property every run keeps:
exit 0, 1 or 2, never 3, never a traceback, and one JSON document under --json."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SI = shutil.which("si", path=str(Path(sys.executable).parent)) or shutil.which("si")

# Small, reproducible budgets: CI runs the same examples every time, a few seconds a case.
FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
SLOW = settings(FAST, max_examples=12)

HOSTILE_NAMES = [
    "",
    ".",
    "..",
    "../x",
    "a/b",
    "a\\b",
    "oss-demo\n",
    "oss-demo\r",
    "\n",
    "\x00",
    "a\x00b",
    "-x",
    "--json",
    "--context",
    "a" * 65,
    "a" * 5000,
    "ok\u202eevil",
    "\u00e9t\u00e9",
    " ",
    "$(touch PWNED)",
    "`touch PWNED`",
    "~",
    "CON",
    "NUL",
    "\udcff",
    "\x1b[31mred",
    "*",
    "?",
    "internal-dogfood",
    "oss-demo",
    "x=y",
    "=",
    "k=",
    "=v",
    "TOKEN=abc",
]
HOSTILE_HOSTS = [
    "db.corp.example.",
    "deploy@db.corp.example",
    "db.corp.example:22",
    "[::1]:22",
    "::1",
    "127.0.0.1",
    "0x7f.1",
    "xn--80ak6aa92e.com",
    "\u0430pple.com",
    "a..b",
    ".",
    "-",
    "",
    "h" * 300,
    "host name",
    "host\n",
    "user@",
    "@",
    ":",
    ":99999",
    "db:-1",
]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
NAME = st.one_of(
    st.sampled_from(HOSTILE_NAMES), TEXT, st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,70}", fullmatch=True)
)
HOST = st.one_of(st.sampled_from(HOSTILE_HOSTS), TEXT)


def _safe_path(value: str) -> bool:
    """A path the fuzzer may hand a command: nothing that reaches outside the example."""
    return not (value.startswith(("/", "~")) or ".." in value or "\x00" in value)


PATHISH = st.one_of(st.sampled_from(["x", "missing/file", ".", "state.json", "-"]), TEXT.filter(_safe_path))
VALUE = st.one_of(
    NAME,
    HOST,
    PATHISH,
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(
        [
            "json",
            "sarif",
            "junit",
            "table",
            "deploy",
            "audit",
            "internal-dogfood",
            "oss-demo",
            "local",
            "ssh",
            "HEAD",
            "2026-01-31T12:00:00Z",
            "yesterday",
            "-1",
            "0",
            "1e9",
        ]
    ),
)


@dataclass
class Outcome:
    """One finished `si` run."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str


def world_env(base: Path) -> dict[str, str]:
    """The environment of a throwaway world: its own HOME, state root, keys and git config."""
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    (base / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SI_PAAS_", "GIT_")) and k != "XDG_CACHE_HOME"
    }
    env.update(
        {
            "HOME": str(home),
            "SI_PAAS_STATE_ROOT": str(home / ".si" / "paas"),
            "SI_PAAS_KEY_DIR": str(home / ".si" / "keys"),
            "NO_COLOR": "1",
            "COLUMNS": "120",
            "SI_PAAS_CACHE_DIR": os.environ.get("SI_PAAS_CACHE_DIR", str(base / "cache")),
            "GIT_CONFIG_GLOBAL": str(base / "gitconfig"),
            "GIT_AUTHOR_NAME": "Fuzz",
            "GIT_AUTHOR_EMAIL": "f@example.invalid",
            "GIT_COMMITTER_NAME": "Fuzz",
            "GIT_COMMITTER_EMAIL": "f@example.invalid",
        }
    )
    return env


@contextlib.contextmanager
def world() -> Iterator[Path]:
    """A fresh folder for one example (hypothesis runs many examples in one test)."""
    with tempfile.TemporaryDirectory(prefix="si-fuzz-") as raw:
        yield Path(raw)


def run_inproc(args: list[str], env: dict[str, str], cwd: Path, stdin: bytes = b"") -> Outcome:
    """`si ARGS` in this process (the fast way): same entry point as the console script."""
    from si_paas.cli.main import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    fake_in = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    code: Any = 0
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    saved_in = sys.stdin
    sys.stdin = fake_in
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code
    finally:
        sys.stdin = saved_in
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    code = 0 if code is None else code
    return Outcome(tuple(args), code if isinstance(code, int) else 1, out.getvalue(), err.getvalue())


def run_si(
    args: list[str], env: dict[str, str], cwd: Path, stdin: bytes = b"", timeout: float = 60
) -> Outcome:
    """The installed `si` in its own process (tests/siproc.py); a run outliving `timeout` fails."""
    from conftest import ZYGOTE

    assert SI and ZYGOTE, "the `si` console script is not installed"
    code, out, err = ZYGOTE.call(list(args), cwd=cwd, env=env, stdin=stdin, timeout=timeout)
    return Outcome(tuple(args), code, out.decode(errors="replace"), err.decode(errors="replace"))


def assert_clean(run: Outcome) -> None:
    """The property: exit 0/1/2, no traceback, no internal error, one JSON doc with --json."""
    said = f"{run.args!r} -> {run.code}\nstdout: {run.stdout[-800:]}\nstderr: {run.stderr[-800:]}"
    assert run.code in (0, 1, 2), said
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, said
    assert "internal error" not in run.stderr, said
    head = run.args[: run.args.index("--")] if "--" in run.args else run.args
    if "--json" in head and not {"--help", "-h", "--version"} & set(head):
        doc = json.loads(run.stdout)  # raises on no document or on two
        assert isinstance(doc, dict) and isinstance(doc.get("ok"), bool), said
        assert doc["ok"] is (run.code == 0), said


def leaves() -> dict[tuple[str, ...], Any]:
    """Every leaf command under `si paas`, with its click object."""
    import click

    from si_paas.cli.paas import paas

    ctx = click.Context(paas)
    found: dict[tuple[str, ...], Any] = {}

    def walk(cmd: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None:
                    walk(sub, (*path, name))
        else:
            found[path] = cmd

    walk(paas, ())
    return found


def init_contexts(env: dict[str, str], cwd: Path) -> None:
    """The runbook baseline: both contexts, one target and one app in oss-demo."""
    src = cwd / "web"
    src.mkdir(exist_ok=True)
    (src / "index.html").write_text("hi\n")
    for args in (
        ["context", "init", "--name", "internal-dogfood", "--type", "internal-dogfood"],
        ["context", "init", "--name", "oss-demo", "--type", "oss-demo"],
        ["--context", "oss-demo", "target", "add", "demo-1", "--host", "demo-1.example.test", "--disposable"],
        ["--context", "oss-demo", "app", "add", "web", "--source", str(src), "--target", "demo-1"],
    ):
        done = run_inproc(["paas", *args], env, cwd)
        assert done.code == 0, done.stderr


def git_repo(path: Path, env: dict[str, str], files: dict[str, str] | None = None) -> Path:
    """A real repository with one commit."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], env=env, check=True)
    for rel, text in (files or {"README.md": "hello\n"}).items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    subprocess.run(["git", "-C", str(path), "add", "-A"], env=env, check=True)
    subprocess.run(["git", "-C", str(path), "commit", "-qm", "init"], env=env, check=True)
    return path


class Worlds:
    """One prepared world (contexts, a target, an app, a repository), reset per example.

    The world is rebuilt at the same path each time, so the absolute paths its configs hold
    (state root, vault files) stay true and no example sees another's leftovers.
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        self.path = base / "world"
        self.env = world_env(self.path)
        self.repo = git_repo(self.path / "repo", self.env, {"app.py": "print('ok')\n"})
        init_contexts(self.env, self.path)
        self.template = base / "template"
        shutil.copytree(self.path, self.template, symlinks=True)

    @contextlib.contextmanager
    def fresh(self) -> Iterator[Path]:
        """The world as prepared; whatever an example changes is gone by the next one."""
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.copytree(self.template, self.path, symlinks=True)
        yield self.path

    @property
    def state_root(self) -> Path:
        return Path(self.env["SI_PAAS_STATE_ROOT"])
