"""State, vaults and keys held by a work tree that is not a `.git` above them: dotfiles
repositories (bare, core.worktree, yadm, GIT_WORK_TREE) and components linked into a repo."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git, write

VALUE = "Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5Gs0Ya"


def _dotgit(env: dict[str, str], git_dir: Path, home: Path, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", f"--work-tree={home}", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _bare_dotfiles(env: dict[str, str], home: Path, layout: str) -> Path:
    """A dotfiles repository of `home` laid out the way a tutorial or tool makes it."""
    if layout == "bare .cfg":  # git init --bare ~/.cfg; alias config='git --git-dir=~/.cfg --work-tree=~'
        git_dir = home / ".cfg"
        subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], env=env, check=True)
        _dotgit(env, git_dir, home, "config", "--local", "status.showUntrackedFiles", "no")
    elif layout == "core.worktree .dotfiles":
        git_dir = home / ".dotfiles"
        subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], env=env, check=True)
        git(git_dir, env, "config", "core.bare", "false")
        git(git_dir, env, "config", "core.worktree", str(home))
    else:  # yadm keeps its repository under ~/.local/share/yadm/repo.git with core.worktree
        git_dir = home / ".local" / "share" / "yadm" / "repo.git"
        subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], env=env, check=True)
        git(git_dir, env, "config", "core.bare", "false")
        git(git_dir, env, "config", "core.worktree", "../../../..")
    write(home / ".bashrc", "alias ll='ls -l'\n")
    _dotgit(env, git_dir, home, "add", ".bashrc")
    _dotgit(env, git_dir, home, "commit", "-qm", "dotfiles")
    return git_dir


def _failed(run: Run) -> dict[str, list[dict[str, object]]]:
    return {c["id"]: c["findings"] for c in run.json["checks"] if c["status"] == "fail"}


@pytest.mark.parametrize("layout", ["bare .cfg", "core.worktree .dotfiles", "yadm"])
def test_dotfiles_repository_of_home_holds_the_state(
    baseline: Callable[..., Run], home: Path, env: dict[str, str], layout: str
) -> None:
    si = baseline
    git_dir = _bare_dotfiles(env, home, layout)
    # It is real: one `add` would commit the state root with the rest of $HOME.
    _dotgit(env, git_dir, home, "add", "--dry-run", ".si/paas/contexts/oss-demo/config.json")
    doctor = si("paas", "doctor", "--json")
    assert doctor.code == 1, doctor.stdout
    found = _failed(doctor)["state-root-outside-repo"]
    assert str(git_dir) in found[0]["message"] and found[0]["extra"]["repo"] == str(home)
    refused = si("paas", "--context", "oss-demo", "secret", "set", "API_TOKEN", input=VALUE)
    assert refused.code == 1 and "state-root-outside-repo" in refused.stderr
    assert VALUE not in refused.stdout + refused.stderr

    # Ignored by the dotfiles repository and nothing tracked: `git add` refuses it.
    write(git_dir / "info" / "exclude", "/.si/\n")
    assert si("paas", "doctor").code == 0
    assert si("paas", "--context", "oss-demo", "secret", "set", "API_TOKEN", input=VALUE).code == 0
    # Tracked anyway (`add -f`): committed private state, whatever the ignore rules say.
    _dotgit(
        env,
        git_dir,
        home,
        "add",
        "-f",
        ".si/paas/current_context"
        if (home / ".si/paas/current_context").exists()
        else ".si/paas/contexts/oss-demo/config.json",
    )
    again = si("paas", "doctor", "--json")
    assert again.code == 1 and "state-root-outside-repo" in _failed(again)


def test_git_work_tree_in_the_environment_holds_the_state(
    baseline: Callable[..., Run], home: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    git_dir = tmp_path / "elsewhere.git"
    subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], env=env, check=True)
    run = baseline(
        "paas", "doctor", "--json", extra_env={"GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(home)}
    )
    assert run.code == 1 and "GIT_WORK_TREE" in _failed(run)["state-root-outside-repo"][0]["message"]
    assert baseline("paas", "doctor").code == 0


def test_key_directory_in_a_dotfiles_work_tree(
    si: Callable[..., Run], home: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    elsewhere = {"SI_PAAS_STATE_ROOT": str(tmp_path / "state")}
    for name, ctype in (("internal-dogfood", "internal-dogfood"), ("oss-demo", "oss-demo")):
        assert si("paas", "context", "init", "--name", name, "--type", ctype, extra_env=elsewhere).code == 0
    assert (
        si("paas", "--context", "oss-demo", "secret", "set", "A_TOKEN", input=VALUE, extra_env=elsewhere).code
        == 0
    )  # makes the key directory ~/.si/keys
    _bare_dotfiles(env, home, "bare .cfg")
    doctor = si("paas", "doctor", "--json", extra_env=elsewhere)
    assert doctor.code == 1
    found = _failed(doctor)["vault-outside-repo"]
    assert any("key directory" in str(f["message"]) for f in found)
    assert any(
        f["extra"]["component"] == "fingerprint key"  # type: ignore[index]
        and str(home / ".si" / "fingerprint.key") in str(f["message"])
        for f in found
    )
    refused = si(
        "paas", "--context", "oss-demo", "secret", "set", "B_TOKEN", input=VALUE, extra_env=elsewhere
    )
    assert refused.code == 1 and "vault-outside-repo" in refused.stderr


def _init_with_outside_vaults(si: Callable[..., Run], home: Path) -> None:
    for name, ctype in (("internal-dogfood", "internal-dogfood"), ("oss-demo", "oss-demo")):
        run = si(
            "paas",
            "context",
            "init",
            "--name",
            name,
            "--type",
            ctype,
            "--vault-file",
            str(home / "vaults" / f"{name}.env"),
        )
        assert run.code == 0, run.stderr


@pytest.mark.parametrize(
    "component",
    ["contexts", "contexts/oss-demo", "contexts/oss-demo/targets.json", "contexts/oss-demo/events"],
)
def test_a_state_component_linked_into_a_repo(
    si: Callable[..., Run], home: Path, state_root: Path, make_repo: Callable[..., Path], component: str
) -> None:
    _init_with_outside_vaults(si, home)
    assert (
        si(
            "paas",
            "--context",
            "oss-demo",
            "target",
            "add",
            "demo-1",
            "--host",
            "demo-1.example.test",
            "--disposable",
        ).code
        == 0
    )
    repo = make_repo()
    original = state_root / component
    moved = repo / "ops" / original.name
    moved.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(original, moved)
    original.symlink_to(moved)
    doctor = si("paas", "doctor", "--json")  # from $HOME, outside the repository
    assert doctor.code == 1, doctor.stdout
    found = _failed(doctor)["state-root-outside-repo"]
    assert found[0]["extra"]["component"] == component and str(repo) in found[0]["message"]
    refused = si("paas", "--context", "oss-demo", "secret", "set", "API_TOKEN", input=VALUE)
    assert refused.code == 1 and "state-root-outside-repo" in refused.stderr
    warned = si("paas", "--context", "oss-demo", "target", "list")
    assert warned.code == 0 and "state-root-outside-repo" in warned.stderr


def test_a_key_file_linked_into_a_repo(
    si: Callable[..., Run], home: Path, make_repo: Callable[..., Path]
) -> None:
    _init_with_outside_vaults(si, home)
    assert si("paas", "--context", "oss-demo", "secret", "set", "A_TOKEN", input=VALUE).code == 0
    keys = home / ".si" / "keys"
    repo = make_repo()
    key = next(k for k in keys.iterdir() if k.name != "fingerprint.key")
    shutil.move(key, repo / key.name)
    key.symlink_to(repo / key.name)
    doctor = si("paas", "doctor", "--json")
    assert doctor.code == 1
    assert _failed(doctor)["vault-outside-repo"][0]["extra"]["component"] == key.name
