"""Policy example file names are relative, normalised and contained; others are refused."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from si_paas.engine.policy import example_path_problem, load_policy_file
from si_paas.errors import InputError

from conftest import Run, write

POLICY = """\
id: my-check
title: my check
severity: medium
scopes: [doctor]
check: repo.no_private_state
remediation: fix it
examples:
  fail:
    - name: hostile
      files:
        {name}: "x\\n"
"""

parts = st.one_of(
    st.sampled_from(["..", ".", "", ".git", ".GIT", "a", "b.txt", "\\\\x", "x\\0"]),
    st.text(min_size=0, max_size=6),
)
names = st.builds(
    lambda lead, ps: lead + "/".join(ps),
    st.sampled_from(["", "/", "repo/", "state/", "//", "repo/../", "~/", "C:"]),
    st.lists(parts, min_size=0, max_size=5),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names)
def test_accepted_names_always_land_inside(name: str, tmp_path_factory: object) -> None:
    """Whatever the name, either it is refused or it resolves inside the example folder."""
    if example_path_problem(name) is not None or name == "deploy-plan.json":
        return
    root = Path("/nonexistent-root/example")
    target = Path(os.path.normpath(root / name))
    assert root in target.parents
    assert name.split("/")[0] in ("repo", "state", "backups") and ".." not in name.split("/")
    assert ".git" not in [p.lower() for p in name.split("/")]


def test_the_deploy_plan_is_the_one_bare_name() -> None:
    """`deploy-plan.json` names the deploy scope's plan (never written); nothing else bare."""
    assert example_path_problem("deploy-plan.json") is None
    for name in ("deploy-plan.json/x", "./deploy-plan.json", "deploy-plan.jsonx", "plan.json"):
        assert example_path_problem(name) is not None


def test_hostile_names_are_refused_at_load(tmp_path: Path) -> None:
    for name in (
        "/tmp/escape.txt",
        "repo/../../escape.txt",
        "../escape.txt",
        "repo/./a",
        "repo//a",
        "repo/.git/config",
        "other/a",
        "repo",
        "repo/a\\b",
    ):
        path = write(tmp_path / "p.yaml", POLICY.format(name=json.dumps(name)))
        try:
            load_policy_file(path)
        except InputError as exc:
            assert str(path) in exc.message and "examples.fail[0].files" in exc.message
            assert "\n" not in exc.message
        else:
            raise AssertionError(f"{name!r} was accepted")


def test_policy_test_never_writes_outside(si: Callable[..., Run], tmp_path: Path) -> None:
    outside = tmp_path / "escaped"
    for name in (
        str(outside / "abs.txt"),
        "repo/../../../../../../" + str(outside / "up.txt"),
        "repo/.git/config",
    ):
        folder = tmp_path / f"policies-{abs(hash(name))}"
        write(folder / "p.yaml", POLICY.format(name=json.dumps(name)))
        run = si("paas", "policy", "test", "--policies", str(folder))
        assert run.code == 2, (run.stdout, run.stderr)
        assert "p.yaml" in run.stderr and len(run.stderr.strip().splitlines()) == 1
        assert not outside.exists()
