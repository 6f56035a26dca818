"""The on-disk cache of checked policies, rule packs and repo configs: never stale, never trusted blindly."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas import diskcache

from conftest import Run, git, write

pytestmark = pytest.mark.own_cache  # these tests look at the cache folder itself

ENV_SECRET = "API_TOKEN=q8Zt3LmW9xK2vB7nR4pH6sJ1dF5gT0yC"


def _entries(home: Path) -> list[Path]:
    folder = home / ".cache" / "si-paas" / "checked-v1"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def test_an_edit_of_the_same_size_is_seen_at_once(
    si: Callable[..., Run], make_repo: Callable[..., Path], home: Path
) -> None:
    """The key is the file's bytes, not its mtime: a same-size edit in the same tick counts."""
    repo = make_repo(files={"a.env": ENV_SECRET + "\n", "b.env": ENV_SECRET + "\n"})
    config = repo / ".si-paas.yaml"
    config.write_text("exclude: [a.env]\n")
    first = si("paas", "scan", "--json", cwd=repo)
    assert first.code == 1
    assert {f["extra"]["relpath"] for f in first.json["checks"][0]["findings"]} == {"b.env"}
    assert _entries(home), "the first run keeps the checked documents"
    config.write_text("exclude: [b.env]\n")  # same size, rewritten at once
    second = si("paas", "scan", "--json", cwd=repo)
    assert {f["extra"]["relpath"] for f in second.json["checks"][0]["findings"]} == {"a.env"}


def test_a_broken_file_after_a_good_one_still_fails(
    si: Callable[..., Run], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo()
    policies = tmp_path / "policies"
    good = (
        "id: extra\ntitle: Extra\nseverity: high\nscopes: [ci]\n"
        "check: repo.no_private_state\nremediation: remove it\n"
    )
    write(policies / "extra.yaml", good)
    assert si("paas", "scan", "--policies", str(policies), cwd=repo).code == 0
    write(policies / "extra.yaml", good.replace("severity: high", "severity: loud"))
    run = si("paas", "scan", "--policies", str(policies), cwd=repo)
    assert run.code == 2 and "extra.yaml:3: field severity" in run.stderr, run.stderr


def test_corrupt_forged_and_untrusted_entries_are_ignored(
    si: Callable[..., Run], make_repo: Callable[..., Path], home: Path, env: dict[str, str]
) -> None:
    repo = make_repo()
    write(repo / "a.env", ENV_SECRET + "\n")
    write(repo / ".si-paas.yaml", "exclude: [a.env]\n")
    git(repo, env, "add", "-A")  # both staged: the scan judges a.env and skips it
    assert si("paas", "scan", "--staged", cwd=repo).code == 0
    entries = _entries(home)
    assert entries
    for entry in entries:  # every entry now claims an empty document
        entry.write_text(json.dumps({"key": "0" * 64, "data": {}}))
    assert si("paas", "scan", "--staged", cwd=repo).code == 0
    for entry in _entries(home):
        entry.write_text('{"key": "trunc')
    assert si("paas", "scan", "--staged", cwd=repo).code == 0
    # A well-formed entry under the right key, in a folder others may write to, is not used:
    # it says the repository config excludes nothing, which would make the scan fail.
    folder = entries[0].parent
    config_key = diskcache.key_for("repository config", (repo / ".si-paas.yaml").read_bytes())
    forged = {"key": config_key, "data": {"policies": [], "disable": [], "exclude": []}}
    os.chmod(folder, 0o777)
    (folder / f"{config_key}.json").write_text(json.dumps(forged))
    assert si("paas", "scan", "--staged", cwd=repo).code == 0
    os.chmod(folder, 0o700)  # the same entry in a private folder is trusted: the key is right
    (folder / f"{config_key}.json").write_text(json.dumps(forged))
    assert si("paas", "scan", "--staged", cwd=repo).code == 1


def test_no_cache_and_unwritable_cache(
    si: Callable[..., Run], make_repo: Callable[..., Path], home: Path, tmp_path: Path
) -> None:
    repo = make_repo()
    assert si("paas", "scan", cwd=repo, extra_env={"SI_PAAS_NO_CACHE": "1"}).code == 0
    assert not _entries(home)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    run = si("paas", "scan", cwd=repo, extra_env={"SI_PAAS_CACHE_DIR": str(blocker)})
    assert run.code == 0 and run.stderr == ""
    custom = tmp_path / "cache"
    assert si("paas", "scan", cwd=repo, extra_env={"SI_PAAS_CACHE_DIR": str(custom)}).code == 0
    assert list((custom / "checked-v1").glob("*.json"))
    assert (custom / "checked-v1").stat().st_mode & 0o777 == 0o700


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(data=_JSON, content=st.binary(max_size=64))
def test_round_trip_under_the_content_key(
    tmp_path_factory: pytest.TempPathFactory, data: object, content: bytes
) -> None:
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SI_PAAS_CACHE_DIR", str(folder))
        mp.delenv("SI_PAAS_NO_CACHE", raising=False)
        key = diskcache.key_for("kind", content)
        assert key != diskcache.key_for("other kind", content)
        assert key != diskcache.key_for("kind", content + b"\0")
        diskcache.put(key, data)
        assert diskcache.get(key) == data
        diskcache.put(key, ("a", "tuple"))  # does not survive JSON: not cached
        assert diskcache.get(key) == data
