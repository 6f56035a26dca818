"""Escape sequences in file names and contents never reach the terminal raw; JSON is exact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run, git

ESC_NAME = "evil\x1b]0;pwned\x07\x1b[2J\u202e.env"
LINE = "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC  # \x1b[31mred\x1b[0m\r\x08\n"
RAW = ("\x1b", "\x07", "\r", "\x08", "\u202e")


def test_human_output_escapes_controls_and_json_keeps_them(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    (repo / ESC_NAME).write_bytes(LINE.encode())
    (repo / "ops" / "a\x1b[2Jb").mkdir(parents=True)
    (repo / "ops" / "a\x1b[2Jb" / "current_context").write_text("oss-demo\x1b[2J\n")
    table = si("paas", "scan", cwd=repo)
    assert table.code == 1
    for raw in RAW:
        assert raw not in table.stdout + table.stderr, repr(raw)
    assert "\\x1b]0;pwned\\x07" in table.stdout and "\\u202e" in table.stdout
    doc = si("paas", "scan", "--json", cwd=repo).json
    paths = {f["extra"]["relpath"] for c in doc["checks"] for f in c["findings"]}
    assert ESC_NAME in paths and "ops/a\x1b[2Jb/current_context" in paths
    git(repo, env, "add", "-A")
    for extra in ({}, {"SI_PAAS_FULL_CLI": "1"}):
        hook = si("paas", "scan", "--staged", cwd=repo, extra_env=extra)
        assert hook.code == 1
        for raw in RAW:
            assert raw not in hook.stdout + hook.stderr, (extra, repr(raw))


def test_error_lines_escape_controls(si: Callable[..., Run], tmp_path: Path) -> None:
    run = si("paas", "scan", str(tmp_path / "no\x1b[2Jsuch"))
    assert run.code == 2 and "\x1b" not in run.stderr
