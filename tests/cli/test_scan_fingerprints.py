"""Fingerprints and redaction tags that leave the machine are keyed (through `si`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import stat
from collections.abc import Callable
from pathlib import Path

from conftest import Run, write

PASSWORD = "Sunshine2024!Kq"
LINE = f"DB_PASSWORD={PASSWORD}\n"
GUESSES = [
    f"{w}{y}{s}"
    for w in ("Sunshine", "Password", "Summer", "Winter", "Welcome")
    for y in range(2015, 2030)
    for s in ("", "!", "!Kq", "#")
]


def _unkeyed(rule: str, path: str, secret: str) -> str:
    inner = hashlib.sha256(secret.encode()).hexdigest()
    return hashlib.sha256("\0".join((rule, path, inner)).encode()).hexdigest()[:16]


def _results(run: Run) -> list[dict[str, object]]:
    return json.loads(run.stdout)["runs"][0]["results"]  # type: ignore[no-any-return]


def test_sarif_fingerprints_resist_a_dictionary(
    si: Callable[..., Run], make_repo: Callable[..., Path], home: Path
) -> None:
    assert PASSWORD in GUESSES
    repo = make_repo(files={".env": LINE})
    run = si("paas", "scan", "--format", "sarif", cwd=repo)
    assert run.code == 1
    [result] = _results(run)
    fp = result["partialFingerprints"]["siPaasFingerprint/v2"]  # type: ignore[index]
    rule = json.loads(si("paas", "scan", "--json", cwd=repo).stdout)["checks"][0]["findings"][0]
    for guess in GUESSES:
        assert _unkeyed(rule["rule"], ".env", guess) != fp
        assert hashlib.sha256(guess.encode()).hexdigest()[:8] not in rule["excerpt"]
    key = home / ".si" / "fingerprint.key"
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    again = _results(si("paas", "scan", "--format", "sarif", cwd=repo))[0]
    assert again["partialFingerprints"] == result["partialFingerprints"]  # stable


def test_shared_key_gives_shared_fingerprints(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo(files={".env": LINE})
    other = {"SI_PAAS_FINGERPRINT_KEY_FILE": str(tmp_path / "other" / "fingerprint.key")}
    mine = si("paas", "scan", "--json", cwd=repo).json["checks"][0]["findings"][0]
    theirs = si("paas", "scan", "--json", cwd=repo, extra_env=other).json
    assert theirs["checks"][0]["findings"][0]["fingerprint"] != mine["fingerprint"]
    shared = {"SI_PAAS_FINGERPRINT_KEY": "c2hhcmVkLWtleS1zaGFyZWQta2V5LXNoYXJlZC1rZXk="}
    a = si("paas", "scan", "--json", cwd=repo, extra_env=shared).json
    b = si("paas", "scan", "--json", cwd=repo, extra_env={**shared, **other}).json
    assert a["checks"][0]["findings"][0]["fingerprint"] == b["checks"][0]["findings"][0]["fingerprint"]
    bad = si("paas", "scan", cwd=repo, extra_env={"SI_PAAS_FINGERPRINT_KEY": "short"})
    assert bad.code == 2 and "SI_PAAS_FINGERPRINT_KEY" in bad.stderr and "short" not in bad.stderr


def test_version_1_baseline_still_matches_and_migrates(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo(files={".env": LINE})
    rule = si("paas", "scan", "--json", cwd=repo).json["checks"][0]["findings"][0]["rule"]
    base = write(
        tmp_path / "baseline.json",
        json.dumps(
            {"version": 1, "fingerprints": {_unkeyed(rule, ".env", PASSWORD): {"rule": rule, "path": ".env"}}}
        ),
    )
    run = si("paas", "scan", "--baseline", str(base), "--json", cwd=repo)
    assert run.code == 0, run.stdout
    assert run.json["baseline"]["ignored"] == 1 and run.json["baseline"]["version"] == 1
    assert any("--update-baseline" in w for w in run.json["warnings"])
    update = si("paas", "scan", "--baseline", str(base), "--update-baseline", "--json", cwd=repo)
    assert update.code == 0
    doc = json.loads(base.read_text())
    assert doc["version"] == 2 and _unkeyed(rule, ".env", PASSWORD) not in doc["fingerprints"]
    assert si("paas", "scan", "--baseline", str(base), cwd=repo).code == 0


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def test_one_user_key_two_labels_shared_with_ci(
    baseline: Callable[..., Run], make_repo: Callable[..., Path], home: Path, tmp_path: Path
) -> None:
    """Vault values and findings are fingerprinted under one per-user key, each use under
    its own HMAC label; a CI job given the key through SI_PAAS_FINGERPRINT_KEY writes the
    developer's fingerprints without any key file."""
    si = baseline
    set_run = si("paas", "--context", "oss-demo", "secret", "set", "DB_PASSWORD", input=PASSWORD + "\n")
    assert set_run.code == 0, set_run.stderr
    key_text = (home / ".si" / "fingerprint.key").read_text().strip()
    key = base64.b64decode(key_text)
    vault = (home / ".si/paas/contexts/oss-demo/vault/secrets.env").read_text()
    [xfp] = re.findall(r" xfp=([0-9a-f]+)", vault)
    vault_sub = _hmac(key, b"si-paas vault value fingerprint v2")
    assert xfp == hmac.new(vault_sub, PASSWORD.encode(), hashlib.sha256).hexdigest()
    assert xfp != hmac.new(key, PASSWORD.encode(), hashlib.sha256).hexdigest()  # labelled

    repo = make_repo(files={".env": LINE})
    mine = si("paas", "scan", "--json", cwd=repo).json["checks"][0]["findings"][0]
    report_sub = _hmac(key, b"si-paas report fingerprint v2")
    material = "\0".join(("si-paas finding v2", mine["rule"], ".env", PASSWORD)).encode()
    assert mine["fingerprint"] == hmac.new(report_sub, material, hashlib.sha256).hexdigest()[:16]
    assert mine["fingerprint"] not in xfp and xfp[:16] != mine["fingerprint"]

    ci_home = tmp_path / "ci-home"
    ci_home.mkdir()
    ci = si(
        "paas",
        "scan",
        "--json",
        cwd=repo,
        extra_env={
            "HOME": str(ci_home),
            "SI_PAAS_FINGERPRINT_KEY": key_text,
            "SI_PAAS_KEY_DIR": str(ci_home / "keys"),
        },
    )
    assert ci.json["checks"][0]["findings"][0]["fingerprint"] == mine["fingerprint"]
    assert ci.json["checks"][0]["findings"][0]["excerpt"] == mine["excerpt"]
    assert not (ci_home / ".si").exists()  # no key file was made
    assert key_text not in ci.stdout + ci.stderr


def test_fingerprint_key_file_inside_a_repository_is_refused(
    baseline: Callable[..., Run], make_repo: Callable[..., Path], home: Path
) -> None:
    si = baseline
    repo = make_repo(files={".env": LINE})
    inside = {"SI_PAAS_FINGERPRINT_KEY_FILE": str(repo / "keys" / "fingerprint.key")}
    run = si(
        "paas",
        "--context",
        "oss-demo",
        "secret",
        "set",
        "DB_PASSWORD",
        input=PASSWORD + "\n",
        extra_env=inside,
    )
    assert run.code == 2 and "fingerprint key" in run.stderr, run.stderr
    assert not (home / ".si/paas/contexts/oss-demo/vault/secrets.env").exists()
    assert not (repo / "keys").exists()
    scan = si("paas", "scan", cwd=repo, extra_env=inside)
    assert scan.code == 2 and "fingerprint key" in scan.stderr and str(repo) in scan.stderr
    assert not (repo / "keys").exists()
