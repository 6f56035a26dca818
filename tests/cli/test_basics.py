"""Help, version, usage errors and start-up cost of the `si` command."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run


def test_help_reads_well(si: Callable[..., Run]) -> None:
    top = si("--help")
    assert top.code == 0 and "paas" in top.stdout
    paas = si("paas", "--help")
    assert paas.code == 0
    for word in (
        "context",
        "target",
        "app",
        "events",
        "doctor",
        "scan",
        "hook",
        "demo",
        "Exit codes",
        "--context",
    ):
        assert word in paas.stdout
    assert "si paas context init --name internal-dogfood" in paas.stdout


def test_version(si: Callable[..., Run]) -> None:
    run = si("paas", "--version")
    assert run.code == 0 and "0.1.0" in run.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("paas", "nosuch"),
        ("paas", "target", "add"),
        ("paas", "events", "list", "--limit", "ten"),
        ("paas", "doctor", "--bogus"),
    ],
)
def test_usage_errors_are_one_line(si: Callable[..., Run], args: tuple[str, ...]) -> None:
    run = si(*args)
    assert run.code == 2
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr and "error:" in run.stderr


def test_help_imports_nothing_heavy(env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "si_paas", "paas", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    for heavy in ("jsonschema", "git", "yaml", "rich", "cryptography", "ahocorasick", "cerberus"):
        assert heavy not in imported, heavy


def _leaves() -> list[tuple[str, ...]]:
    """Every leaf command under `si paas`, as its words, found by walking the click tree."""
    import click

    from si_paas.cli.paas import paas

    ctx = click.Context(paas)
    found: list[tuple[str, ...]] = []

    def walk(cmd: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                assert sub is not None, name
                walk(sub, (*path, name))
        else:
            found.append(path)

    walk(paas, ())
    return found


def _required_args(path: tuple[str, ...]) -> list[str]:
    """Plausible values for a command's required arguments and options."""
    import click

    from si_paas.cli.paas import paas

    ctx = click.Context(paas)
    cmd: click.Command | None = paas
    for word in path:
        assert isinstance(cmd, click.Group)
        cmd = cmd.get_command(ctx, word)
    assert cmd is not None
    args: list[str] = []
    for param in cmd.params:
        if not param.required:
            continue
        value = param.type.choices[0] if isinstance(param.type, click.Choice) else "x"
        args += [str(value)] if isinstance(param, click.Argument) else [param.opts[0], str(value)]
    return args


LEAVES = _leaves()


def _one_json_error(run: Run) -> dict[str, object]:
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    doc = run.json  # exactly one document: json.loads refuses anything after it
    assert doc["ok"] is False and doc["error"]["exit_code"] == 2
    assert {"ok", "command", "context", "error"} <= set(doc)
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    return doc


def test_every_command_is_enumerated() -> None:
    from si_paas.cli.paas import SUBCOMMANDS

    assert {path[0] for path in LEAVES} == set(SUBCOMMANDS)
    assert ("scan",) in LEAVES and ("target", "add") in LEAVES and len(LEAVES) > 20


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_unknown_context_is_exit_2_for_every_command(si: Callable[..., Run], path: tuple[str, ...]) -> None:
    run = si("paas", "--context", "nope", *path, *_required_args(path), "--json", input="")
    doc = _one_json_error(run)
    assert "'nope'" in doc["error"]["message"] and doc["context"] == "nope"
    after = si("paas", *path, *_required_args(path), "--context", "nope", input="")
    assert after.code == 2 and "'nope'" in after.stderr and after.stdout == ""


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_usage_errors_are_one_json_document(si: Callable[..., Run], path: tuple[str, ...]) -> None:
    doc = _one_json_error(si("paas", *path, "--no-such-flag", "--json"))
    assert doc["command"] == " ".join(path)
    assert "--no-such-flag" in doc["error"]["message"]


@pytest.mark.parametrize(
    "args",
    [
        ("paas", "nosuch", "--json"),
        ("paas", "target", "nosuch", "--json"),
        ("paas", "target", "add", "--json"),  # missing argument
        ("paas", "events", "list", "--limit", "ten", "--json"),
        ("paas", "scan", "--since", "HEAD", "--all", "--json"),
        ("paas", "scan", "--staged", "--history", "--json"),
        ("paas", "scan", "--json", "--format", "sarif"),
        ("paas", "scan", "--json", "--format", "junit"),
        ("paas", "scan", "--staged", "--json", "--format", "table"),
        ("paas", "--context", "a", "target", "list", "--context", "b", "--json"),
        ("paas", "--context", "../x", "target", "list", "--json"),
        ("paas", "--json"),
    ],
)
def test_conflicts_and_unknown_commands_are_one_json_document(
    si: Callable[..., Run], args: tuple[str, ...]
) -> None:
    _one_json_error(si(*args))


def test_scan_json_with_a_report_file_obeys_both(
    si: Callable[..., Run], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(files={".env": "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC\n"})
    run = si("paas", "scan", "--json", "--format", "sarif", "--output", "out.sarif", cwd=repo)
    assert run.code == 1 and run.json["command"] == "scan" and run.json["ok"] is False
    sarif = json.loads((repo / "out.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    plain = si("paas", "scan", "--format", "json", cwd=repo)
    assert plain.code == 1 and plain.json["checks"] == run.json["checks"]


def test_a_report_that_cannot_be_written_is_exit_2(
    si: Callable[..., Run], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo()
    (repo / "taken").write_text("a file, not a folder\n")
    for extra in ((), ("--json",)):
        run = si("paas", "scan", "--format", "sarif", "--output", "taken/x.sarif", *extra, cwd=repo)
        assert run.code == 2 and "taken" in run.stderr and "internal error" not in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
        if extra:
            assert run.json["ok"] is False
