"""Repositories nested in a scanned repository are scanned; `scan FILE` outside git judges it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import Run, git, write

TOKEN = "q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"


def _secret_paths(run: Run) -> list[str]:
    return sorted(
        str(f["extra"]["relpath"])
        for c in run.json["checks"]
        for f in c["findings"]
        if c["id"] == "no-plaintext-secrets"
    )


def test_a_clone_inside_a_repository_is_scanned(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    repo = make_repo(files={"app.py": "print('ok')\n"})
    inner = repo / "vendor" / "tool"
    inner.mkdir(parents=True)
    git(inner, env, "init", "-q")
    write(inner / "deploy.env", f"API_TOKEN={TOKEN}\n")
    write(inner / "src" / "ok.py", "x = 1\n")
    git(inner, env, "add", "src/ok.py")
    deeper = inner / "third_party" / "lib"
    deeper.mkdir(parents=True)
    git(deeper, env, "init", "-q")
    write(deeper / ".env", f"DB_PASSWORD={TOKEN[::-1]}\n")
    run = si("paas", "scan", "--json", cwd=repo)
    assert run.code == 1, run.stdout
    assert _secret_paths(run) == ["vendor/tool/deploy.env", "vendor/tool/third_party/lib/.env"]
    files = run.json["skipped"][str(repo.resolve())]
    assert files["files"] >= 4 and "not a regular file" not in files["skipped"]


def test_a_submodule_checkout_is_scanned(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str], tmp_path: Path
) -> None:
    upstream = make_repo(name="upstream", files={"config.env": f"API_TOKEN={TOKEN}\n"})
    repo = make_repo(files={"app.py": "print('ok')\n"})
    subprocess.run(
        [
            "git",
            "-c",
            "protocol.file.allow=always",
            "-C",
            str(repo),
            "submodule",
            "add",
            "-q",
            str(upstream),
            "deps/upstream",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    run = si("paas", "scan", "--json", cwd=repo)
    assert run.code == 1, run.stdout
    assert _secret_paths(run) == ["deps/upstream/config.env"]


def test_scan_file_outside_git_judges_that_file(si: Callable[..., Run], tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    write(folder / ".env", f"API_TOKEN={TOKEN}\n")
    write(folder / "other.env", f"API_TOKEN={TOKEN[::-1]}\n")
    run = si("paas", "scan", "--json", str(folder / ".env"), cwd=tmp_path)
    assert run.code == 1, run.stdout
    assert _secret_paths(run) == [".env"]  # the file asked for, not its folder
    assert run.json["skipped"][str(folder.resolve())]["files"] == 1
    clean = write(folder / "notes.txt", "nothing here\n")
    ok = si("paas", "scan", "--json", str(clean), cwd=tmp_path)
    assert ok.code == 0 and ok.json["skipped"][str(folder.resolve())]["files"] == 1
    table = si("paas", "scan", str(folder / ".env"), cwd=tmp_path)
    assert table.code == 1 and TOKEN[4:] not in table.stdout
