"""The matcher backend through the installed `si`: same verdict either way, bad names refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, write


def _tree(root: Path) -> Path:
    for i in range(80):  # enough files for auto to take Hyperscan
        body = f"value_{i} = {i}\n" * 10
        if i % 9 == 0:
            body += f"API_TOKEN=Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5G{i:04d}\n"
        if i % 13 == 0:
            body += "password = 'Hq3Zt8Lm2Wx9Kv4Bn7Rp1Sj6Df5Gy0Cu'  # caf\u00e9\n"
        write(root / f"d{i % 5}" / f"f{i}.{'env' if i % 2 else 'py'}", body)
    write(
        root / "k8s" / "deploy.yaml",
        "  - name: OAUTH_CLIENT_SECRET\n    value: Qz8Lm3Wt9Kx2Bv7Nr4Ph6Sj1Df5Gy0Ce\n",
    )
    return root


def test_every_backend_gives_the_same_verdict(si: Callable[..., Run], tmp_path: Path) -> None:
    pytest.importorskip("hyperscan")
    tree = _tree(tmp_path / "tree")
    runs = {
        name: si(
            "paas", "scan", str(tree), "--json", extra_env={"SI_PAAS_MATCHER": name, "SI_PAAS_WORKERS": "1"}
        )
        for name in ("python", "hyperscan", "auto")
    }
    assert {r.code for r in runs.values()} == {1}
    assert runs["python"].json["checks"] == runs["hyperscan"].json["checks"] == runs["auto"].json["checks"]
    found = next(c for c in runs["hyperscan"].json["checks"] if c["id"] == "no-plaintext-secrets")["findings"]
    assert len(found) >= 10


def test_an_unknown_backend_is_a_one_line_error(si: Callable[..., Run], tmp_path: Path) -> None:
    tree = _tree(tmp_path / "tree")
    run = si("paas", "scan", str(tree), extra_env={"SI_PAAS_MATCHER": "grep"})
    assert run.code == 2
    assert "SI_PAAS_MATCHER" in run.stderr and "grep" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
