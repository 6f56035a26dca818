"""backup.root_outside_repo: the backup root is judged from the snapshot's path facts."""

from __future__ import annotations

from pathlib import Path

from statehelp import context, run_check, shipped, snapshot

POLICY = shipped("backup-outside-repo")


def _env(tmp_path: Path, root: Path) -> dict[str, str]:
    return {"SI_PAAS_BACKUP_ROOT": str(root), "SI_PAAS_KEY_DIR": str(tmp_path / "keys")}


def _state(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    context(state, "demo", "oss-demo", 2)
    return state


def test_a_backup_root_in_a_work_tree_fails_and_elsewhere_passes(tmp_path: Path) -> None:
    state = _state(tmp_path)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    inside = run_check(POLICY, snapshot(state, env=_env(tmp_path, tmp_path / "repo" / "backups")))
    assert [f.message for f in inside] == [
        f"backup root {tmp_path}/repo/backups is inside git work tree {tmp_path}/repo"
    ]
    assert run_check(POLICY, snapshot(state, env=_env(tmp_path, tmp_path / "backups"))) == []


def test_a_backup_root_in_the_state_root_or_holding_the_keys_fails(tmp_path: Path) -> None:
    state = _state(tmp_path)
    in_state = run_check(POLICY, snapshot(state, env=_env(tmp_path, state / "backups")))
    assert [f.message.split(":")[0] for f in in_state] == [
        f"backup root {state}/backups is inside the state root {state}"
    ]
    env = {"SI_PAAS_BACKUP_ROOT": str(tmp_path / "b"), "SI_PAAS_KEY_DIR": str(tmp_path / "b" / "keys")}
    holding = run_check(POLICY, snapshot(state, env=env))
    assert [f.message.split(":")[0] for f in holding] == [
        f"key directory {tmp_path}/b/keys is inside backup root {tmp_path}/b"
    ]


def test_one_snapshot_judges_the_backup_root_once(tmp_path: Path) -> None:
    """A work tree made around the backup root after the snapshot looked does not change
    that snapshot's answer; a new snapshot sees it."""
    state = _state(tmp_path)
    env = _env(tmp_path, tmp_path / "outer" / "backups")
    snap = snapshot(state, env=env)
    assert run_check(POLICY, snap) == []
    (tmp_path / "outer" / ".git").mkdir(parents=True)
    assert run_check(POLICY, snap) == []
    assert len(run_check(POLICY, snapshot(state, env=env))) == 1
