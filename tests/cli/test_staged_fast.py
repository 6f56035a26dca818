"""`si paas scan --staged` served without click: same verdict as the full CLI, light imports."""

from __future__ import annotations

import json
import pstats
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.cli.staged import StagedOptions, parse

from conftest import SI, Run, git, write

SECRET = "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"
FULL = {"SI_PAAS_FULL_CLI": "1"}
HEAVY = ("click", "rich", "yaml", "jsonschema", "cerberus", "cryptography", "git", "multiprocessing")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["paas", "scan", "--staged"], StagedOptions()),
        (["paas", "scan", "--json", "--staged"], StagedOptions(as_json=True)),
        (["paas", "scan", "--staged", "--format", "json"], StagedOptions(as_json=True)),
        (["paas", "scan", "--staged", "--format=table", "repo"], StagedOptions(path="repo")),
        (["paas", "scan", "--staged", "--format", "sarif"], None),
        (["paas", "scan", "--staged", "--format"], None),
        (["paas", "scan", "--staged", "a", "b"], None),
        (["paas", "scan", "--staged", "--help"], None),
        (["paas", "scan", "--staged", "--baseline", "b.json"], None),
        (["paas", "--context", "oss-demo", "scan", "--staged"], None),
        (["paas", "scan"], None),
        (["paas", "doctor", "--staged"], None),
        (["paas", "scan", "--history", "--json"], StagedOptions(as_json=True, history=("HEAD",))),
        (["paas", "scan", "--history", "--all", "--json"], StagedOptions(as_json=True, history=("--all",))),
        (
            ["paas", "scan", "--since", "v1", "--history", "--format", "json"],
            StagedOptions(as_json=True, history=("v1..HEAD",)),
        ),
        (["paas", "scan", "--history", "--since=v1", "--json", "r"], StagedOptions("r", True, ("v1..HEAD",))),
        (["paas", "scan", "--history"], None),  # the table: the full CLI
        (["paas", "scan", "--history", "--format", "table", "--all"], None),
        (["paas", "scan", "--history", "--since", "v1", "--all"], None),
        (["paas", "scan", "--history", "--since"], None),
        (["paas", "scan", "--history", "--since", "--json"], None),
        (["paas", "scan", "--history", "--since", "a", "--since", "b"], None),
        (["paas", "scan", "--all"], None),
        (["paas", "scan", "--staged", "--all"], None),
        (["paas", "scan", "--staged", "--history"], None),
        (["paas", "scan", "--history", "--explain"], None),
    ],
)
def test_which_forms_take_the_quick_path(args: list[str], expected: StagedOptions | None) -> None:
    assert parse(args) == expected


def _scenarios(repo: Path, env: dict[str, str], state_root: Path) -> dict[str, Callable[[], None]]:
    def clean() -> None:
        write(repo / "app.py", "print('clean')\n")
        git(repo, env, "add", "app.py")

    def secret() -> None:
        write(repo / "deploy" / ".env", SECRET + "\n")
        git(repo, env, "add", "deploy")

    def context_copy() -> None:
        shutil.copytree(state_root / "contexts" / "oss-demo", repo / "bk" / "contexts" / "oss-demo")
        git(repo, env, "add", "bk")

    return {"clean": clean, "secret": secret, "context copy": context_copy}


@pytest.mark.parametrize("scenario", ["clean", "secret", "context copy"])
def test_quick_path_and_full_cli_agree(
    si: Callable[..., Run],
    make_repo: Callable[..., Path],
    env: dict[str, str],
    baseline: Callable[..., Run],
    state_root: Path,
    scenario: str,
) -> None:
    repo = make_repo()
    _scenarios(repo, env, state_root)[scenario]()
    quick = si("paas", "scan", "--staged", "--json", cwd=repo)
    full = si("paas", "scan", "--staged", "--json", cwd=repo, extra_env=FULL)
    assert quick.code == full.code == (0 if scenario == "clean" else 1)
    assert quick.json == full.json
    assert quick.json["scope"] == "pre-commit" and quick.json["command"] == "scan"
    if scenario != "clean":  # findings: the same rich report either way
        table = si("paas", "scan", "--staged", cwd=repo)
        assert table.stdout == si("paas", "scan", "--staged", cwd=repo, extra_env=FULL).stdout
        assert "fix:" in table.stdout and "q8Zt3LmW9xK2" not in table.stdout


def _history_scenarios(repo: Path, env: dict[str, str], state_root: Path) -> dict[str, Callable[[], None]]:
    def commit(stage: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            stage()
            git(repo, env, "commit", "-qm", "change")
            write(repo / "later.py", "print('later')\n")  # a second commit, for --since
            git(repo, env, "add", "later.py")
            git(repo, env, "commit", "-qm", "later")

        return run

    return {name: commit(stage) for name, stage in _scenarios(repo, env, state_root).items()}


@pytest.mark.parametrize("scenario", ["clean", "secret", "context copy"])
@pytest.mark.parametrize("revs", [["--all"], [], ["--since", "HEAD~1"]], ids=["all", "head", "since"])
def test_quick_history_and_full_cli_agree(
    si: Callable[..., Run],
    make_repo: Callable[..., Path],
    env: dict[str, str],
    baseline: Callable[..., Run],
    state_root: Path,
    scenario: str,
    revs: list[str],
) -> None:
    repo = make_repo()
    _history_scenarios(repo, env, state_root)[scenario]()
    args = ("paas", "scan", "--history", *revs)
    quick = si(*args, "--json", cwd=repo)
    full = si(*args, "--json", cwd=repo, extra_env=FULL)
    # A --since range starts after the commit that holds the change.
    expected = 0 if scenario == "clean" or revs[:1] == ["--since"] else 1
    assert quick.code == full.code == expected, (quick.stderr, full.stderr)
    assert quick.json == full.json
    assert quick.json["scope"] == "ci" and quick.json["command"] == "scan"
    assert "q8Zt3LmW9xK2" not in quick.stdout


def test_clean_verdict_is_plain_text(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    write(repo / "app.py", "print('clean')\n")
    git(repo, env, "add", "app.py")
    run = si("paas", "scan", "--staged", cwd=repo)
    assert run.code == 0 and run.stderr == ""
    lines = run.stdout.splitlines()
    assert lines[0] == "si paas scan"
    assert re.fullmatch(r"  PASS  no-plaintext-secrets +critical  No plaintext secrets.*", lines[1])
    assert lines[-1] == "ok: 2 policies passed, 0 failed, 0 warnings, 0 disabled"


def test_errors_match_the_full_cli(si: Callable[..., Run], tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    for extra in ({}, FULL):
        run = si("paas", "scan", "--staged", cwd=plain, extra_env=extra)
        assert run.code == 2 and run.stdout == ""
        assert run.stderr == "si paas scan: error: --staged: '.' is not inside a git repository\n"
    quick = si("paas", "scan", "--staged", "--json", cwd=plain)
    full = si("paas", "scan", "--staged", "--json", cwd=plain, extra_env=FULL)
    assert quick.code == full.code == 2 and quick.json == full.json
    assert quick.json["error"]["exit_code"] == 2


def _imported(run: Run) -> set[str]:
    """Top-level packages named by `python -X importtime` (PYTHONPROFILEIMPORTTIME)."""
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", run.stderr, re.MULTILINE)
    assert names, run.stderr[:500]
    return {name.split(".")[0] for name in names}


@pytest.mark.own_cache  # the first run must find the packs unchecked
def test_a_clean_staged_scan_loads_no_framework(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    write(repo / "app.py", "print('clean')\n")
    git(repo, env, "add", "app.py")
    trace = {"PYTHONPROFILEIMPORTTIME": "1"}
    cold = si("paas", "scan", "--staged", cwd=repo, extra_env=trace)
    assert cold.code == 0
    # The first run checks the packs (YAML, JSON Schema, cerberus) and keeps the result...
    assert {"yaml", "jsonschema", "cerberus"} <= _imported(cold)
    warm = si("paas", "scan", "--staged", cwd=repo, extra_env=trace)
    assert warm.code == 0
    # ...so the hook's every later run needs none of them, nor the CLI and table libraries.
    assert not _imported(warm) & set(HEAVY), sorted(_imported(warm) & set(HEAVY))
    assert {"si_paas", "ahocorasick"} <= _imported(warm)
    full = si("paas", "scan", "--staged", cwd=repo, extra_env={**trace, **FULL})
    assert {"click", "rich"} <= _imported(full)


_TOKENS = st.sampled_from(
    [
        "--staged",
        "--json",
        "--format",
        "--format=json",
        "--format=table",
        "json",
        "table",
        "sarif",
        "repo",
        "other",
        "--baseline",
        "-h",
        "--history",
        "--all",
        "--since",
        "--since=v1",
        "v1",
    ]
)


@settings(max_examples=300, deadline=None)
@given(rest=st.lists(_TOKENS, max_size=6))
def test_quick_path_reads_arguments_as_click_does(rest: list[str]) -> None:
    """Whenever the quick path takes a command line, click reads it the same way."""
    import click

    from si_paas.cli.scan import scan

    opts = parse(["paas", "scan", *rest])
    if opts is None:
        return
    ctx = scan.make_context("scan", list(rest))  # raises if click would refuse it
    params = ctx.params
    assert params["staged"] is (opts.history is None) and params["history"] is (opts.history is not None)
    assert params["paths"] == ((opts.path,) if opts.path else ())
    assert (params["as_json"] or params["fmt"] == "json") == opts.as_json
    assert params["fmt"] in ("table", "json")
    assert not any(params[k] for k in ("baseline", "output", "update_baseline"))
    if opts.history is None:
        assert not params["since"] and not params["all_refs"]
    else:  # what the click command would pass on, from the same words
        assert opts.as_json and not (params["since"] and params["all_refs"])
        since, all_refs = params["since"], params["all_refs"]
        assert opts.history == (("--all",) if all_refs else ((f"{since}..HEAD",) if since else ("HEAD",)))
    assert isinstance(ctx, click.Context)


def test_the_quick_path_exits_without_the_interpreter_teardown(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    """A quick scan's atexit handlers run and its output is whole, but the objects left at
    exit are never freed one by one; the full CLI exits as the interpreter does."""
    site, marks = tmp_path / "site", tmp_path / "marks"
    site.mkdir()
    marks.mkdir()
    (site / "sitecustomize.py").write_text(
        "import atexit, os\n"
        f"MARKS = {str(marks)!r}\n"
        "def _mark(name, _open=open, _join=os.path.join):\n"
        "    with _open(_join(MARKS, name), 'w'):\n"
        "        pass\n"
        "atexit.register(_mark, 'atexit')\n"
        "class _Teardown:\n"
        "    def __del__(self, _mark=_mark):\n"
        "        _mark('teardown')\n"
        "KEPT = _Teardown()\n",
        encoding="utf-8",
    )
    repo = make_repo(files={"app.py": "print('clean')\n"})
    fresh = {"PYTHONPATH": str(site)}  # a fresh interpreter that loads the marks
    quick = si("paas", "scan", "--history", "--json", cwd=repo, extra_env=fresh)
    assert quick.code == 0 and json.loads(quick.stdout)["ok"] is True, quick.stderr
    assert sorted(p.name for p in marks.iterdir()) == ["atexit"]
    for mark in marks.iterdir():
        mark.unlink()
    full = si("paas", "scan", "--history", cwd=repo, extra_env=fresh)  # the table: full CLI
    assert full.code == 0, full.stderr
    assert sorted(p.name for p in marks.iterdir()) == ["atexit", "teardown"]


def test_under_a_profiler_the_quick_path_exits_as_usual(
    make_repo: Callable[..., Path], env: dict[str, str], tmp_path: Path
) -> None:
    """cProfile writes its file when the script returns, which a quick exit would skip."""
    assert SI is not None
    repo = make_repo(files={"app.py": "print('clean')\n"})
    out = tmp_path / "scan.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), SI, "paas", "scan", "--history", "--json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["ok"] is True, done.stderr
    assert pstats.Stats(str(out)).total_calls > 0
