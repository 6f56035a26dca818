"""`si paas deploy` over the ssh transport against a real sshd on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import Run
from deployhelp import CTX, App, Sshd, free_port, setup_app, start_sshd, stop_sshd


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        stop_sshd(server)


def _si_with(si: Callable[..., Run], extra: dict[str, str]) -> Callable[..., Run]:
    def run(*args: str, extra_env: dict[str, str] | None = None, **kw: object) -> Run:
        return si(*args, extra_env={**extra, **(extra_env or {})}, **kw)

    return run


def _ssh_app(si: Callable[..., Run], tmp_path: Path, sshd: Sshd, trust: bool = True) -> App:
    ssi = _si_with(si, sshd.env())
    app = setup_app(
        ssi,
        tmp_path,
        ["--host", "127.0.0.1", "--port", str(sshd.port), "--user", "root", "--transport", "ssh"],
        str(tmp_path / "srv" / "orders"),
    )
    if trust:
        run = app.cmd("target", "trust-host", "edge-a", "--known-hosts", str(sshd.known_hosts))
        assert run.code == 0, run.stderr
    return app


@pytest.fixture
def app(si: Callable[..., Run], tmp_path: Path, sshd: Sshd) -> App:
    return _ssh_app(si, tmp_path, sshd)


def killed_pid(app: App) -> int:
    """The pid of the running (abandoned) row: the killed deploy's."""
    return int(app.rows()[0]["pid"])


def _fingerprint(pub: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(pub)], check=True, capture_output=True, text=True
    ).stdout
    return out.split()[1]


def test_trust_host_with_keyscan_prints_the_fingerprint(
    si: Callable[..., Run], tmp_path: Path, sshd: Sshd, state_root: Path
) -> None:
    app = _ssh_app(si, tmp_path, sshd, trust=False)
    untrusted = app.deploy("--first-deploy")
    assert untrusted.code == 1 and "trust-host edge-a" in untrusted.stderr
    run = app.cmd("target", "trust-host", "edge-a", "--json")
    assert run.code == 0, run.stderr
    assert any(_fingerprint(sshd.host_key_pub) in fp for fp in run.json["fingerprints"])
    known = state_root / f"contexts/{CTX}/known_hosts"
    assert known.stat().st_mode & 0o777 == 0o600
    assert app.deploy("--first-deploy").code == 0


def test_wrong_host_key_is_refused(si: Callable[..., Run], tmp_path: Path, sshd: Sshd) -> None:
    app = _ssh_app(si, tmp_path, sshd, trust=False)
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    pub = Path(f"{other}.pub").read_text().split()
    fake = tmp_path / "fake_known_hosts"
    fake.write_text(f"[127.0.0.1]:{sshd.port} {pub[0]} {pub[1]}\n")
    assert app.cmd("target", "trust-host", "edge-a", "--known-hosts", str(fake)).code == 0
    run = app.deploy("--first-deploy")
    assert run.code == 1 and "host key not trusted or changed" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (Path(app.path) / "releases").exists()


def test_unreachable_host(app: App) -> None:
    assert app.cmd("target", "update", "edge-a", "--port", str(free_port())).code == 0
    run = app.deploy("--first-deploy")
    assert run.code == 1 and "unreachable" in run.stderr and "Traceback" not in run.stderr


def test_deploys_rollbacks_health_drill_prune_over_ssh(app: App, state_root: Path) -> None:
    ids = []
    for i, extra in enumerate((["--first-deploy"], [], [])):
        app.version(f"v{i + 1}")
        run = app.deploy(*extra)
        assert run.code == 0, run.stdout + run.stderr
        ids.append(run.json["release"])
    r1, r2, r3 = ids
    assert app.current() == r3 and app.served() == "v3"
    assert os.access(Path(app.path) / "current" / "bin" / "health", os.X_OK)
    back = app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--json")
    assert back.code == 0 and back.json["release"] == r2 and app.served() == "v2"
    named = app.cmd("rollback", "--app", "orders", "--target", "edge-a", "--to", r3, "--json")
    assert named.code == 0 and app.current() == r3
    app.version("v4", broken_after_switch="yes")
    failed = app.deploy()
    assert failed.code == 1 and failed.json["rolled_back_to"] == r3
    assert app.current() == r3 and app.served() == "v3"
    drill = app.cmd("drill", "rollback", "--app", "orders", "--target", "edge-a", "--json")
    assert drill.code == 0, drill.stdout + drill.stderr
    assert drill.json["drill"]["status"] == "completed"
    assert [s["release"] for s in drill.json["drill"]["steps"]] == [r2, r2, r3, r3]
    prune = app.cmd("release", "prune", "--app", "orders", "--keep", "1", "--confirm", "--json")
    assert prune.code == 0, prune.stderr
    assert prune.json["items"][0]["removed"] == [r1]
    assert sorted(os.listdir(Path(app.path) / "releases")) == [r2, r3, "r000004-edge-a"]
    verify = app.cmd("release", "verify", "--app", "orders", "--target", "edge-a", "--json")
    assert verify.code == 0 and verify.json["count"] == 3


def test_two_operator_machines_exclude_each_other(si: Callable[..., Run], tmp_path: Path, sshd: Sshd) -> None:
    app = _ssh_app(si, tmp_path / "a", sshd)
    assert app.deploy("--first-deploy").code == 0
    app.version("v2")
    killed = app.deploy(extra_env={"SI_PAAS_TEST_KILL_AT": "upload"})
    assert killed.code == -9
    # Another machine: its own state root, same ssh target directory.
    home_b = tmp_path / "home-b"
    home_b.mkdir()
    other = _si_with(
        si,
        {
            **sshd.env(),
            "HOME": str(home_b),
            "SI_PAAS_STATE_ROOT": str(home_b / ".si" / "paas"),
            "SI_PAAS_KEY_DIR": str(home_b / ".si" / "keys"),
        },
    )
    b = setup_app(
        other,
        tmp_path / "b",
        [
            "--host",
            "127.0.0.1",
            "--port",
            str(sshd.port),
            "--user",
            "root",
            "--transport",
            "ssh",
            "--disposable",
        ],
        app.path,
        ctx="oss-demo",
    )
    assert b.cmd("target", "trust-host", "edge-a", "--known-hosts", str(sshd.known_hosts)).code == 0
    run = b.deploy()
    assert run.code == 1 and "the target is locked" in run.stderr, run.stderr
    assert f"pid {killed_pid(app)}" in run.stderr
    status = app.cmd("deploy", "lock", "status", "--app", "orders", "--target", "edge-a", "--json")
    assert status.json["lock"]["state"] == "stale"
    assert status.json["target_lock"]["state"] == "held"
    assert app.current() == "r000001-edge-a"
    assert app.rows()[0]["state"] == "abandoned"
