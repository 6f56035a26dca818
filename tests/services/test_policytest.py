"""`si paas policy test` over the shipped pack: every policy proves its verdict both ways."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from si_paas.engine.policy import load_policies, load_policy_file
from si_paas.errors import ExitCode, InputError
from si_paas.resources import data_dir
from si_paas.services import policytest
from si_paas.services.invocation import Invocation
from si_paas.services.judge import build_snapshot
from si_paas.state.layout import StateLayout

from conftest import Run, write

SHIPPED = sorted(p.stem for p in (data_dir("policies")).glob("*.yaml"))

# declared commands are called with an invocation; these have no context and no audit line
_INV = Invocation(command="policy test", layout=StateLayout(Path("/nonexistent/si-paas-state")))


def test_every_shipped_policy_has_passing_and_failing_examples_that_hold() -> None:
    result = policytest.test_policies(_INV, ())
    assert result.ok and result.exit_code == ExitCode.OK, [i for i in result.payload["items"] if not i["ok"]]
    assert result.payload["without_examples"] == [] and result.payload["failed"] == 0
    counts = Counter((i["policy"], i["expect"]) for i in result.payload["items"])
    ids = sorted({p.id for p in load_policies([])})
    assert ids == SHIPPED and len(ids) >= 21
    for pid in ids:
        assert counts[(pid, "fail")] >= 1 and counts[(pid, "pass")] >= 1, pid


@pytest.mark.parametrize("pid", SHIPPED)
def test_shipped_policy_examples_hold(pid: str) -> None:
    """One policy at a time (so a change to one check kind can run only its examples)."""
    policy = next(p for p in load_policies([]) if p.id == pid)
    outcomes = policytest.run_policy_examples(policy)
    assert [o for o in outcomes if not o.ok] == []
    assert {o.expect for o in outcomes} == {"fail", "pass"}


@pytest.mark.parametrize(
    "pid",
    [
        "state-permissions",
        "state-root-outside-repo",
        "vault-outside-repo",
        "escalate-2-internal-vault-in-repo",
    ],
)
def test_examples_disagree_when_the_verdict_is_turned_around(pid: str, tmp_path: Path) -> None:
    """An example set that can never fail proves nothing: swapped, every one disagrees."""
    policy = next(p for p in load_policies([]) if p.id == pid)
    swapped = type(policy)(
        **{**vars(policy), "examples": {"fail": policy.examples["pass"], "pass": policy.examples["fail"]}}
    )
    outcomes = policytest.run_policy_examples(swapped)
    assert outcomes and not any(o.ok for o in outcomes), [o for o in outcomes if o.ok]


def test_a_wrong_example_is_reported_with_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    write(
        folder / "p.yaml",
        """\
id: my-private-state
title: mine
severity: medium
scopes: [doctor]
check: repo.no_private_state
remediation: fix it
examples:
  pass:
    - name: wrongly expected to pass
      files:
        repo/.si/paas/current_context: "demo\\n"
""",
    )
    result = policytest.test_policies(_INV, (str(folder),))
    assert not result.ok and result.exit_code == ExitCode.POLICY_FAILED
    bad = [i for i in result.payload["items"] if not i["ok"]]
    assert [(i["policy"], i["expect"]) for i in bad] == [("my-private-state", "pass")]
    assert "current_context" in bad[0]["detail"]


EXAMPLE = """\
id: my-modes
title: mine
severity: high
scopes: [doctor]
check: state.permissions
remediation: fix it
examples:
  fail:
    - name: one
      files:
        state/contexts/a/config.json: "{{}}\\n"
{extra}
"""


def test_modes_and_links_are_applied(tmp_path: Path) -> None:
    """Folders are private unless `modes` says otherwise; links point inside the example."""
    example = {
        "files": {"state/a/b.txt": "x", "repo/c/d.txt": "y"},
        "modes": {"state/a": "0750", "repo/c/d.txt": "0644"},
        "links": {"state/e/f": "repo/c"},
        "env": {"SI_PAAS_KEY_DIR": "{root}/k"},
    }
    root = tmp_path / "ex"
    root.mkdir()
    snap = build_snapshot(policytest._materialize(root, example))
    assert (root / "state/a").stat().st_mode & 0o777 == 0o750
    assert (root / "state/e").stat().st_mode & 0o777 == 0o700
    assert (root / "state/a/b.txt").stat().st_mode & 0o777 == 0o600
    assert (root / "repo/c/d.txt").stat().st_mode & 0o777 == 0o644
    assert (root / "state/e/f").is_symlink() and (root / "state/e/f").resolve() == root / "repo/c"
    assert snap.state.key_dir == root / "k" and snap.env["SI_PAAS_KEY_DIR"] == str(root / "k")


@pytest.mark.parametrize(
    ("extra", "field", "name"),
    [
        ("      modes: {state/elsewhere: '0755'}", "modes", "state/elsewhere"),
        ("      modes: {state/../x: '0755'}", "modes", "state/../x"),
        ("      links: {state/contexts/a: repo/x}", "links", "state/contexts/a"),
        (
            "      links: {state/contexts/a/config.json/x: state/contexts}",
            "links",
            "state/contexts/a/config.json/x",
        ),
        ("      links: {state/l: state/contexts, state/l/m: state/contexts}", "links", "state/l/m"),
        ("      links: {state/l: /etc}", "links", "state/l"),
        ("      links: {state/l: repo/nothing}", "links", "state/l"),
        ("      links: {repo/.git/hooks: state/contexts}", "links", "repo/.git/hooks"),
    ],
)
def test_bad_modes_and_links_are_refused_at_load(tmp_path: Path, extra: str, field: str, name: str) -> None:
    path = write(tmp_path / "p.yaml", EXAMPLE.format(extra=extra))
    with pytest.raises(InputError) as err:
        load_policy_file(path)
    assert str(path) in err.value.message and f"examples.fail[0].{field}" in err.value.message
    assert repr(name) in err.value.message and "\n" not in err.value.message


def test_policy_test_end_to_end(si: Callable[..., Run]) -> None:
    run = si("paas", "policy", "test", "--json")
    assert run.code == 0, run.stdout
    doc = run.json
    assert doc["ok"] is True and doc["failed"] == 0 and doc["without_examples"] == []
    assert {i["policy"] for i in doc["items"]} == set(SHIPPED)
    human = si("paas", "policy", "test")
    assert human.code == 0 and "state-permissions" in human.stdout, human.stdout
    assert json.dumps(doc).count('"ok": false') == 0
