"""`--vault-file` must be a regular file (or nothing yet): never replace a device or a FIFO."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run


def _node(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "directory":
        path.mkdir()
    elif kind == "dev-null-link":
        path.symlink_to("/dev/null")
    else:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.stat("/dev/null").st_rdev)


@pytest.mark.parametrize("kind", ["device", "fifo", "directory", "dev-null-link"])
def test_init_refuses_a_vault_file_that_is_not_a_regular_file(
    si: Callable[..., Run], tmp_path: Path, kind: str
) -> None:
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("mknod of a device node needs root")
    target = tmp_path / "outside" / "vault.env"
    target.parent.mkdir()
    _node(target, kind)
    before = os.lstat(target)
    run = si(
        "paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--vault-file", str(target)
    )
    assert run.code == 2 and "--vault-file" in run.stderr and "not a regular file" in run.stderr
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


def test_secret_set_never_replaces_a_device_swapped_in_later(si: Callable[..., Run], tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mknod of a device node needs root")
    target = tmp_path / "outside" / "vault.env"
    target.parent.mkdir(mode=0o700)
    assert (
        si(
            "paas", "context", "init", "--name", "oss-demo", "--type", "oss-demo", "--vault-file", str(target)
        ).code
        == 0
    )
    _node(target, "device")
    run = si("paas", "--context", "oss-demo", "secret", "set", "K", input="value-1")
    assert run.code == 2 and "not a regular file" in run.stderr, run.stderr
    assert stat.S_ISCHR(os.lstat(target).st_mode)
