"""Install lines and pre-commit `rev:` in the docs resolve: they name the project's version
tag, and the git-URL install works against a tagged clone in a fresh virtual environment."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PLACEHOLDER = "https://git.example.com/your-org/si-paas.git"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
TAG = f"v{VERSION}"


def _install_lines() -> list[str]:
    lines = []
    for doc in DOCS:
        for line in doc.read_text().splitlines():
            found = re.search(r"pip install (.*)", line)
            if found and "si-paas" in found.group(1):
                lines.append(found.group(1).split("  #")[0].strip())
    return lines


def test_no_doc_installs_from_an_index_that_has_no_such_package() -> None:
    lines = _install_lines()
    assert lines, "the docs give no install line"
    for args in lines:
        spec = shlex.split(args)[-1]
        assert spec.startswith(("si-paas @ git+", "./", ".")), spec  # never a bare index name
        if spec.startswith("si-paas @ git+"):
            assert spec == f"si-paas @ git+{PLACEHOLDER}@{TAG}", spec


def test_pre_commit_rev_is_the_release_tag() -> None:
    text = (ROOT / "docs" / "pre-commit.md").read_text()
    revs = re.findall(r"^\s*rev: (\S+)", text, flags=re.M)
    assert revs == [TAG]
    assert f"repo: {PLACEHOLDER}" in text


def test_the_tagging_step_is_documented() -> None:
    step = f'git tag -a {TAG} -m "si-paas {VERSION}"'
    assert step in (ROOT / "docs" / "ci.md").read_text()
    assert step in (ROOT / "CHANGELOG.md").read_text()


@pytest.mark.slow
def test_git_url_install_line_works_on_a_tagged_clone(tmp_path: Path) -> None:
    clone = tmp_path / "si-paas"
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], env=env, check=True)
    subprocess.run(
        ["git", "-C", str(clone), "tag", "-a", TAG, "-m", f"si-paas {VERSION}"], env=env, check=True
    )
    spec = next(shlex.split(line)[-1] for line in _install_lines() if "git+" in line)
    spec = spec.replace(PLACEHOLDER, f"file://localhost{clone}")  # a host: older pip needs one
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    # Dependencies come from this environment (no network); si-paas from the tagged clone.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            spec,
        ],
        env=env,
        check=True,
        timeout=600,
    )
    work = tmp_path / "work"
    work.mkdir()
    version = subprocess.run(
        [str(venv / "bin" / "si"), "paas", "--version"],
        cwd=work,
        env={**env, "HOME": str(work), "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert VERSION in version.stdout
