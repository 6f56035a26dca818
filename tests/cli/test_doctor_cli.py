"""`si paas doctor` as a user meets it: what it judges, plain folders, progress on a terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
from collections.abc import Callable
from pathlib import Path

from conftest import SI, Run, write

SECRET = "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"


def test_a_plain_folder_is_refused_not_walked(baseline: Callable[..., Run], tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    write(plain / "deep" / "er" / ".env", SECRET + "\n")
    for extra in ((), ("--json",)):
        run = baseline("paas", "doctor", "--repo", str(plain), *extra)
        assert run.code == 2, run.stdout
        assert len(run.stderr.strip().splitlines()) == 1
        assert "not inside a git repository" in run.stderr and "si paas scan" in run.stderr
        if extra:
            assert run.json["error"]["exit_code"] == 2


def test_a_subfolder_of_a_repo_judges_the_repo(
    baseline: Callable[..., Run], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(files={"src/app.py": "print('ok')\n", ".env": SECRET + "\n"})
    run = baseline("paas", "doctor", "--repo", str(repo / "src"), "--json")
    assert run.code == 1 and run.json["repos"] == [str(repo)]


def test_human_output_says_what_is_judged(
    baseline: Callable[..., Run], state_root: Path, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(files={"a.py": "print(1)\n", "b.py": "print(2)\n"})
    run = baseline("paas", "doctor", "--repo", str(repo))
    assert run.code == 0, run.stdout
    head = run.stdout.splitlines()[:3]
    assert head[0].split() == ["state", "root", str(state_root)]
    assert head[1].split() == ["contexts", "internal-dogfood,", "oss-demo"]
    assert head[2].split() == ["repositories", str(repo), "(2", "files)"]
    alone = baseline("paas", "--context", "oss-demo", "doctor")
    assert "contexts      oss-demo" in alone.stdout
    assert "repositories  none (run inside a repository or pass --repo PATH)" in alone.stdout


def test_progress_on_a_terminal(
    baseline: Callable[..., Run], env: dict[str, str], make_repo: Callable[..., Path], home: Path
) -> None:
    repo = make_repo()
    master, slave = pty.openpty()
    # Wide enough that the progress line holds the test's long temporary paths unshortened.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 1000, 0, 0))
    proc = subprocess.Popen(
        [str(SI), "paas", "doctor", "--repo", str(repo)],
        cwd=home,
        env={**env, "TERM": "xterm"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    said = b""
    while True:  # bounded: the process ends, the pty closes, or 120 s pass
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        said += chunk
    os.close(master)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    text = said.decode(errors="replace")
    said_words = " ".join(text.split())  # the spinner wraps its line at a space
    assert f"doctor: judging the state root {home / '.si' / 'paas'} and {repo}" in said_words
    assert b"doctor:" not in out  # progress never reaches stdout
    piped = baseline("paas", "doctor", "--repo", str(repo))
    assert "doctor:" not in piped.stderr  # nor a log that is not a terminal


def test_git_errors_are_one_clear_line(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path, env: dict[str, str]
) -> None:
    repo = make_repo()
    bad = si("paas", "scan", "--history", "--since", "nosuchrev", cwd=repo)
    assert bad.code == 2 and bad.stderr.strip() == (
        f"si paas scan: error: --since 'nosuchrev': names no commit in {repo} "
        "(give a commit, tag or branch, e.g. --since origin/main)"
    )
    option = si(
        "paas",
        "scan",
        "--history",
        "--since",
        "--output=x",
        cwd=repo,
    )
    assert option.code == 2 and "names no commit" in option.stderr
    assert not (repo / "x").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    subprocess.run(["git", "init", "-q", str(empty)], env=env, check=True)
    for args in (("--history",), ("--history", "--all"), ("--history", "--since", "HEAD~1")):
        run = si("paas", "scan", *args, "--json", cwd=empty)
        assert run.code == 2 and "has no commits yet" in run.json["error"]["message"], run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
        table = si("paas", "scan", *args, cwd=empty)  # the full CLI: the same one line
        assert table.code == 2 and table.stdout == "", table.stdout
        assert table.stderr.strip().splitlines() == run.stderr.strip().splitlines()
    assert si("paas", "doctor", cwd=empty).code == 0  # an empty work tree is judged as such
    assert si("paas", "scan", "--staged", cwd=empty).code == 0
