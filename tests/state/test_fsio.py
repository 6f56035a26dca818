"""Atomic writes survive SIGKILL; concurrent JSONL appends lose nothing."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from si_paas.state import fsio


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
        fsio.append_jsonl(Path(path), {"worker": worker, "i": i, "pad": "y" * 3000})


def test_concurrent_appends_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "events" / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_append_many, args=(str(path), w, 150)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
        assert w.exitcode == 0
    records = [r for _, r in fsio.read_jsonl(path)]
    assert len(records) == 600
    assert {(r["worker"], r["i"]) for r in records} == {(w, i) for w in range(4) for i in range(150)}


def test_torn_last_line_is_skipped_but_torn_middle_fails(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    fsio.append_jsonl(path, {"a": 1})
    with path.open("ab") as handle:
        handle.write(b'{"a": 2, "b"')
    assert [r for _, r in fsio.read_jsonl(path)] == [{"a": 1}]
    with path.open("ab") as handle:
        handle.write(b'\n{"a": 3}\n')
    import pytest

    from si_paas.errors import InputError

    with pytest.raises(InputError, match="line 2"):
        list(fsio.read_jsonl(path))


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=10),
                       st.one_of(st.text(max_size=40), st.integers(), st.booleans()),
                       max_size=10))
def test_atomic_write_round_trips(tmp_path_factory: object, doc: dict[str, object]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sub" / "doc.json"
        fsio.atomic_write_json(path, doc)
        assert json.loads(path.read_text()) == doc
        assert [p.name for p in path.parent.iterdir()] == ["doc.json"]  # no temp left behind
        assert path.parent.stat().st_mode & 0o777 == 0o700
