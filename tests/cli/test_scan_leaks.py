"""No secret reaches any report or the hook's output, however often a line repeats it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git, write

SECRET = "Hx9kQ2mZ7vB4nR8pL3sT6wY1"
LINE = f'API_TOKEN="{SECRET}"  # old value was "{SECRET}", before that \\"{SECRET}\\"\n'


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "junit"])
def test_repeated_secret_is_redacted_in_every_format(
    si: Callable[..., Run], make_repo: Callable[..., Path], fmt: str
) -> None:
    repo = make_repo(files={".env": LINE})
    run = si("paas", "scan", "--format", fmt, cwd=repo)
    assert run.code == 1, run.stderr
    assert SECRET[4:] not in run.stdout + run.stderr
    assert "old value was" in run.stdout or fmt == "table"


def test_repeated_secret_is_redacted_in_the_hook(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    write(repo / ".env", LINE)
    git(repo, env, "add", ".env")
    for extra in ({}, {"SI_PAAS_FULL_CLI": "1"}):
        for args in (("paas", "scan", "--staged"), ("paas", "scan", "--staged", "--json")):
            run = si(*args, cwd=repo, extra_env=extra)
            assert run.code == 1
            assert SECRET[4:] not in run.stdout + run.stderr
