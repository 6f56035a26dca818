"""Fuzz every file si-paas reads: state files, policy files, rule packs, the repository
config and export bundles. Each is replaced by random bytes, random JSON/YAML or a valid
document with one part mutated, then read by the commands that read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fuzzkit import FAST, TEXT, Worlds, assert_clean, run_inproc

ROOT = Path(__file__).resolve().parents[2]

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
)
JSONISH = st.recursive(
    SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4), max_leaves=12
)
SPECIAL = st.sampled_from(
    [
        b"",
        b"\n",
        b"\x00" * 64,
        b"\xff\xfe\x00{\x00}",
        b"[" * 50_000,
        b'{"a":' * 20_000,
        b"1" * 5_000,
        b"-" * 3 + b"\n" + b"a: &x [*x]\n",
        b"a: !!python/object:os.system ls\n",
        b"\xef\xbb\xbf{}",
        '{"name": "\u202e"}'.encode(),
        b"null",
        b"[]",
        b'"string"',
    ]
)
Mutation = tuple[int, str, Any]
MUTATION = st.tuples(st.integers(0, 10**6), st.sampled_from(["replace", "delete", "insert"]), JSONISH)


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*here, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*here, i))
    return out


def mutate(doc: Any, mutation: Mutation) -> Any:
    """`doc` with one node replaced, deleted or given a new member."""
    index, op, value = mutation
    paths = _paths(doc)
    path = paths[index % len(paths)]
    if not path:
        return value
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if op == "replace":
        parent[last] = value
    elif op == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[f"{last}_extra"] = value
    else:
        parent.insert(last, value)
    return doc


def _json_content(valid: Any) -> st.SearchStrategy[bytes]:
    mutated = MUTATION.map(
        lambda m: json.dumps(mutate(json.loads(json.dumps(valid)), m), allow_nan=True).encode()
    )
    return st.one_of(
        mutated, mutated, JSONISH.map(lambda v: json.dumps(v).encode()), SPECIAL, st.binary(max_size=200)
    )


def _yaml_content(valid: Any) -> st.SearchStrategy[bytes]:
    def dump(m: Mutation) -> bytes:
        return yaml.safe_dump(mutate(json.loads(json.dumps(valid)), m), allow_unicode=True).encode()

    mutated = MUTATION.map(dump)
    return st.one_of(
        mutated,
        mutated,
        JSONISH.map(lambda v: yaml.safe_dump(v).encode()),
        SPECIAL,
        st.binary(max_size=200),
        TEXT.map(str.encode),
    )


STATE_FILES = {
    "config.json": "contexts/oss-demo/config.json",
    "targets.json": "contexts/oss-demo/targets.json",
    "apps.json": "contexts/oss-demo/apps.json",
    "audit.jsonl": "contexts/oss-demo/events/audit.jsonl",
    "deployments.jsonl": "contexts/oss-demo/events/deployments.jsonl",
    "foreign config.json": "contexts/copy/config.json",
    "vault": "contexts/oss-demo/vault/secrets.env",
    "current_context": "current_context",
}
READERS = [
    ["paas", "doctor", "--json"],
    ["paas", "context", "list", "--json"],
    ["paas", "--context", "oss-demo", "context", "show", "--json"],
    ["paas", "--context", "oss-demo", "target", "list", "--json"],
    ["paas", "--context", "oss-demo", "app", "list", "--json"],
    ["paas", "--context", "oss-demo", "events", "list", "--json"],
    ["paas", "--context", "oss-demo", "secret", "list", "--json"],
    [
        "paas",
        "--context",
        "oss-demo",
        "target",
        "add",
        "t9",
        "--host",
        "t9.example.test",
        "--disposable",
        "--json",
    ],
    ["paas", "--context", "oss-demo", "context", "export", "--json"],
    ["paas", "target", "list", "--json"],  # through current_context
]


def _valid(worlds: Worlds, rel: str) -> Any:
    path = worlds.template / "home" / ".si" / "paas" / rel
    if rel.endswith(".jsonl"):
        lines = (
            [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            if path.exists()
            else []
        )
        return lines or [{"kind": "audit"}]
    if rel.endswith(".json") and path.exists():
        return json.loads(path.read_text())
    ref = worlds.template / "home" / ".si" / "paas" / "contexts" / "oss-demo" / "config.json"
    return json.loads(ref.read_text())


def _state_content(worlds: Worlds, rel: str) -> st.SearchStrategy[bytes]:
    valid = _valid(worlds, rel)
    if rel.endswith(".jsonl"):  # whole lines, torn lines, and a valid log with one bad line
        line = _json_content(valid[0])
        return st.lists(line, min_size=1, max_size=4).map(lambda ls: b"\n".join(ls) + b"\n") | line
    if rel.endswith("secrets.env"):
        return st.one_of(
            st.binary(max_size=200),
            SPECIAL,
            TEXT.map(str.encode),
            st.lists(st.tuples(TEXT, TEXT), max_size=4).map(
                lambda kv: "".join(f"{k}={v}\n" for k, v in kv).encode()
            ),
            st.just(b"API_TOKEN=ENC[v1,AAAA,BBBB]\n"),
        )
    if rel == "current_context":
        return st.one_of(
            st.binary(max_size=100),
            SPECIAL,
            TEXT.map(str.encode),
            st.sampled_from([b"oss-demo", b"oss-demo\n\n", b"../x", b"\xff"]),
        )
    return _json_content(valid)


@pytest.mark.parametrize("kind", sorted(STATE_FILES))
def test_state_files(worlds: Worlds, kind: str) -> None:
    rel = STATE_FILES[kind]

    @FAST
    @given(content=_state_content(worlds, rel), reader=st.sampled_from(READERS))
    def check(content: bytes, reader: list[str]) -> None:
        with worlds.fresh() as here:
            path = worlds.state_root / rel
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.write_bytes(content)
            path.chmod(0o600)
            assert_clean(run_inproc(reader, worlds.env, here / "repo"))

    check()


def _policy(name: str) -> Any:
    return yaml.safe_load((ROOT / "policies" / name).read_text())


@pytest.mark.parametrize(
    "base", ["no-plaintext-secrets.yaml", "oss-demo-public-safe.yaml", "state-permissions.yaml"]
)
def test_policy_files(worlds: Worlds, base: str) -> None:
    @FAST
    @given(
        content=_yaml_content(_policy(base)),
        command=st.sampled_from(
            [["policy", "list"], ["policy", "test"], ["doctor"], ["scan"], ["scan", "--staged"]]
        ),
    )
    def check(content: bytes, command: list[str]) -> None:
        with worlds.fresh() as here:
            folder = here / "mypolicies"
            folder.mkdir()
            (folder / base).write_bytes(content)
            assert_clean(
                run_inproc(["paas", *command, "--policies", str(folder), "--json"], worlds.env, here / "repo")
            )

    check()


def _small_pack(name: str) -> Any:
    pack = yaml.safe_load((ROOT / "rules" / name).read_text())
    for key in ("rules", "patterns"):
        if isinstance(pack.get(key), list):
            pack[key] = pack[key][:2]
    return pack


@pytest.mark.parametrize(
    ("flag", "name"), [("--secrets", "secrets.yaml"), ("--private-state", "private-state.yaml")]
)
def test_rule_packs(worlds: Worlds, flag: str, name: str) -> None:
    @FAST
    @given(content=_yaml_content(_small_pack(name)))
    def check(content: bytes) -> None:
        with worlds.fresh() as here:
            pack = here / name
            pack.write_bytes(content)
            assert_clean(
                run_inproc(["paas", "rules", "test", flag, str(pack), "--json"], worlds.env, here / "repo")
            )

    check()


REPO_CONFIG = {
    "policies": ["ci/policies"],
    "disable": ["oss-demo-public-safe"],
    "exclude": ["tests/fixtures/*"],
}


def test_repo_config(worlds: Worlds) -> None:
    @FAST
    @given(
        content=_yaml_content(REPO_CONFIG),
        command=st.sampled_from(
            [["scan"], ["scan", "--staged"], ["scan", "--history"], ["doctor"], ["policy", "list"]]
        ),
    )
    def check(content: bytes, command: list[str]) -> None:
        with worlds.fresh() as here:
            (here / "repo" / ".si-paas.yaml").write_bytes(content)
            assert_clean(run_inproc(["paas", *command, "--json"], worlds.env, here / "repo"))

    check()


def test_bundles(worlds: Worlds) -> None:
    exported = run_inproc(
        ["paas", "--context", "oss-demo", "context", "export", "--json"], worlds.env, worlds.path
    )
    assert exported.code == 0, exported.stderr
    valid = json.loads(exported.stdout)["bundle"]

    @FAST
    @given(
        content=_json_content(valid),
        extra=st.sampled_from([[], ["--force"], ["--allow-cross-type"]]),
        into=st.sampled_from(["oss-demo", "internal-dogfood"]),
    )
    def check(content: bytes, extra: list[str], into: str) -> None:
        with worlds.fresh() as here:
            bundle = here / "bundle.json"
            bundle.write_bytes(content)
            assert_clean(
                run_inproc(
                    ["paas", "--context", into, "context", "import", str(bundle), *extra, "--json"],
                    worlds.env,
                    here / "repo",
                )
            )
            assert_clean(run_inproc(["paas", "doctor", "--json"], worlds.env, here / "repo"))

    check()
