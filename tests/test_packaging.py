"""A wheel built from the repo ships policies, rules and schemas and gives a working `si`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_into_clean_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next(dist.glob("si_paas-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("policies", "rules", "schemas"):
        shipped = [n for n in names if n.startswith(f"si_paas/_data/{folder}/")]
        repo_files = [p for p in (ROOT / folder).iterdir() if p.is_file()]
        assert len(shipped) == len(repo_files) > 0, folder

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    # The dependencies come from this environment (no network); si-paas itself from the wheel.
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
            str(wheel),
        ],
        check=True,
    )
    si = venv / "bin" / "si"
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "HOME": str(work), "SI_PAAS_STATE_ROOT": str(work / "state"), "PYTHONPATH": ""}
    version = subprocess.run(
        [str(si), "paas", "--version"], cwd=work, env=env, capture_output=True, text=True, check=True
    )
    assert "0.1.0" in version.stdout
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import si_paas.resources as r; print(r.data_dir('policies'))"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(venv) in where.stdout  # loaded from the wheel, not from the checkout
    subprocess.run(
        [str(si), "paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )
    doctor = subprocess.run(
        [str(si), "paas", "doctor", "--json"], cwd=work, env=env, capture_output=True, text=True
    )
    assert doctor.returncode == 0, doctor.stderr
    assert json.loads(doctor.stdout)["ok"] is True
