"""The CI jobs in docs/ci.md: every `si paas` command they run works on a real repository."""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import yaml

from conftest import Run, git, write

DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"


def _commands() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.S)
    github, gitlab = (yaml.safe_load(b) for b in blocks[:2])
    steps = github["jobs"]["contamination"]["steps"]
    lines = [s["run"] for s in steps if "run" in s] + gitlab["si-paas"]["script"]
    return [line for line in lines if line.startswith("si paas")]


def _run(si: Callable[..., Run], line: str, repo: Path) -> int:
    command, _, redirect = line.partition(" > ")
    run = si(*shlex.split(command)[1:], cwd=repo)
    if redirect:
        (repo / redirect.strip()).write_text(run.stdout)
    return run.code


def test_ci_commands_pass_clean_and_fail_contaminated(
    si: Callable[..., Run], make_repo: Callable[..., Path], env: dict[str, str]
) -> None:
    commands = _commands()
    assert len(commands) == 4
    clean = make_repo("clean", files={"app.py": "print('ok')\n"})
    assert [_run(si, c, clean) for c in commands] == [0, 0, 0, 0]
    dirty = make_repo("dirty", files={"app.py": "print('ok')\n"})
    write(dirty / "deploy" / ".env", "DB_PASSWORD=Zr7Kq2Lm8Wn4Xv6Bt1Pc9Hd3Jf5Gs0Ya\n")
    git(dirty, env, "add", "-A")
    git(dirty, env, "commit", "-qm", "oops")
    assert [_run(si, c, dirty) for c in commands] == [1, 1, 1, 1]
    sarif = json.loads((dirty / "si-paas.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "no-plaintext-secrets"
    cases = ET.parse(dirty / "si-paas.xml").getroot().findall(".//testcase")
    assert any(c.find("failure") is not None for c in cases)
    history = json.loads((dirty / "si-paas-history.json").read_text())
    assert history["ok"] is False and history["command"] == "scan"
