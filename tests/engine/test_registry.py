"""The check-kind registry: kinds found by their declaration, imported one module at a time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from si_paas.engine.registry import declared_kinds

from conftest import write


def test_a_new_module_declares_its_kinds(tmp_path: Path) -> None:
    write(
        tmp_path / "quota.py",
        "from si_paas.engine.registry import check_kind\n\n\n"
        '@check_kind("state.quota", {"max": {"type": "integer"}})\n'
        "def quota(snap, params, policy):\n    return []\n\n\n"
        "@check_kind('state.quota_soft')\ndef soft(snap, params, policy):\n    return []\n",
    )
    write(tmp_path / "helpers.py", '# check_kind is mentioned, not used: @check_kind("no")\n')
    write(tmp_path / "_private.py", '@check_kind("hidden")\n')
    assert declared_kinds(tmp_path) == {"state.quota": "quota", "state.quota_soft": "quota"}


def test_a_kind_imports_only_the_module_that_declares_it() -> None:
    code = (
        "import json, sys\n"
        "from si_paas.engine.registry import get_check\n"
        "get_check('repo.no_plaintext_secrets')\n"
        "get_check('repo.no_private_state')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('si_paas.engine.checks.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["si_paas.engine.checks.private_state", "si_paas.engine.checks.secrets"]
