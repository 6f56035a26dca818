"""User rule packs: a regex that can backtrack catastrophically is refused at load."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from si_paas.detect.redos import exponential_shape

from conftest import Run, write

ROOT = Path(__file__).resolve().parents[2]

PACK = """version: 1
rules:
  - id: my-token
    description: a team's own token
    keywords: [tok_]
    regex: '{regex}'
    severity: high
    examples:
      match: ["tok_abcdefghij0123456789"]
      no_match: ["nothing here"]
"""


@pytest.mark.parametrize("regex", [r"(a+)+$", r"(a|aa)*b", r"(.*a){20}"])
def test_backtracking_regex_is_refused_naming_the_rule(
    si: Callable[..., Run], tmp_path: Path, regex: str
) -> None:
    pack = write(tmp_path / "pack.yaml", PACK.format(regex=regex))
    run = si("paas", "rules", "test", "--secrets", str(pack))
    assert run.code == 2, (run.stdout, run.stderr)
    (line,) = run.stderr.strip().splitlines()
    assert "rule 'my-token' field 'regex'" in line and "backtrack catastrophically" in line
    assert str(pack) in line


def test_a_benign_rule_loads_and_runs(si: Callable[..., Run], tmp_path: Path) -> None:
    pack = write(tmp_path / "pack.yaml", PACK.format(regex=r"tok_(?:[a-z0-9]+_)*[a-z0-9]{20}"))
    run = si("paas", "rules", "test", "--secrets", str(pack), "--json")
    assert run.code == 0, run.stderr


def test_the_shipped_packs_load_and_a_copy_of_them_too(si: Callable[..., Run], tmp_path: Path) -> None:
    assert si("paas", "rules", "test").code == 0
    copy = tmp_path / "secrets.yaml"
    shutil.copy(ROOT / "rules" / "secrets.yaml", copy)
    run = si("paas", "rules", "test", "--secrets", str(copy))
    assert run.code == 0, run.stderr[-1000:]


@pytest.mark.parametrize(
    "regex",
    [
        r"(a+)+$",
        r"(a|aa)*b",
        r"(.*a){20}",
        r"(\w+\s?)+$",
        r"(x+x+)+y",
        r"((a+)b?)+c",
        r"(a|a)+c",
        r"(?:a|b|ab)+c",
        r"(a*)*c",
        r"^(\d+)*$",
    ],
)
def test_exponential_shapes(regex: str) -> None:
    assert exponential_shape(regex), regex


@pytest.mark.parametrize(
    "regex",
    [
        r"(?:[a-z0-9-]+\.)+[a-z]{2,}",
        r"(\r\n|\r)+",
        r"(ab|ac)+",
        r"(?:\d{1,3}\.){3}\d{1,3}",
        r"ghp_[A-Za-z0-9]{36}",
        r"(?>a+)+b",
        r"(a++)+b",
        r"(?:-[a-z]+)*",
        r".*a",
        r"(a+)b+",
        r"(?:\s*,\s*\w+)+",
        r"(?i)(A|a)+",
    ],
)
def test_safe_shapes(regex: str) -> None:
    assert exponential_shape(regex) is None, regex


def test_what_is_refused_really_is_slow() -> None:
    """The refused shapes do blow up in `re`; the accepted rewrites do not (bounded input)."""
    bad, good = re.compile(r"(a|aa)*b"), re.compile(r"a*b")
    text = "a" * 26 + "c"
    started = time.monotonic()
    assert good.search(text) is None
    fast = time.monotonic() - started
    started = time.monotonic()
    assert bad.search(text) is None
    assert time.monotonic() - started > 20 * max(fast, 1e-4)


def test_backtracking_private_state_pattern_is_refused(si: Callable[..., Run], tmp_path: Path) -> None:
    pack = write(
        tmp_path / "ps.yaml",
        """version: 1
description: a team's own private paths
patterns:
  - id: my-state
    description: our state folder
    pattern: '(?:^|/)(?:[a-z]+/?)+state$'
    severity: high
    examples:
      match: [ops/state]
      no_match: [docs/readme.md]
""",
    )
    run = si("paas", "rules", "test", "--private-state", str(pack))
    assert run.code == 2, (run.stdout, run.stderr)
    (line,) = run.stderr.strip().splitlines()
    assert "pattern 'my-state' field 'pattern'" in line and "backtrack catastrophically" in line
