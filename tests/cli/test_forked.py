"""The demo's forked step runner gives what a new interpreter gives: exit code, stdout, stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from si_paas.cli import forked
from si_paas.services.demo import spawn

pytestmark = pytest.mark.skipif(not forked.available(), reason="no fork on this system")

CASES = [
    (["paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--json"], None),
    (["paas", "context", "list", "--json"], None),
    (["paas", "context", "show", "nope"], None),  # exit 2, one line on stderr
    (["paas", "--context", "oss-demo", "secret", "set", "API_TOKEN", "--json"], "Zq8v4lue-x7Rm2\n"),
    (["paas", "--context", "oss-demo", "secret", "list", "--json"], None),
]


def _strip(text: str) -> str:
    return text.replace("\r", "")


def test_forked_steps_match_a_new_interpreter(env: dict[str, str], tmp_path: Path) -> None:
    outcomes = {}
    for name, runner in (("fork", forked.run), ("spawn", spawn)):
        world = {**env, "HOME": str(tmp_path / name), "SI_PAAS_STATE_ROOT": str(tmp_path / name / "paas")}
        world["SI_PAAS_KEY_DIR"] = str(tmp_path / name / "keys")
        (tmp_path / name).mkdir()
        outcomes[name] = [
            runner(args, cwd=str(tmp_path / name), env=world, stdin=stdin) for args, stdin in CASES
        ]
    for (args, _), fork, new in zip(CASES, outcomes["fork"], outcomes["spawn"], strict=True):
        assert fork[0] == new[0], (args, fork, new)
        assert _strip(fork[2]).replace("/fork", "/spawn") == _strip(new[2]), args
        if "--json" in args:
            a, b = json.loads(fork[1]), json.loads(new[1])
            assert a.keys() == b.keys() and a["ok"] == b["ok"], args
        else:
            assert fork[1] == new[1], args
    codes = [c for c, _, _ in outcomes["fork"]]
    assert codes == [0, 0, 2, 0, 0]
    listed = json.loads(outcomes["fork"][4][1])
    assert "Zq8v4lue-x7Rm2" not in outcomes["fork"][4][1] and listed["ok"] is True


def test_a_crashing_child_is_exit_one_with_its_traceback(tmp_path: Path, env: dict[str, str]) -> None:
    # A working folder that does not exist: the child fails before main and says why.
    code, out, err = forked.run(
        ["paas", "context", "list"], cwd=str(tmp_path / "missing"), env=env, stdin=None
    )
    assert code == 1 and out == ""
    assert "FileNotFoundError" in err


def test_the_parent_keeps_its_streams_and_folder(tmp_path: Path, env: dict[str, str]) -> None:
    import os

    here = os.getcwd()
    before = dict(os.environ)
    forked.run(["paas", "context", "list"], cwd=str(tmp_path), env={**env, "SI_PAAS_X": "1"}, stdin=None)
    assert os.getcwd() == here and dict(os.environ) == before
