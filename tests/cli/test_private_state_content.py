"""Private state copied into a repository under another name is found by its content.

Real state made by the installed `si` (contexts, a vault written by `secret set`, its key
files, an export bundle, a tar of the state root) is copied into a real repository under
innocent names; doctor, scan and the pre-commit scan must all refuse it.
"""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git

SECRET = "s3cr3t-Value-For-Vault-91"


@pytest.fixture
def state(baseline: Callable[..., Run], state_root: Path, home: Path) -> Path:
    """Both contexts, one vault value (so a vault and its keys exist) and an export."""
    run = baseline("paas", "--context", "oss-demo", "secret", "set", "DEMO_TOKEN", input=SECRET + "\n")
    assert run.code == 0, run.stderr
    added = baseline(
        "paas",
        "--context",
        "oss-demo",
        "target",
        "add",
        "demo-1",
        "--host",
        "demo-1.example.test",
        "--disposable",
    )
    assert added.code == 0, added.stderr
    exported = baseline(
        "paas", "--context", "oss-demo", "context", "export", "--output", str(home / "export.json")
    )
    assert exported.code == 0, exported.stderr
    return state_root


def _copies(state: Path, home: Path, tmp_path: Path) -> dict[str, Path]:
    keys = sorted((home / ".si" / "keys").glob("*.key"))
    assert keys
    archive = tmp_path / "state.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(state, arcname="paas")
    ctx = state / "contexts" / "oss-demo"
    return {
        "notes/backup.txt": ctx / "vault" / "secrets.env",
        "fixtures/demo/settings.json": ctx / "config.json",
        "fixtures/demo/hosts.json": ctx / "targets.json",
        "logs/old.log": ctx / "events" / "audit.jsonl",
        "data/ctx.json": home / "export.json",
        "assets/blob.bin": keys[0],
        "assets/snapshot.dat": archive,
    }


@pytest.mark.parametrize(
    "name",
    [
        "notes/backup.txt",
        "fixtures/demo/settings.json",
        "fixtures/demo/hosts.json",
        "logs/old.log",
        "data/ctx.json",
        "assets/blob.bin",
        "assets/snapshot.dat",
    ],
)
def test_copied_state_is_found_by_content(
    state: Path,
    baseline: Callable[..., Run],
    make_repo: Callable[..., Path],
    home: Path,
    tmp_path: Path,
    env: dict[str, str],
    name: str,
) -> None:
    si = baseline
    source = _copies(state, home, tmp_path)[name]
    repo = make_repo(
        files={"README.md": "hello\n", ".si-paas.yaml": "exclude: ['*']\n"}
    )  # cannot hide it either
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, repo / name)
    for args in (("paas", "doctor", "--json"), ("paas", "scan", "--json")):
        run = si(*args, cwd=repo)
        assert run.code == 1, (args, run.stdout, run.stderr)
        check = next(c for c in run.json["checks"] if c["id"] == "no-repo-private-state")
        assert [f["extra"]["relpath"] for f in check["findings"]] == [name]
        assert "by content" in check["findings"][0]["message"]
    git(repo, env, "add", "-A")
    hook = si("paas", "scan", "--staged", cwd=repo)
    assert hook.code == 1 and name in hook.stdout
    git(repo, env, "commit", "-qm", "oops")
    git(repo, env, "rm", "-q", "--cached", name)
    git(repo, env, "commit", "-qm", "remove")
    (repo / name).unlink()
    history = si("paas", "scan", "--history", "--json", cwd=repo)
    assert history.code == 1 and "no-repo-private-state" in {
        c["id"] for c in history.json["checks"] if not c["ok"]
    }
    assert SECRET not in history.stdout


def test_lookalikes_are_not_state(baseline: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        files={
            "config.json": '{"name": "web", "type": "service", "id": "x"}\n',
            "docs/vault.md": "# si-paas vault, format 1 is shown below\nKEY=ENC[v1,<nonce>,<ct>]\n",
            "sops.yaml": "password: ENC[AES256_GCM,data:abcd,iv:efgh,tag:ijkl,type:str]\n",
            "notes.txt": "context_id is a field of config.json\n",
            "short.txt": "hello\n",
        }
    )
    run = baseline("paas", "scan", "--json", cwd=repo)
    assert run.code == 0, run.stdout
