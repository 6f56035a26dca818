"""An import cut short (an error or a killed process) leaves the context as it was."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from si_paas.services import bundle as bundle_svc
from si_paas.services import records
from si_paas.state import fsio, transaction
from si_paas.state.contexts import init_context

from conftest import Run
from vaulthelp import inv, service_env


def _bundle(tmp_path: Path) -> Path:
    """A bundle from another machine: two new targets, one replacing `demo-1`, one app."""
    with service_env(tmp_path / "origin") as layout:
        init_context(layout, "oss-demo", "oss-demo", None)
        for name in ("demo-1", "demo-3"):
            records.add_target(
                inv(layout, "target add", "oss-demo"),
                name,
                f"{name}.new.test",
                None,
                None,
                "ssh",
                None,
                True,
                (),
            )
        src = tmp_path / "src"
        src.mkdir()
        records.add_app(inv(layout, "app add", "oss-demo"), "web", str(src), ("demo-3",), ())
        result = bundle_svc.export_context(
            inv(layout, "context export", "oss-demo"), str(tmp_path / "bundle.json"), False
        )
    return Path(result.payload["output"])


def _context_with_records(layout: Any, tmp_path: Path) -> dict[str, bytes]:
    init_context(layout, "oss-demo", "oss-demo", None)
    records.add_target(
        inv(layout, "target add", "oss-demo"), "demo-1", "demo-1.old.test", None, None, "ssh", None, True, ()
    )
    src = tmp_path / "old-src"
    src.mkdir()
    records.add_app(inv(layout, "app add", "oss-demo"), "api", str(src), ("demo-1",), ())
    return _files(layout)


def _files(layout: Any) -> dict[str, bytes]:
    base = layout.context_dir("oss-demo")
    return {name: (base / name).read_bytes() for name in ("targets.json", "apps.json")}


def test_failed_second_write_leaves_both_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = _bundle(tmp_path)
    with service_env(tmp_path / "here") as layout:
        before = _context_with_records(layout, tmp_path)
        real = fsio.atomic_write_json
        calls: list[Path] = []

        def failing(path: Path, obj: Any) -> None:
            calls.append(path)
            if len(calls) == 2:
                raise OSError(28, "No space left on device (injected)")
            real(path, obj)

        monkeypatch.setattr(fsio, "atomic_write_json", failing)
        with pytest.raises(OSError, match="injected"):
            bundle_svc.import_context(inv(layout, "context import", "oss-demo"), str(bundle), True, False)
        monkeypatch.undo()
        assert [p.name for p in calls] == ["targets.json", "apps.json"]
        assert _files(layout) == before
        assert not (layout.context_dir("oss-demo") / transaction.JOURNAL).exists()
        # The same import, without the fault, goes through.
        bundle_svc.import_context(inv(layout, "context import", "oss-demo"), str(bundle), True, False)
        hosts = {t["name"]: t["host"] for t in json.loads(_files(layout)["targets.json"])["items"]}
        assert hosts == {"demo-1": "demo-1.new.test", "demo-3": "demo-3.new.test"}


KILL_MIDWAY = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from si_paas.services import bundle
    from si_paas.state import fsio
    from si_paas.state.contexts import load_context
    from si_paas.state.layout import StateLayout

    real = fsio.atomic_write_json
    def die_on_apps(path, obj):
        if path.name == "apps.json":
            os._exit(9)  # killed between the two writes: no cleanup runs
        real(path, obj)
    fsio.atomic_write_json = die_on_apps
    layout = StateLayout(Path(sys.argv[1]))
    doc = bundle.read_bundle(sys.argv[2])
    bundle.write_import(layout, load_context(layout, "oss-demo"), doc, True)
""")


def test_killed_import_is_rolled_back_by_the_next_run(
    si: Callable[..., Run], tmp_path: Path, home: Path
) -> None:
    bundle = _bundle(tmp_path)
    with service_env(home / ".si") as layout:
        before = _context_with_records(layout, tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", KILL_MIDWAY, str(layout.root), str(bundle)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 9, proc.stderr
    journal = layout.context_dir("oss-demo") / transaction.JOURNAL
    assert journal.exists()
    assert _files(layout)["targets.json"] != before["targets.json"]  # the first write landed
    # The next command that resolves the context, even a read, puts both files back first.
    listed = si("paas", "--context", "oss-demo", "target", "list", "--json")
    assert listed.code == 0, listed.stderr
    assert [t["host"] for t in listed.json["items"]] == ["demo-1.old.test"]
    assert not journal.exists()
    assert _files(layout) == before
    run = si("paas", "--context", "oss-demo", "context", "export", "--json")
    assert run.code == 0, run.stderr
    assert [t["host"] for t in run.json["bundle"]["targets"]] == ["demo-1.old.test"]
