"""`si paas scan` on real repositories: formats, baseline, allow comments, skips."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from jsonschema import Draft4Validator

from conftest import Run, write

ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
TOKEN = "ghp_" + "R8aZ3kLq9WmX2vB7nT4pH6sJ1dF5gY0cE2uQ"
ENV_SECRET = "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"


def _ids(doc: dict[str, object]) -> set[str]:
    return {c["id"] for c in doc["checks"] if not c["ok"]}  # type: ignore[index,union-attr]


def test_clean_and_dirty(si: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={"app.py": "print('ok')\n"})
    assert si("paas", "scan", cwd=repo).code == 0
    write(repo / "deploy.sh", f"export GH={TOKEN}\n")
    run = si("paas", "scan", "--json", cwd=repo)
    assert run.code == 1 and _ids(run.json) == {"no-plaintext-secrets"}
    finding = run.json["checks"][0]["findings"][0]
    assert finding["extra"]["relpath"] == "deploy.sh" and finding["line"] == 1
    assert TOKEN not in run.stdout and TOKEN[:8] not in finding["excerpt"]


def test_sarif_validates_against_the_official_schema(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo(files={".env": ENV_SECRET + "\n", "ops/.si/paas/current_context": "oss-demo\n"})
    out = tmp_path / "report.sarif"
    run = si("paas", "scan", "--format", "sarif", "--output", str(out), cwd=repo)
    assert run.code == 1
    doc = json.loads(out.read_text())
    Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(doc)
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"no-plaintext-secrets", "no-repo-private-state"}
    secret = next(r for r in results if r["ruleId"] == "no-plaintext-secrets")
    loc = secret["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == ".env" and loc["region"]["startLine"] == 1
    assert secret["partialFingerprints"]
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["help"]["text"] for r in rules)
    assert "q8Zt3LmW9xK2vB7n" not in out.read_text()


def test_junit_one_testcase_per_policy(si: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={".env": ENV_SECRET + "\n"})
    run = si("paas", "scan", "--format", "junit", cwd=repo)
    assert run.code == 1
    root = ET.fromstring(run.stdout)
    cases = root.findall(".//testcase")
    assert {c.get("name") for c in cases} >= {"no-plaintext-secrets", "no-repo-private-state"}
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["no-plaintext-secrets"]


def test_baseline_round_trip_and_stale(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo(files={".env": ENV_SECRET + "\n"})
    base = tmp_path / "baseline.json"
    first = si("paas", "scan", "--baseline", str(base), "--update-baseline", "--json", cwd=repo)
    assert first.code == 0 and base.is_file() and first.json["baseline"]["ignored"] == 1
    # The secret moves down a line: same fingerprint, still ignored.
    (repo / ".env").write_text("# moved\n" + ENV_SECRET + "\n")
    moved = si("paas", "scan", "--baseline", str(base), "--json", cwd=repo)
    assert moved.code == 0 and moved.json["baseline"]["stale"] == []
    (repo / ".env").write_text("API_TOKEN=${API_TOKEN}\n")
    gone = si("paas", "scan", "--baseline", str(base), "--json", cwd=repo)
    assert gone.code == 0 and len(gone.json["baseline"]["stale"]) == 1
    (repo / ".env").write_text("API_TOKEN=Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5Gs0Ya\n")
    new = si("paas", "scan", "--baseline", str(base), cwd=repo)
    assert new.code == 1
    bad = write(tmp_path / "bad.json", "{not json")
    broken = si("paas", "scan", "--baseline", str(bad), cwd=repo)
    assert broken.code == 2 and str(bad) in broken.stderr


def test_inline_allow_comments(si: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        files={
            "a.py": f'TOKEN = "{TOKEN}"  # si-paas: allow\n',
            "b.py": f'TOKEN = "{TOKEN}"  # gitleaks:allow\n',
            "c.py": f'TOKEN = "{TOKEN}"  # pragma: allowlist secret\n',
        }
    )
    assert si("paas", "scan", cwd=repo).code == 0
    write(repo / "d.py", f'TOKEN = "{TOKEN}"\n')
    assert si("paas", "scan", cwd=repo).code == 1


def test_skips_are_counted(si: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={"big.txt": ("x" * 100 + "\n") * 50 + ENV_SECRET + "\n"})
    (repo / "blob.bin").write_bytes(b"\x00\x01" + ENV_SECRET.encode())
    run = si("paas", "scan", "--max-file-size", "1000", "--json", cwd=repo)
    assert run.code == 0
    skipped = run.json["skipped"][str(repo.resolve())]["skipped"]
    assert skipped == {"larger than 1000 bytes": 1, "binary": 1}


def test_plain_folder_and_bad_path(si: Callable[..., Run], tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    write(folder / "conf" / "app.env", ENV_SECRET + "\n")
    run = si("paas", "scan", str(folder), "--json")
    assert run.code == 1 and run.json["repos"] == [str(folder.resolve())]
    missing = si("paas", "scan", str(tmp_path / "nope"))
    assert missing.code == 2 and "no such file" in missing.stderr
    clash = si("paas", "scan", "--since", "HEAD~1")
    assert clash.code == 2 and "--history" in clash.stderr


def test_repo_config_excludes_are_visible(si: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={"fixtures/fake.env": ENV_SECRET + "\n", "app.py": "x = 1\n"})
    assert si("paas", "scan", cwd=repo).code == 1
    write(repo / ".si-paas.yaml", "exclude: ['fixtures/*']\n")
    run = si("paas", "scan", "--json", cwd=repo)
    assert run.code == 0
    assert run.json["skipped"][str(repo.resolve())]["skipped"] == {"excluded by .si-paas.yaml": 1}
    write(repo / ".si-paas.yaml", "exclude: fixtures\n")
    bad = si("paas", "scan", cwd=repo)
    assert bad.code == 2 and "field exclude" in bad.stderr


def test_parallel_scan_finds_exactly_what_one_process_finds(si: Callable[..., Run], tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for i in range(600):
        body = f"value_{i} = {i}\n" * 20
        if i % 37 == 0:
            body += f"API_TOKEN=Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5G{i:04d}\n"
        write(tree / f"d{i % 7}" / f"f{i}.env", body)
    (tree / "blob.bin").write_bytes(b"\x00" * 10)
    one = si("paas", "scan", str(tree), "--json", extra_env={"SI_PAAS_WORKERS": "1"})
    two = si("paas", "scan", str(tree), "--json", extra_env={"SI_PAAS_WORKERS": "2"})
    assert one.code == two.code == 1
    assert one.json["checks"] == two.json["checks"]
    stats = [run.json["skipped"][str(tree.resolve())] for run in (one, two)]
    assert stats[0].pop("workers") == 1 and stats[1].pop("workers") >= 1
    assert stats[0] == stats[1]
    findings = next(c for c in two.json["checks"] if c["id"] == "no-plaintext-secrets")["findings"]
    assert len(findings) == len(range(0, 600, 37))


def test_min_confidence_and_explain(si: Callable[..., Run], make_repo: Callable[..., Path]) -> None:
    value = "Rq7VmP2xLk9TzW4nHb6Y"
    repo = make_repo(
        files={
            "notes.txt": f"stripe_key={value}\nbannerbear KEY {value}x\n"
            '"output_token": "DistributionList.NextMarker",\n'
        }
    )
    every = si("paas", "scan", "--json", cwd=repo)
    assert every.code == 1
    found = every.json["checks"][0]["findings"]
    assert sorted(f["confidence"] for f in found) == ["low", "medium"]
    assert "suppressed" not in every.json
    medium = si("paas", "scan", "--json", "--min-confidence", "medium", cwd=repo)
    assert [f["confidence"] for f in medium.json["checks"][0]["findings"]] == ["medium"]
    assert medium.json["min_confidence"] == "medium"
    high = si("paas", "scan", "--json", "--min-confidence", "high", cwd=repo)
    assert high.code == 0
    explained = si("paas", "scan", "--json", "--explain", cwd=repo)
    assert {s["extra"]["suppressed_by"] for s in explained.json["suppressed"]} == {"dotted-path"}
    assert all("filters_passed" in f["extra"]["explain"] for f in explained.json["checks"][0]["findings"])
    assert value not in explained.stdout
    table = si("paas", "scan", cwd=repo)
    assert "(medium confidence)" in table.stdout
    junit = si("paas", "scan", "--format", "junit", cwd=repo)
    assert "[low confidence]" in junit.stdout
    sarif = json.loads(si("paas", "scan", "--format", "sarif", cwd=repo).stdout)
    assert {r["properties"]["confidence"] for r in sarif["runs"][0]["results"]} == {"low", "medium"}
    bad = si("paas", "scan", "--min-confidence", "sure", cwd=repo)
    assert bad.code == 2 and "--min-confidence" in bad.stderr


def test_sarif_for_code_scanning_locates_every_result(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    """Every rule has helpUri and shortDescription; every result (secrets, private state,
    the state root) a region, partialFingerprints and a relative URI on a declared base."""
    from urllib.parse import unquote, urljoin

    repo = make_repo(files={".env": ENV_SECRET + "\n", "ops/.si/paas/current_context": "oss-demo\n"})
    inside = repo / ".state"
    inside.mkdir()
    run = si("paas", "scan", "--format", "sarif", cwd=repo, extra_env={"SI_PAAS_STATE_ROOT": str(inside)})
    assert run.code == 1, run.stderr
    doc = json.loads(run.stdout)
    Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(doc)
    sarif_run = doc["runs"][0]
    for rule in sarif_run["tool"]["driver"]["rules"]:
        assert rule["helpUri"].startswith("https://") and rule["shortDescription"]["text"]
    bases = {k: v["uri"] for k, v in sarif_run["originalUriBaseIds"].items()}
    results = sarif_run["results"]
    assert {r["ruleId"] for r in results} == {
        "no-plaintext-secrets",
        "no-repo-private-state",
        "state-root-outside-repo",
    }
    real = repo.resolve()
    for result in results:
        loc = result["locations"][0]["physicalLocation"]
        art = loc["artifactLocation"]
        assert not art["uri"].startswith("/") and str(real).lstrip("/") not in art["uri"]
        target = unquote(urljoin(bases[art["uriBaseId"]], art["uri"]))
        assert target.startswith(real.as_uri()), (art, bases)
        assert loc["region"]["startLine"] >= 1
        assert result["partialFingerprints"]
    by_rule = {r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results}
    assert by_rule["no-repo-private-state"] == {
        "uri": "ops/.si/paas/current_context",
        "uriBaseId": "%SRCROOT%",
    }
    assert by_rule["state-root-outside-repo"]["uriBaseId"] in ("%SRCROOT%", "STATEROOT")
