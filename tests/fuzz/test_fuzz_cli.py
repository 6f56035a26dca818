"""Fuzz every command and flag: random command lines built from the click tree, hostile
names for every name-taking argument, in-process and through the installed `si`."""

from __future__ import annotations

from typing import Any

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzkit import FAST, NAME, SLOW, VALUE, Worlds, assert_clean, leaves, run_inproc, run_si

LEAVES = {path: cmd for path, cmd in leaves().items() if path != ("demo",)}  # demo: own tests
# Commands that run every shipped example (seconds a run) get fewer command lines; their
# own options are few and their examples are run by tests/engine and tests/detect.
WHOLE_PACK = {("policy", "test"), ("rules", "test")}


def _flags(cmd: click.Command) -> list[str]:
    return sorted(
        {o for p in cmd.params if isinstance(p, click.Option) for o in (*p.opts, *p.secondary_opts)}
    )


def _required(cmd: click.Command) -> st.SearchStrategy[list[str]]:
    parts: list[st.SearchStrategy[list[str]]] = []
    for param in cmd.params:
        if not param.required:
            continue
        value = (
            st.sampled_from(list(param.type.choices)) | VALUE
            if isinstance(param.type, click.Choice)
            else VALUE
        )
        if isinstance(param, click.Argument):
            parts.append(value.map(lambda v: [v]))
        else:
            parts.append(value.map(lambda v, o=param.opts[0]: [o, v]))
    return st.tuples(*parts).map(lambda chunks: [a for c in chunks for a in c]) if parts else st.just([])


def _argv(path: tuple[str, ...], cmd: click.Command) -> st.SearchStrategy[list[str]]:
    token = st.sampled_from([*_flags(cmd), "--json", "--context"]) | VALUE
    prefix = st.sampled_from(
        [[], ["--context", "oss-demo"], ["--context", "internal-dogfood"], ["--context", "nope"]]
    )
    return st.tuples(prefix, _required(cmd) | st.just([]), st.lists(token, max_size=6)).map(
        lambda t: ["paas", *t[0], *path, *t[1], *t[2]]
    )


def _case(path: tuple[str, ...], cmd: click.Command) -> Any:
    @(settings(FAST, max_examples=5) if path in WHOLE_PACK else FAST)
    @given(argv=_argv(path, cmd), stdin=st.sampled_from([b"", b"v4lue-Zq8\n", b"\xff\xfe"]))
    def check(worlds: Worlds, argv: list[str], stdin: bytes) -> None:
        with worlds.fresh() as here:
            assert_clean(run_inproc(argv, worlds.env, here / "repo", stdin))

    return check


@pytest.mark.parametrize("path", sorted(LEAVES), ids=" ".join)
def test_any_command_line_in_process(worlds: Worlds, path: tuple[str, ...]) -> None:
    _case(path, LEAVES[path])(worlds)


# Every flag or argument that takes a name, with what it is fed.
NAME_TAKERS = [
    ["paas", "context", "init", "--type", "oss-demo", "--name"],
    ["paas", "--context"],  # followed by `target list`
    ["paas", "context", "use"],
    ["paas", "context", "show"],
    ["paas", "context", "remove"],
    ["paas", "--context", "oss-demo", "target", "add", "--host", "h.example.test", "--disposable"],
    ["paas", "--context", "oss-demo", "target", "show"],
    ["paas", "--context", "oss-demo", "target", "update", "demo-1", "--label"],
    ["paas", "--context", "oss-demo", "target", "add", "t2", "--disposable", "--host"],
    ["paas", "--context", "oss-demo", "app", "add", "--source", "web", "--target", "demo-1"],
    ["paas", "--context", "oss-demo", "app", "add", "w2", "--source", "web", "--target"],
    ["paas", "--context", "oss-demo", "secret", "set"],
    ["paas", "--context", "oss-demo", "secret", "get"],
    ["paas", "--context", "oss-demo", "events", "list", "--kind"],
]


@SLOW
@given(taker=st.sampled_from(NAME_TAKERS), name=NAME, as_json=st.booleans())
def test_hostile_names_through_the_installed_si(
    worlds: Worlds, taker: list[str], name: str, as_json: bool
) -> None:
    argv = [*taker, name, *(["target", "list"] if taker == ["paas", "--context"] else [])]
    argv += ["--json"] if as_json else []
    with worlds.fresh() as here:
        run = run_si(argv, worlds.env, here / "web", stdin=b"Zq8-v4lue!\n")
        assert_clean(run)
        # Whatever the name did, the state it left behind is still readable by every reader.
        for after in (
            ["paas", "doctor", "--json"],
            ["paas", "context", "list", "--json"],
            ["paas", "--context", "oss-demo", "secret", "list", "--json"],
        ):
            assert_clean(run_si(after, worlds.env, here / "web"))
