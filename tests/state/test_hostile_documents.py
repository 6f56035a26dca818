"""Documents and trees built to break readers: deep nesting, integers over Python's
4300-digit limit, folders 1,300 levels deep, paths over the system's limit and a file named
"\\n" in history. Each is exit 2 with one line naming the file, a finding, or a counted skip;
never an internal error (exit 3)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import Run, git, write

CTX = "oss-demo"
HUGE = "9" * 5000
TOKEN = "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"


@pytest.fixture
def si1(si: Callable[..., Run]) -> Callable[..., Run]:
    assert si("paas", "context", "init", "--name", CTX, "--type", CTX).code == 0
    return si


def _one_line(run: Run, code: int = 2) -> str:
    assert run.code == code, (run.code, run.stdout[-500:], run.stderr[-500:])
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr[-2000:]
    return lines[0]


def _remove_deep(path: Path) -> None:
    """Remove a tree of any depth through directory descriptors (shutil.rmtree recurses, and
    pytest's own clean-up of old temp folders would fail on what these tests leave)."""
    fds, names = [os.open(path, os.O_RDONLY | os.O_DIRECTORY)], [""]
    while fds:
        sub = None
        for entry in os.scandir(fds[-1]):
            if entry.is_dir(follow_symlinks=False):
                sub = entry.name
                break
            os.unlink(entry.name, dir_fd=fds[-1])
        if sub is not None:
            fds.append(os.open(sub, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fds[-1]))
            names.append(sub)
            continue
        os.close(fds.pop())
        name = names.pop()
        if fds:
            os.rmdir(name, dir_fd=fds[-1])
    os.rmdir(path)


@pytest.fixture
def deep_dirs() -> Iterator[Callable[[Path, int], None]]:
    """Make deep trees with `deep_dirs(base, depth)`; every one is removed afterwards."""
    made: list[Path] = []

    def make(base: Path, depth: int) -> None:
        made.append(base)
        _deep_dirs(base, depth)

    yield make
    for base in made:
        if base.exists():
            _remove_deep(base)


def _deep_dirs(base: Path, depth: int, name: str = "d") -> None:
    """`depth` nested folders under `base`, made through directory descriptors (no long paths)."""
    base.mkdir(parents=True, exist_ok=True)
    fd = os.open(base, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, 0o700, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        leaf = os.open("leaf.env", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
        os.write(leaf, f"API_TOKEN={TOKEN}\n".encode())
        os.close(leaf)
    finally:
        os.close(fd)


# -- nesting and huge integers in JSON and YAML ------------------------------------------------


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 150 + "1" + "}" * 150])
def test_deeply_nested_bundle_is_one_line(si1: Callable[..., Run], tmp_path: Path, body: str) -> None:
    bundle = write(tmp_path / "deep.json", body)
    line = _one_line(si1("paas", "--context", CTX, "context", "import", str(bundle)))
    assert str(bundle) in line and "nests deeper than 100 levels" in line


def test_bundle_with_a_huge_integer_is_one_line(si1: Callable[..., Run], tmp_path: Path) -> None:
    bundle = write(tmp_path / "big.json", '{"schema_version": ' + HUGE + "}")
    line = _one_line(si1("paas", "--context", CTX, "context", "import", str(bundle), "--json"))
    assert "more than 4300 digits" in line and str(bundle) in line


def test_huge_integer_or_deep_nesting_in_state_files(si1: Callable[..., Run], state_root: Path) -> None:
    config = state_root / "contexts" / CTX / "config.json"
    good = json.loads(config.read_text())
    config.write_text(json.dumps(good)[:-1] + ', "extra": ' + HUGE + "}")
    for args in (("doctor",), ("--context", CTX, "target", "list"), ("context", "list")):
        line = _one_line(si1("paas", *args))
        assert str(config) in line and "4300 digits" in line, args
    config.write_text(json.dumps(good))
    targets = write(
        state_root / "contexts" / CTX / "targets.json", '{"items": ' + "[" * 3000 + "]" * 3000 + "}"
    )
    targets.chmod(0o600)
    line = _one_line(si1("paas", "--context", CTX, "target", "list"))
    assert str(targets) in line and "nests deeper" in line


def test_huge_integer_in_an_event_line_is_a_skipped_line(si1: Callable[..., Run], state_root: Path) -> None:
    log = state_root / "contexts" / CTX / "events" / "audit.jsonl"
    with log.open("a") as fh:
        fh.write('{"kind": "audit", "n": ' + HUGE + "}\n")
    run = si1("paas", "--context", CTX, "events", "list", "--json")
    assert run.code == 0, run.stderr
    doctor = si1("paas", "doctor", "--json")
    intact = next(c for c in doctor.json["checks"] if c["id"] == "state-records-intact")
    assert [f["message"] for f in intact["findings"]] == ["invalid JSON record; readers skip this line"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("id: x\nwith:\n  n: " + HUGE + "\n", "4300 digits"),
        ("a: " + "[" * 500 + "]" * 500 + "\n", "nests deeper than 100 levels"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nesting depth"),
    ],
)
def test_hostile_policy_files(si1: Callable[..., Run], tmp_path: Path, text: str, needle: str) -> None:
    pol = write(tmp_path / "pol" / "p.yaml", text)
    for args in (
        ("policy", "list", "--policies", str(pol.parent)),
        ("doctor", "--policies", str(pol.parent)),
    ):
        line = _one_line(si1("paas", *args))
        assert str(pol) in line and needle in line, line


def test_huge_integer_in_a_rule_pack(si: Callable[..., Run], tmp_path: Path) -> None:
    pack = write(tmp_path / "r.yaml", f"version: 1\nrules:\n  - id: x\n    n: {HUGE}\n")
    line = _one_line(si("paas", "rules", "test", "--secrets", str(pack)))
    assert "4300 digits" in line and str(pack) in line


# -- current_context ---------------------------------------------------------------------------


def test_non_utf8_current_context(si1: Callable[..., Run], state_root: Path) -> None:
    selected = state_root / "current_context"
    selected.write_bytes(b"\xff\xfeoss-demo\n")
    selected.chmod(0o600)
    line = _one_line(si1("paas", "target", "list"))
    assert str(selected) in line and "not valid UTF-8" in line
    doctor = si1("paas", "doctor", "--json")
    assert doctor.code == 0  # state-records-intact is medium: a warning, not a block
    intact = next(c for c in doctor.json["checks"] if c["id"] == "state-records-intact")
    (finding,) = intact["findings"]
    assert finding["path"] == str(selected) and "not valid UTF-8" in finding["message"]
    assert "context use" in finding["message"]
    assert si1("paas", "context", "use", CTX).code == 0
    assert si1("paas", "target", "list").code == 0


# -- deep trees, long paths, odd names ---------------------------------------------------------


def test_deep_folders_in_the_state_root_are_a_finding(
    si1: Callable[..., Run], state_root: Path, deep_dirs: Callable[[Path, int], None]
) -> None:
    deep_dirs(state_root / "contexts" / CTX / "junk", 1300)
    doctor = si1("paas", "doctor", "--json")
    assert doctor.code == 1, doctor.stderr[-500:]
    perms = next(c for c in doctor.json["checks"] if c["id"] == "state-permissions")
    assert any("deeper than 256 levels: 1 not judged" in f["message"] for f in perms["findings"])
    listed = si1("paas", "--context", CTX, "target", "list", "--json")
    assert listed.code == 0 and "internal error" not in listed.stderr


def test_deep_folders_in_a_plain_folder_scan_are_counted(
    si: Callable[..., Run], tmp_path: Path, deep_dirs: Callable[[Path, int], None]
) -> None:
    plain = tmp_path / "plain"
    deep_dirs(plain, 1300)
    write(plain / "top.env", f"API_TOKEN={TOKEN}\n")
    run = si("paas", "scan", str(plain), "--json")
    assert run.code == 1, run.stderr[-500:]
    (stats,) = run.json["skipped"].values()
    assert stats["skipped"] == {"folders deeper than 256 levels": 1}


def test_deep_source_folder_refuses_the_deploy(
    si: Callable[..., Run], tmp_path: Path, deep_dirs: Callable[[Path, int], None]
) -> None:
    ctx = "internal-dogfood"
    assert si("paas", "context", "init", "--name", ctx, "--type", ctx).code == 0
    src = tmp_path / "app"
    deep_dirs(src, 300)
    assert (
        si(
            "paas",
            "--context",
            ctx,
            "target",
            "add",
            "t",
            "--host",
            "localhost",
            "--transport",
            "local",
            "--path",
            str(tmp_path / "srv"),
        ).code
        == 0
    )
    assert si("paas", "--context", ctx, "app", "add", "a", "--source", str(src), "--target", "t").code == 0
    line = _one_line(si("paas", "--context", ctx, "deploy", "--app", "a", "--target", "t", "--first-deploy"))
    assert "folders deeper than 256 levels" in line


@pytest.mark.parametrize(
    "args",
    [
        ("policy", "list", "--policies", "{long}"),
        ("doctor", "--repo", "{long}"),
        ("scan", "{long}"),
        ("--context", CTX, "app", "add", "w", "--source", "{long}", "--target", "t"),
    ],
)
def test_over_long_paths_are_one_line(si1: Callable[..., Run], args: tuple[str, ...]) -> None:
    long = "/tmp/" + "/".join(["y" * 250] * 20)
    line = _one_line(si1("paas", *(a.replace("{long}", long) for a in args)))
    assert "path or file name too long" in line and len(line) < 300


def test_over_long_state_root_is_one_line(si: Callable[..., Run]) -> None:
    long = "/tmp/" + "/".join(["y" * 250] * 20)
    line = _one_line(si("paas", "doctor", extra_env={"SI_PAAS_STATE_ROOT": long}))
    assert "path or file name too long" in line


def test_a_file_named_newline_in_history(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    write(repo / "\n", f"API_TOKEN={TOKEN}\n")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "odd name")
    run = si("paas", "scan", "--history", "--json", cwd=repo)
    assert run.code == 1, run.stderr
    paths = [f["path"] for c in run.json["checks"] for f in c["findings"]]
    assert str(repo / "\n") in paths and TOKEN not in run.stdout


def test_a_policy_example_with_a_broken_deploy_plan(si: Callable[..., Run], tmp_path: Path) -> None:
    pol = write(
        tmp_path / "pol" / "p.yaml",
        """id: my-pol
title: a title long enough
severity: low
scopes: [deploy]
check: deploy.rollback_ready
description: a description that is long enough
remediation: do the thing that fixes it properly
examples:
  fail:
    - name: bad plan
      files:
        deploy-plan.json: '{"a": [[[[ """
        + "[" * 200
        + """'
  pass:
    - name: ok
      files: {}
""",
    )
    line = _one_line(si("paas", "policy", "test", "--policies", str(pol.parent)))
    assert str(pol) in line and "example 'bad plan'" in line and "deploy-plan.json" in line
