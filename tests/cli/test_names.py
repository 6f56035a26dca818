"""Names (contexts, targets, apps, secret keys, label keys, users) are matched in full.

A regex ending in `$` also matches before a final newline; every name is checked with
fullmatch, and every name-taking flag is fuzzed through the installed `si`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Run

OSS = ("paas", "--context", "oss-demo")


def _state_reads(si: Callable[..., Run], vault: bool = False) -> None:
    """Every reader still works: nothing a refused or accepted name did corrupted the state.

    doctor reads every context's config, records and event logs; `secret list` parses the
    vault strictly."""
    doctor = si("paas", "doctor", "--json")
    assert doctor.code in (0, 1), doctor.stderr
    if vault:
        run = si(*OSS, "secret", "list", "--json")
        assert run.code == 0, run.stderr


def test_context_name_with_trailing_newline_refused(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    run = si("paas", "context", "init", "--name", "oss-demo\n", "--type", "internal-dogfood")
    assert run.code == 2 and "context name" in run.stderr
    assert sorted(p.name for p in (state_root / "contexts").iterdir()) == ["internal-dogfood", "oss-demo"]


def test_secret_key_with_trailing_newline_refused(baseline: Callable[..., Run], state_root: Path) -> None:
    si = baseline
    run = si(*OSS, "secret", "set", "BAD\n", input="value-1")
    assert run.code == 2 and "secret key" in run.stderr
    assert not (state_root / "contexts/oss-demo/vault/secrets.env").exists()
    assert si(*OSS, "secret", "list", "--json").code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("target", "add", "t\n", "--host", "a.test", "--disposable"),
        ("target", "add", "t", "--host", "a.test\n", "--disposable"),
        ("target", "add", "t", "--host", "a.test", "--user", "ops\n", "--disposable"),
        ("target", "add", "t", "--host", "a.test", "--label", "k\n=v", "--disposable"),
        ("target", "add", "t", "--host", "a.test", "--label", "k=v\n1", "--disposable"),
    ],
)
def test_record_names_with_newlines_refused(
    baseline: Callable[..., Run], state_root: Path, args: tuple[str, ...]
) -> None:
    si = baseline
    run = si(*OSS, *args)
    assert run.code == 2, run.stderr
    assert not (state_root / "contexts/oss-demo/targets.json").exists()


def test_app_name_with_trailing_newline_refused(baseline: Callable[..., Run], home: Path) -> None:
    si = baseline
    assert si(*OSS, "target", "add", "t", "--host", "a.test", "--disposable").code == 0
    (home / "web").mkdir()
    run = si(*OSS, "app", "add", "web\n", "--source", str(home / "web"), "--target", "t")
    assert run.code == 2 and "app name" in run.stderr


def test_stored_name_with_newline_is_a_corrupt_file(baseline: Callable[..., Run], state_root: Path) -> None:
    """The schemas match in full too: a hand-made `"name": "t\\n"` is named, exit 2."""
    si = baseline
    assert si(*OSS, "target", "add", "t", "--host", "a.test", "--disposable").code == 0
    path = state_root / "contexts/oss-demo/targets.json"
    doc = json.loads(path.read_text())
    doc["items"][0]["name"] = "t\n"
    path.write_text(json.dumps(doc))
    run = si(*OSS, "target", "list")
    assert run.code == 2 and "items[0].name" in run.stderr


_ODD = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
NAMES = st.one_of(
    st.text(_ODD, min_size=0, max_size=70),
    st.tuples(
        st.sampled_from(["oss-demo", "t1", "web", "KEY", "tier"]),
        st.sampled_from(["\n", "\r\n", " ", "/", "/..", "\t", "\x1b[2J", "\u2028", "."]),
    ).map("".join),
)
# (argv builder, what it exercises); each puts the fuzzed string in one name-taking place.
FLAGS: dict[str, Callable[[str], tuple[str, ...]]] = {
    "context-init": lambda n: ("paas", "context", "init", "--name", n, "--type", "oss-demo"),
    "context-opt": lambda n: ("paas", "--context", n, "target", "list", "--json"),
    "context-use": lambda n: ("paas", "context", "use", n),
    "target-name": lambda n: (*OSS, "target", "add", n, "--host", "fz.test", "--disposable"),
    "target-host": lambda n: (*OSS, "target", "add", "fz", "--host", n, "--disposable"),
    "target-user": lambda n: (*OSS, "target", "add", "fz", "--host", "fz.test", "--user", n, "--disposable"),
    "label-key": lambda n: (
        *OSS,
        "target",
        "add",
        "fz",
        "--host",
        "fz.test",
        "--label",
        f"{n}=v",
        "--disposable",
    ),
    "secret-key": lambda n: (*OSS, "secret", "set", n),
}


@pytest.mark.parametrize("flag", sorted(FLAGS))
def test_fuzz_name_flags(baseline: Callable[..., Run], flag: str) -> None:
    si = baseline

    @settings(
        max_examples=4,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(name=NAMES)
    def check(name: str) -> None:
        run = si(*FLAGS[flag](name), input="fuzz-value-1")
        assert run.code in (0, 1, 2), (name, run.code, run.stderr)
        assert "Traceback" not in run.stderr and "internal error" not in run.stderr
        if run.code == 0 and flag in ("target-name", "target-host", "target-user", "label-key"):
            target = name if flag == "target-name" else "fz"
            assert si(*OSS, "target", "remove", target).code == 0
        _state_reads(si, vault=flag == "secret-key")

    check()
