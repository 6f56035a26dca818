"""`local` transport: the target path is a directory on this machine."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from si_paas.services.transports.base import CommandResult, TargetError, Writer, run_process


@dataclass
class LocalTransport:
    """Runs scripts with `sh -c` here and copies files with the file system."""

    path: str
    name: str = "local"

    @classmethod
    def from_target(cls, target: dict[str, Any], options: dict[str, Any]) -> LocalTransport:
        return cls(path=str(target.get("path") or ""))

    def describe(self) -> str:
        return f"local:{self.path}"

    def run(self, script: str, *, timeout: float, stdin: Writer | None = None) -> CommandResult:
        return run_process(["sh", "-c", script], timeout=timeout, stdin=stdin)

    def put_tree(
        self,
        root: Path,
        files: Sequence[tuple[str, int]],
        extra: dict[str, bytes],
        dest: str,
        *,
        timeout: float,
    ) -> None:
        base = Path(dest)
        try:
            base.mkdir(parents=True, exist_ok=True)
            for rel, mode in files:
                target = base / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / rel, target)
                os.chmod(target, mode)
            for name, data in extra.items():
                (base / name).write_bytes(data)
                os.chmod(base / name, 0o644)
        except OSError as exc:
            where = exc.filename or dest
            raise TargetError(f"upload to {self.describe()} failed: {where}: {exc.strerror}") from None
