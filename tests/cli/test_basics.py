"""Help, version, usage errors and start-up cost of the `si` command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from conftest import Run


def test_help_reads_well(si: Callable[..., Run]) -> None:
    top = si("--help")
    assert top.code == 0 and "paas" in top.stdout
    paas = si("paas", "--help")
    assert paas.code == 0
    for word in ("context", "target", "app", "events", "doctor", "scan", "hook", "demo",
                 "Exit codes", "--context"):
        assert word in paas.stdout
    assert "si paas context init --name internal-dogfood" in paas.stdout


def test_version(si: Callable[..., Run]) -> None:
    run = si("paas", "--version")
    assert run.code == 0 and "0.1.0" in run.stdout


@pytest.mark.parametrize("args", [
    ("paas", "nosuch"),
    ("paas", "target", "add"),
    ("paas", "events", "list", "--limit", "ten"),
    ("paas", "doctor", "--bogus"),
])
def test_usage_errors_are_one_line(si: Callable[..., Run], args: tuple[str, ...]) -> None:
    run = si(*args)
    assert run.code == 2
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr and "error:" in run.stderr


def test_help_imports_nothing_heavy(env: dict[str, str]) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "si_paas", "paas", "--help"],
                          env=env, capture_output=True, text=True, check=True)
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    for heavy in ("jsonschema", "git", "yaml", "rich", "cryptography", "ahocorasick", "cerberus"):
        assert heavy not in imported, heavy
