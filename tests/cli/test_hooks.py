"""The pre-commit hook on staged content: native hook and the pre-commit framework."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git, write

ROOT = Path(__file__).resolve().parents[2]
SECRET = "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"


def _commit(repo: Path, env: dict[str, str], message: str = "change") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), "commit", "-m", message], env=env, capture_output=True, text=True
    )


def test_staged_bytes_not_working_file(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    write(repo / ".env", SECRET + "\n")
    git(repo, env, "add", ".env")
    (repo / ".env").write_text("API_TOKEN=${API_TOKEN}\n")  # removed from the working file
    staged = si("paas", "scan", "--staged", "--json", cwd=repo)
    assert staged.code == 1 and staged.json["scope"] == "pre-commit"
    git(repo, env, "add", ".env")
    write(repo / "notes.env", SECRET + "\n")  # only in the working tree, not staged
    (repo / ".env").write_text(SECRET + "\n")  # working file dirty, staged clean
    assert si("paas", "scan", "--staged", cwd=repo).code == 0


def test_native_hook_blocks_and_allows(
    si: Callable[..., Run],
    make_repo: Callable[..., Path],
    env: dict[str, str],
    baseline: Callable[..., Run],
    state_root: Path,
) -> None:
    repo = make_repo()
    run = si("paas", "hook", "install", "--repo", str(repo), "--json")
    assert run.code == 0, run.stderr
    write(repo / ".env", SECRET + "\n")
    git(repo, env, "add", ".env")
    refused = _commit(repo, env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    said = refused.stdout + refused.stderr  # git hands hook output to stderr
    assert ".env" in said and "secret set" in said and "no-plaintext-secrets" in said
    assert "q8Zt3LmW9xK2" not in said
    git(repo, env, "rm", "-q", "--cached", ".env")
    shutil.copytree(state_root / "contexts" / "oss-demo", repo / "backup" / "contexts" / "oss-demo")
    git(repo, env, "add", "backup")
    assert _commit(repo, env).returncode == 1
    git(repo, env, "rm", "-rq", "--cached", "backup")
    shutil.rmtree(repo / "backup")
    write(repo / "app.py", "print('clean')\n")
    git(repo, env, "add", "app.py")
    assert _commit(repo, env).returncode == 0
    write(repo / "allowed.py", "TOKEN = 'q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC'  # si-paas: allow\n")
    git(repo, env, "add", "allowed.py")
    ok = _commit(repo, env)
    assert ok.returncode == 0, ok.stdout


def test_foreign_hook_is_kept_and_restored(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text('#!/bin/sh\necho foreign-ran > "$(git rev-parse --show-toplevel)/ran"\n')
    hook.chmod(0o755)
    refused = si("paas", "hook", "install", cwd=repo)
    assert refused.code == 2 and "--force" in refused.stderr
    assert si("paas", "hook", "install", "--force", cwd=repo).code == 0
    write(repo / "x.txt", "x\n")
    git(repo, env, "add", "x.txt")
    assert _commit(repo, env).returncode == 0
    assert (repo / "ran").read_text().strip() == "foreign-ran"
    assert si("paas", "hook", "uninstall", cwd=repo).code == 0
    assert "foreign-ran" in hook.read_text()
    assert si("paas", "hook", "uninstall", cwd=repo).code == 2


def test_core_hooks_path_is_honoured(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    git(repo, env, "config", "core.hooksPath", ".githooks")
    run = si("paas", "hook", "install", "--json", cwd=repo)
    assert run.code == 0 and run.json["hook"] == str(repo / ".githooks" / "pre-commit")
    write(repo / ".env", SECRET + "\n")
    git(repo, env, "add", ".env")
    assert _commit(repo, env).returncode == 1


def test_history_scan(si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]) -> None:
    repo = make_repo()
    write(repo / "config.env", SECRET + "\n")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-qm", "add secret")
    added = git(repo, env, "rev-parse", "HEAD").strip()
    (repo / "config.env").write_text(SECRET + "\nOTHER=1\n")
    write(repo / ".si" / "paas" / "current_context", "internal-dogfood\n")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-qm", "touch")
    touched = git(repo, env, "rev-parse", "HEAD").strip()
    (repo / "config.env").unlink()
    shutil.rmtree(repo / ".si")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-qm", "remove secret")
    assert si("paas", "scan", cwd=repo).code == 0  # the work tree is clean
    run = si("paas", "scan", "--history", "--json", cwd=repo)
    assert run.code == 1
    checks = {c["id"]: c for c in run.json["checks"]}
    secrets = checks["no-plaintext-secrets"]["findings"]
    assert len(secrets) == 1  # one secret in two blobs is one finding
    assert secrets[0]["extra"]["first_commit"] == added
    assert secrets[0]["extra"]["last_commit"] == touched
    assert checks["no-repo-private-state"]["findings"][0]["extra"]["relpath"] == ".si/paas/current_context"
    since = si("paas", "scan", "--history", "--since", touched, cwd=repo)
    assert since.code == 0


@pytest.mark.slow
def test_pre_commit_framework_runs_the_hook_on_commit(
    make_repo: Callable[..., Path], env: dict[str, str], tmp_path: Path
) -> None:
    """The real pre-commit framework, installed in a repository whose config names this
    tree's `.pre-commit-hooks.yaml`, blocks a commit with a secret and lets a clean one
    through. The hook's environment is built once and serves both commits."""
    pre_commit = shutil.which("pre-commit") or str(Path(os.sys.executable).parent / "pre-commit")
    checkout = tmp_path / "checkout"
    # The framework clones a git repository of the hook: a copy of this tree as it is now.
    shutil.copytree(
        ROOT,
        checkout,
        ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", "bench", ".hypothesis"),
    )
    git(checkout, env, "init", "-q")
    git(checkout, env, "add", "-A")
    git(checkout, env, "commit", "-qm", "snapshot")
    rev = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    repo = make_repo()
    write(
        repo / ".pre-commit-config.yaml",
        f"repos:\n  - repo: {checkout}\n    rev: {rev}\n    hooks:\n      - id: si-paas\n",
    )
    hook_env = {**env, "PRE_COMMIT_HOME": str(tmp_path / "pc-cache")}
    installed = subprocess.run(
        [pre_commit, "install"], cwd=repo, env=hook_env, capture_output=True, text=True, timeout=120
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    write(repo / ".env", SECRET + "\n")
    git(repo, env, "add", ".pre-commit-config.yaml", ".env")
    blocked = subprocess.run(
        ["git", "-C", str(repo), "commit", "-m", "with a secret"],
        env=hook_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    said = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, said
    assert "no-plaintext-secrets" in said and "q8Zt3LmW9xK2" not in said
    git(repo, env, "rm", "-q", "--cached", ".env")
    write(repo / "ok.py", "print('ok')\n")
    git(repo, env, "add", "ok.py")
    passed = subprocess.run(
        ["git", "-C", str(repo), "commit", "-m", "clean"],
        env=hook_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "si-paas" in passed.stdout + passed.stderr  # the hook ran, and passed


HOSTILE_NAMES = [
    "$(touch PWNED)",
    "`touch PWNED`",
    'q"uote$(touch PWNED)"',
    "it's; touch PWNED #",
    "sp ace & touch PWNED",
    "new\nline$(touch PWNED)",
]


def _pwned(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.rglob("PWNED*")]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_repo_path_is_never_run(
    si: Callable[..., Run], tmp_path: Path, env: dict[str, str], name: str
) -> None:
    repo = tmp_path / name / "repo"
    repo.mkdir(parents=True)
    git(repo, env, "init", "-q")
    foreign = repo / ".git" / "hooks" / "pre-commit"
    foreign.write_text('#!/bin/sh\necho foreign >> "$(git rev-parse --git-dir)/foreign-ran"\n')
    foreign.chmod(0o755)
    run = si("paas", "hook", "install", "--force", "--json", cwd=repo)
    assert run.code == 0, run.stderr
    assert run.json["chained"] == str(foreign) + ".si-paas-saved"
    write(repo / "app.py", "print('ok')\n")
    git(repo, env, "add", "app.py")
    ok = _commit(repo, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert (repo / ".git" / "foreign-ran").read_text() == "foreign\n"
    write(repo / ".env", SECRET + "\n")
    git(repo, env, "add", ".env")
    assert _commit(repo, env).returncode == 1
    assert _pwned(tmp_path) == []


def test_hostile_interpreter_path_is_quoted(
    make_repo: Callable[..., Path], tmp_path: Path, env: dict[str, str]
) -> None:
    import sys
    import sysconfig

    odd = tmp_path / "bin $(touch PWNED) `touch PWNED2`"
    odd.mkdir()
    python = odd / "python3"
    python.symlink_to(sys.executable)
    # The symlinked interpreter is outside the venv: hand it the package and its libraries.
    py_env = {
        **env,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
        ),
    }
    repo = make_repo()
    installed = subprocess.run(
        [str(python), "-m", "si_paas", "paas", "hook", "install"],
        cwd=repo,
        env=py_env,
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    write(repo / ".env", SECRET + "\n")
    git(repo, env, "add", ".env")
    refused = _commit(repo, py_env)
    assert refused.returncode == 1 and "no-plaintext-secrets" in refused.stdout + refused.stderr
    assert _pwned(tmp_path) == []


USER_BEFORE = 'echo before >> "$(git rev-parse --git-dir)/user-ran"'
USER_AFTER = 'echo after >> "$(git rev-parse --git-dir)/user-ran"'


def test_user_lines_survive_install_and_uninstall(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo()
    hook = repo / ".git" / "hooks" / "pre-commit"
    ran = repo / ".git" / "user-ran"
    assert si("paas", "hook", "install", cwd=repo).code == 0
    lines = hook.read_text().splitlines()
    lines.insert(2, USER_BEFORE)  # after the header, before our block
    lines.append(USER_AFTER)
    hook.write_text("\n".join(lines) + "\n")
    again = si("paas", "hook", "install", "--json", cwd=repo)
    assert again.code == 0 and again.json["updated"] is True and again.json["kept_lines"] == 2
    text = hook.read_text()
    assert text.index(USER_BEFORE) < text.index("scan --staged") < text.index(USER_AFTER)
    write(repo / "app.py", "print('ok')\n")
    git(repo, env, "add", "app.py")
    assert _commit(repo, env).returncode == 0
    assert ran.read_text() == "before\nafter\n"
    write(repo / ".env", SECRET + "\n")
    git(repo, env, "add", ".env")
    assert _commit(repo, env).returncode == 1  # blocked: the line after our scan never ran
    assert ran.read_text() == "before\nafter\nbefore\n"
    removed = si("paas", "hook", "uninstall", "--json", cwd=repo)
    assert removed.code == 0 and removed.json["kept_lines"] == 2
    assert "scan --staged" not in hook.read_text() and USER_AFTER in hook.read_text()
    assert _commit(repo, env).returncode == 0  # the secret passes: only the user's lines ran
    assert ran.read_text() == "before\nafter\nbefore\nbefore\nafter\n"


def test_foreign_hook_that_mentions_the_marker_is_not_ours(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    from si_paas.services.hooks import HEADER

    repo = make_repo()
    hook = repo / ".git" / "hooks" / "pre-commit"
    foreign = (
        "#!/bin/sh\n# runs lint, then the si-paas pre-commit hook\n"
        f"# {HEADER}\n"
        'echo lint >> "$(git rev-parse --git-dir)/foreign-ran"\n'
    )
    hook.write_text(foreign)
    hook.chmod(0o755)
    refused = si("paas", "hook", "install", cwd=repo)
    assert refused.code == 2 and "--force" in refused.stderr
    assert si("paas", "hook", "uninstall", cwd=repo).code == 2
    assert hook.read_text() == foreign
    assert si("paas", "hook", "install", "--force", cwd=repo).code == 0
    assert (repo / ".git" / "hooks" / "pre-commit.si-paas-saved").read_text() == foreign
    write(repo / "app.py", "print('ok')\n")
    git(repo, env, "add", "app.py")
    assert _commit(repo, env).returncode == 0
    assert (repo / ".git" / "foreign-ran").read_text() == "lint\n"
    assert si("paas", "hook", "uninstall", cwd=repo).code == 0
    assert hook.read_text() == foreign


def test_hook_of_the_first_release_is_updated(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    import sys

    repo = make_repo()
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(
        "#!/bin/sh\n# si-paas pre-commit hook: blocks staged secrets and private "
        "state.\n# Remove with `si paas hook uninstall`.\n"
        f'exec "{sys.executable}" -m si_paas paas scan --staged\n'
    )
    hook.chmod(0o755)
    run = si("paas", "hook", "install", "--json", cwd=repo)
    assert run.code == 0 and run.json["updated"] is True, run.stderr
    write(repo / ".env", SECRET + "\n")
    git(repo, env, "add", ".env")
    assert _commit(repo, env).returncode == 1


def test_hook_that_is_not_a_file_is_refused(si: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo()
    fifo = repo / ".git" / "hooks" / "pre-commit"
    os.mkfifo(fifo)
    for args in (("install",), ("install", "--force"), ("uninstall",)):
        run = si("paas", "hook", *args, cwd=repo)
        assert run.code == 2 and "not a regular file" in run.stderr, run.stderr
