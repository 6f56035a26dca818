"""Atomic writes survive SIGKILL; concurrent JSONL appends lose nothing."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.state import fsio, jsonl


def _rewrite_forever(path: str) -> None:
    n = 0
    while True:
        n += 1
        fsio.atomic_write_json(Path(path), {"n": n, "pad": "x" * (50_000 + n % 7919)})


def test_sigkill_never_leaves_a_torn_file(tmp_path: Path) -> None:
    path = tmp_path / "targets.json"
    fsio.atomic_write_json(path, {"n": 0, "pad": ""})
    ctx = multiprocessing.get_context("fork")
    for attempt in range(15):
        child = ctx.Process(target=_rewrite_forever, args=(str(path),))
        child.start()
        time.sleep(0.02 + attempt * 0.007)
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        doc = json.loads(path.read_text())  # raises if torn
        assert set(doc) == {"n", "pad"}
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def _append_many(path: str, worker: int, count: int) -> None:
    for i in range(count):
        jsonl.append_line(Path(path), {"worker": worker, "i": i, "pad": "y" * 3000})


def test_concurrent_appends_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "events" / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_append_many, args=(str(path), w, 150)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
        assert w.exitcode == 0
    records = [r for _, r in jsonl.read_lines(path)]
    assert len(records) == 600
    assert {(r["worker"], r["i"]) for r in records} == {(w, i) for w in range(4) for i in range(150)}


def test_torn_lines_are_skipped_and_reported_and_appends_stay_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    jsonl.append_line(path, {"a": 1})
    with path.open("ab") as handle:
        handle.write(b'{"a": 2, "b"')
    bad: list[jsonl.BadLine] = []
    assert [r for _, r in jsonl.read_lines(path, bad)] == [{"a": 1}] and bad == []
    jsonl.append_line(path, {"a": 3})  # terminates the torn fragment first
    assert [r for _, r in jsonl.read_lines(path, bad)] == [{"a": 1}, {"a": 3}]
    assert [(b.where, b.reason) for b in bad] == [("line 2", "invalid JSON record")]
    back: list[jsonl.BadLine] = []
    assert [r for _, r in jsonl.read_lines_reverse(path, back)] == [{"a": 3}, {"a": 1}]
    assert len(back) == 1 and back[0].reason == "invalid JSON record"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
            st.binary(max_size=30).filter(lambda b: b"\n" not in b),
        ),
        max_size=30,
    ),
    st.integers(min_value=1, max_value=64),
    st.booleans(),
)
def test_reverse_reader_agrees_with_forward_reader(
    tmp_path_factory: pytest.TempPathFactory, lines: list[object], block: int, terminated: bool
) -> None:
    path = tmp_path_factory.mktemp("rev") / "log.jsonl"
    raw = b"".join((json.dumps(x).encode() if isinstance(x, dict) else x) + b"\n" for x in lines)
    path.write_bytes(raw if terminated or not raw else raw[:-1])
    forward = [r for _, r in jsonl.read_lines(path)]
    saved, jsonl.BLOCK = jsonl.BLOCK, block
    try:
        backward = [r for _, r in jsonl.read_lines_reverse(path)]
    finally:
        jsonl.BLOCK = saved
    assert backward == forward[::-1]


def test_rotation_keeps_every_line_readable(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    for i in range(60):
        jsonl.append_line(path, {"i": i, "pad": "z" * 100}, rotate_at=1024)
    segs = jsonl.segments(path)
    assert len(segs) > 3 and segs[0] == path
    assert all(p.stat().st_size <= 1024 for p in segs)
    seen = [r["i"] for seg in reversed(segs) for _, r in jsonl.read_lines(seg)]
    assert seen == list(range(60))


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.one_of(st.text(max_size=40), st.integers(), st.booleans()),
        max_size=10,
    )
)
def test_atomic_write_round_trips(tmp_path_factory: object, doc: dict[str, object]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sub" / "doc.json"
        fsio.atomic_write_json(path, doc)
        assert json.loads(path.read_text()) == doc
        assert [p.name for p in path.parent.iterdir()] == ["doc.json"]  # no temp left behind
        assert path.parent.stat().st_mode & 0o777 == 0o700
