"""History scans: blobs streamed once, judged blobs cached per repository, both cores."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git, write

pytestmark = pytest.mark.own_cache  # these tests look at the cache folder itself

SECRETS = [f"API_TOKEN=Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5G{i:04d}" for i in range(6)]


def _history(root: Path, env: dict[str, str], commits: int = 12) -> Path:
    root.mkdir()
    git(root, env, "init", "-q")
    for i in range(commits):
        write(root / f"src/mod{i % 4}.py", f"VALUE = {i}\n" * 5)
        if i % 2 == 0:
            write(root / f"deploy/{i}.env", SECRETS[i // 2 % len(SECRETS)] + f"\nN={i}\n")
        (root / "logo.bin").write_bytes(b"\x00\x01" * (i + 1))
        git(root, env, "add", "-A")
        git(root, env, "commit", "-q", "-m", f"change {i}")
    return root


def _findings(run: Run) -> list[dict[str, object]]:
    return next(c for c in run.json["checks"] if c["id"] == "no-plaintext-secrets")["findings"]


def _loose_blobs(repo: Path) -> list[Path]:
    """The loose blob files of the repository (every object of a fresh repo is loose)."""
    out = subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname) %(objecttype)",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    shas = [line.split()[0] for line in out.splitlines() if line.endswith(" blob")]
    return [repo / ".git" / "objects" / s[:2] / s[2:] for s in shas]


def test_an_unchanged_history_is_judged_from_the_cache(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path, home: Path
) -> None:
    repo = _history(tmp_path / "repo", env)
    first = si("paas", "scan", "--history", "--all", "--json", cwd=repo)
    assert first.code == 1 and len(_findings(first)) == len(SECRETS)
    assert list((home / ".cache" / "si-paas" / "judged-v1").rglob("*.json"))
    assert not list(repo.rglob("*judged*"))  # kept outside the repository
    # With every blob gone from the object store, only the cache can still judge them.
    for blob in _loose_blobs(repo):
        blob.unlink()
    second = si("paas", "scan", "--history", "--all", "--json", cwd=repo)
    assert second.code == 1
    assert second.json["checks"] == first.json["checks"]  # every finding, not just "clean"
    assert second.json["skipped"] == first.json["skipped"]
    # No cache: the same history is read again, and the missing blobs are counted.
    third = si("paas", "scan", "--history", "--all", "--json", cwd=repo, extra_env={"SI_PAAS_NO_CACHE": "1"})
    assert third.code == 0
    assert third.json["skipped"][str(repo.resolve())]["skipped"]["missing blob"] > 0


def test_a_new_commit_is_judged_and_cached_ones_are_kept(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path
) -> None:
    repo = _history(tmp_path / "repo", env)
    first = si("paas", "scan", "--history", "--all", "--json", cwd=repo)
    write(repo / "late.env", "DB_PASSWORD=Hq3Zt8Lm2Wx9Kv4Bn7Rp1Sj6Df5Gy0Cu\n")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "late")
    second = si("paas", "scan", "--history", "--all", "--json", cwd=repo)
    fresh = si("paas", "scan", "--history", "--all", "--json", cwd=repo, extra_env={"SI_PAAS_NO_CACHE": "1"})
    assert len(_findings(second)) == len(_findings(first)) + 1
    assert second.json["checks"] == fresh.json["checks"]


def test_history_on_two_workers_finds_what_one_finds(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path
) -> None:
    repo = _history(tmp_path / "repo", env, commits=16)
    runs = {}
    for workers in ("1", "2"):
        runs[workers] = si(
            "paas",
            "scan",
            "--history",
            "--all",
            "--json",
            cwd=repo,
            extra_env={"SI_PAAS_WORKERS": workers, "SI_PAAS_NO_CACHE": "1"},
        )
    one, two = runs["1"], runs["2"]
    assert one.code == two.code == 1
    assert one.json["checks"] == two.json["checks"]
    stats_one = one.json["skipped"][str(repo.resolve())]
    stats_two = two.json["skipped"][str(repo.resolve())]
    assert stats_one["skipped"] == stats_two["skipped"] and stats_one["skipped"]["binary"] > 0
    assert (stats_one["workers"], stats_two["workers"]) == (1, min(2, len(os.sched_getaffinity(0))))


KEY_A = "a2V5LUEta2V5LUEta2V5LUEta2V5LUEta2V5LUEtISE="
KEY_B = "a2V5LUIta2V5LUIta2V5LUIta2V5LUIta2V5LUItISE="


def test_a_changed_fingerprint_key_is_never_served_stale_fingerprints(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path, home: Path
) -> None:
    repo = _history(tmp_path / "repo", env)
    with_a = si(
        "paas", "scan", "--history", "--all", "--json", cwd=repo, extra_env={"SI_PAAS_FINGERPRINT_KEY": KEY_A}
    )
    with_b = si(
        "paas", "scan", "--history", "--all", "--json", cwd=repo, extra_env={"SI_PAAS_FINGERPRINT_KEY": KEY_B}
    )
    fresh_b = si(
        "paas",
        "scan",
        "--history",
        "--all",
        "--json",
        cwd=repo,
        extra_env={"SI_PAAS_FINGERPRINT_KEY": KEY_B, "SI_PAAS_NO_CACHE": "1"},
    )
    fps_a = {f["fingerprint"] for f in _findings(with_a)}
    fps_b = {f["fingerprint"] for f in _findings(with_b)}
    assert len(fps_a) == len(SECRETS) and not fps_a & fps_b
    assert with_b.json["checks"] == fresh_b.json["checks"]
    cached = b"".join(p.read_bytes() for p in (home / ".cache/si-paas/judged-v1").rglob("*") if p.is_file())
    assert KEY_B.encode() not in cached and KEY_A.encode() not in cached
    # Blobs gone: key B's cache still judges them, key A's entries were never kept for B.
    for blob in _loose_blobs(repo):
        blob.unlink()
    again_b = si(
        "paas", "scan", "--history", "--all", "--json", cwd=repo, extra_env={"SI_PAAS_FINGERPRINT_KEY": KEY_B}
    )
    assert again_b.json["checks"] == with_b.json["checks"]
    back_to_a = si(
        "paas", "scan", "--history", "--all", "--json", cwd=repo, extra_env={"SI_PAAS_FINGERPRINT_KEY": KEY_A}
    )
    assert back_to_a.code == 0 and not _findings(back_to_a)  # nothing stale was served


def test_a_version_1_baseline_matches_a_cached_history(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path
) -> None:
    import hashlib
    import json

    repo = _history(tmp_path / "repo", env)
    first = si("paas", "scan", "--history", "--all", "--json", cwd=repo)  # fills the cache
    entries = {}  # the unkeyed version-1 fingerprint of every finding
    for f in _findings(first):
        rel = str(f["extra"]["relpath"])  # type: ignore[index]
        value = next(line.split("=", 1)[1] for line in SECRETS if _committed(repo, env, rel, line))
        inner = hashlib.sha256(value.encode()).hexdigest()
        fp = hashlib.sha256("\0".join((str(f["rule"]), rel, inner)).encode()).hexdigest()[:16]
        entries[fp] = {"rule": f["rule"], "path": rel}
    base = write(tmp_path / "baseline.json", json.dumps({"version": 1, "fingerprints": entries}))
    cached = si("paas", "scan", "--history", "--all", "--json", "--baseline", str(base), cwd=repo)
    assert cached.code == 0, cached.stdout
    assert cached.json["baseline"]["ignored"] == len(_findings(first))


def _committed(repo: Path, env: dict[str, str], rel: str, line: str) -> bool:
    """True when some commit holds `line` in file `rel`."""
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--all", "-p", "--", rel],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return line in out


def test_an_unchanged_history_opens_no_blob_for_the_private_state_check(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path, home: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, env, "init", "-q")
    for i in range(4):
        write(repo / f"src/mod{i}.py", "".join(f"def f{n}():\n    return {n + i}\n" for n in range(40)))
        git(repo, env, "add", "-A")
        git(repo, env, "commit", "-q", "-m", f"change {i}")
    first = si("paas", "scan", "--history", "--all", "--json", cwd=repo)
    cached = json.loads(next((home / ".cache" / "si-paas" / "judged-v1").rglob("*.json")).read_text())
    assert len(cached["plain_heads"]) == 4  # no head kept: only the ids of plain blobs
    trace = tmp_path / "trace.txt"
    second = si("paas", "scan", "--history", "--all", "--json", cwd=repo, extra_env={"GIT_TRACE": str(trace)})
    assert second.json["checks"] == first.json["checks"]
    ran = trace.read_text()
    assert "git rev-list --reverse --all" in ran, ran  # the commits are listed, their diffs kept
    assert " git log " not in ran, ran
    assert "cat-file" not in ran, ran  # every blob judged, and its head known, from the cache


VAULT_LINE = "DB_PASSWORD=ENC[v1,AAECAwQFBgcICQoL,AAECAwQFBgcICQoLDA0ODxAREhM=]\n"


def _branched(root: Path, env: dict[str, str]) -> Path:
    """Branches, a merge, an amended commit, a vault copy under an innocent name (read by
    the scan) and one in an excluded folder (never read by it), besides the secrets."""
    _history(root, env, commits=6)
    write(root / ".si-paas.yaml", "exclude: ['vendor/*']\n")
    write(root / "notes/backup.txt", VAULT_LINE)
    write(root / "vendor/kept.txt", VAULT_LINE.replace("DB_", "API_"))
    git(root, env, "add", "-A")
    git(root, env, "commit", "-q", "-m", "state under other names")
    git(root, env, "checkout", "-q", "-b", "side", "HEAD~3")
    write(root / "side.env", SECRETS[5] + "\nSIDE=1\n")
    git(root, env, "add", "-A")
    git(root, env, "commit", "-q", "-m", "side")
    write(root / "side.env", SECRETS[4] + "\nSIDE=2\n")
    git(root, env, "add", "-A")
    git(root, env, "commit", "-q", "--amend", "-m", "side, amended")
    git(root, env, "checkout", "-q", "main")
    git(root, env, "merge", "-q", "--no-edit", "side")
    return root


def _report(run: Run) -> tuple[object, object]:
    return run.json["checks"], run.json["skipped"]


def _cache_files(home: Path) -> list[Path]:
    return [p for p in (home / ".cache" / "si-paas" / "judged-v1").rglob("*") if p.is_file()]


def test_cold_warm_damaged_and_uncached_scans_report_the_same(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path, home: Path
) -> None:
    repo = _branched(tmp_path / "repo", env)
    scan = ("paas", "scan", "--history", "--all", "--json")
    fresh = si(*scan, cwd=repo, extra_env={"SI_PAAS_NO_CACHE": "1"})
    assert fresh.code == 1
    checks = {c["id"]: c["findings"] for c in fresh.json["checks"]}
    by_content = [f for f in checks["no-repo-private-state"] if "by content" in f["message"]]
    assert {f["extra"]["relpath"] for f in by_content} == {"notes/backup.txt", "vendor/kept.txt"}
    assert len(checks["no-plaintext-secrets"]) == 4  # three on main, the amended side's one
    assert not _cache_files(home)
    cold = si(*scan, cwd=repo)
    names = {p.name for p in _cache_files(home)}
    assert "commits-v1.log" in names and any(n.endswith(".state") for n in names), names
    warm = si(*scan, cwd=repo)
    assert _report(cold) == _report(warm) == _report(fresh)
    for path in _cache_files(home):  # every cache file damaged: refused, and rebuilt
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] + b"\x00" + data[len(data) // 2 + 1 :])
    damaged = si(*scan, cwd=repo)
    assert _report(damaged) == _report(fresh)
    again = si(*scan, cwd=repo)
    assert _report(again) == _report(fresh)
    cached = b"".join(p.read_bytes() for p in _cache_files(home))
    for secret in SECRETS:
        assert secret.split("=", 1)[1].encode() not in cached
    assert b"AAECAwQFBgcICQoLDA0ODxAREhM=" not in cached  # a verdict, never a byte of the blob


def test_an_unchanged_history_peeks_no_blob_even_where_the_scan_reads_none(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path
) -> None:
    repo = _branched(tmp_path / "repo", env)
    scan = ("paas", "scan", "--history", "--all", "--json")
    trace = tmp_path / "trace.txt"
    first = si(*scan, cwd=repo, extra_env={"GIT_TRACE": str(trace)})
    ran = trace.read_text()
    assert ran.count("cat-file --batch\n") <= 3, ran  # sizes, contents, heads: each one stream
    trace.unlink()
    second = si(*scan, cwd=repo, extra_env={"GIT_TRACE": str(trace)})
    assert _report(second) == _report(first)
    ran = trace.read_text()
    assert "cat-file" not in ran and " git log " not in ran, ran


def test_a_rewritten_history_is_judged_as_afresh(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path
) -> None:
    repo = _branched(tmp_path / "repo", env)
    scan = ("paas", "scan", "--history", "--all", "--json")
    before = si(*scan, cwd=repo)
    git(repo, env, "checkout", "-q", "-b", "rewrite", "HEAD~4")
    write(repo / "deploy/new.env", "DB_PASSWORD=Hq3Zt8Lm2Wx9Kv4Bn7Rp1Sj6Df5Gy0Cu\n")
    write(repo / "notes/backup.txt", VAULT_LINE.replace("DB_", "NEW_"))
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "rewrite")
    git(repo, env, "branch", "-q", "-f", "main", "rewrite")
    git(repo, env, "branch", "-q", "-D", "side")
    warm = si(*scan, cwd=repo)
    fresh = si(*scan, cwd=repo, extra_env={"SI_PAAS_NO_CACHE": "1"})
    assert _report(warm) == _report(fresh)
    assert warm.json["checks"] != before.json["checks"]  # the rewrite is seen, not the old history


def test_a_shallow_clone_keeps_no_commit_log_and_reports_the_same(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path, home: Path
) -> None:
    repo = _branched(tmp_path / "repo", env)
    clone = tmp_path / "shallow"
    git(tmp_path, env, "clone", "-q", "--depth", "3", "--no-single-branch", f"file://{repo}", str(clone))
    scan = ("paas", "scan", "--history", "--all", "--json")
    fresh = si(*scan, cwd=clone, extra_env={"SI_PAAS_NO_CACHE": "1"})
    first = si(*scan, cwd=clone)
    second = si(*scan, cwd=clone)
    assert _report(first) == _report(second) == _report(fresh)
    assert "commits-v1.log" not in {p.name for p in _cache_files(home)}
    git(clone, env, "fetch", "-q", "--unshallow")
    deep = si(*scan, cwd=clone)
    assert _report(deep) == _report(si(*scan, cwd=clone, extra_env={"SI_PAAS_NO_CACHE": "1"}))


def test_a_blob_missing_once_gets_no_verdict(
    si: Callable[..., Run], env: dict[str, str], tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, env, "init", "-q")
    write(repo / ".si-paas.yaml", "exclude: ['vendor/*']\n")
    write(repo / "vendor/kept.txt", VAULT_LINE)
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "one")
    blob = git(repo, env, "rev-parse", "HEAD:vendor/kept.txt").strip()
    loose = repo / ".git" / "objects" / blob[:2] / blob[2:]
    saved = loose.read_bytes()
    loose.unlink()
    scan = ("paas", "scan", "--history", "--all", "--json")
    gone = si(*scan, cwd=repo)
    assert gone.code == 0  # the vault copy cannot be read, so it is not found
    loose.write_bytes(saved)
    back = si(*scan, cwd=repo)
    assert back.code == 1
    assert _report(back) == _report(si(*scan, cwd=repo, extra_env={"SI_PAAS_NO_CACHE": "1"}))
