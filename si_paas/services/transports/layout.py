"""The release layout on a target, one implementation for every transport.

<path>/releases/<release_id>/      the files plus .si-paas-manifest (sha256sum format)
<path>/current -> releases/<id>    switched by a temp symlink + rename (atomic)
<path>/shared/                     persistent data, never touched by a deploy
<path>/.si-paas/incoming/<id>/     uploads land here, are verified, then renamed in
<path>/.si-paas/lock/              held by the deploy in progress (mkdir is atomic)
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from si_paas.errors import InputError
from si_paas.services.transports.base import CommandResult, TargetError, Transport
from si_paas.textfile import decode_json

MANIFEST = ".si-paas-manifest"
QUICK = 30.0  # seconds for a layout command (mkdir, readlink, rename)


def q(value: str) -> str:
    return shlex.quote(value)


@dataclass
class TargetLayout:
    """A target's deploy directory reached through a transport."""

    transport: Transport
    path: str
    upload_timeout: float = 600.0

    def _sh(self, script: str, what: str, timeout: float = QUICK) -> CommandResult:
        result = self.transport.run(script, timeout=timeout)
        if result.timed_out:
            raise TargetError(f"{self.where()}: {what}: no answer within {timeout:g}s")
        return result

    def _must(self, script: str, what: str, timeout: float = QUICK) -> CommandResult:
        result = self._sh(script, what, timeout)
        if not result.ok:
            detail = result.tail(200).splitlines()
            raise TargetError(
                f"{self.where()}: {what} failed: {detail[-1] if detail else f'exit {result.code}'}"
            )
        return result

    def where(self) -> str:
        return (
            f"{self.transport.describe()}:{self.path}"
            if self.transport.name != "local"
            else f"local:{self.path}"
        )

    def release_dir(self, release_id: str) -> str:
        return f"{self.path}/releases/{release_id}"

    def incoming_dir(self, release_id: str) -> str:
        return f"{self.path}/.si-paas/incoming/{release_id}"

    def lock(self, holder: dict[str, Any]) -> dict[str, Any] | None:
        """Create the layout and take the target's lock directory (one round trip).

        None on success, else what the holder wrote. Holding it, uploads a crashed deploy
        left in incoming/ are dropped.
        """
        base = q(self.path)
        p = q(f"{self.path}/.si-paas/lock")
        data = q(json.dumps(holder, sort_keys=True))
        result = self._sh(
            f"mkdir -p {base}/releases {base}/shared {base}/.si-paas/incoming "
            f"|| exit 1; test -w {base}/releases || {{ echo 'not writable'; exit 1; }}; "
            f"mkdir {p} 2>/dev/null || {{ test -d {p} || exit 1; "
            f"cat {p}/holder.json 2>/dev/null; exit 75; }}; "
            f"printf '%s\\n' {data} > {p}/holder.json && "
            f"rm -rf {base}/.si-paas/incoming/*",
            "take the target lock",
        )
        if result.code == 75:
            try:
                found = decode_json(result.text() or "{}", self.where(), "target lock")
            except (ValueError, InputError):
                found = {}
            return found if isinstance(found, dict) else {}
        if not result.ok:
            lines = result.tail(200).splitlines()
            raise TargetError(
                f"{self.where()}: prepare the layout failed: {lines[-1] if lines else f'exit {result.code}'}"
            )
        return None

    def lock_holder(self) -> dict[str, Any] | None:
        """What the target lock says, or None when it is free."""
        p = q(f"{self.path}/.si-paas/lock")
        result = self._sh(
            f"test -d {p} || exit 3; cat {p}/holder.json 2>/dev/null; exit 0", "read the target lock"
        )
        if result.code == 3:
            return None
        try:
            found = decode_json(result.text() or "{}", self.where(), "target lock")
        except (ValueError, InputError):
            found = {}
        return found if isinstance(found, dict) else {}

    def unlock(self) -> None:
        self._sh(f"rm -rf {q(self.path + '/.si-paas/lock')}", "release the target lock")

    def current(self) -> str | None:
        """The release id `current` points at, or None."""
        result = self._sh(f"readlink {q(self.path + '/current')} || true", "read current")
        link = result.text().strip()
        return link.rsplit("/", 1)[-1] if link else None

    def list_releases(self) -> list[str]:
        """Release folders present on the target."""
        result = self._sh(f"ls -1 {q(self.path + '/releases')} 2>/dev/null || true", "list releases")
        return sorted(ln.strip() for ln in result.text().splitlines() if ln.strip())

    def clear_incoming(self) -> None:
        """Drop uploads a crashed deploy left behind (we hold the lock)."""
        self._sh(f"rm -rf {q(self.path + '/.si-paas/incoming')}/* 2>/dev/null; true", "clear incoming")

    def upload(self, root: Path, files: Sequence[tuple[str, int]], manifest: bytes, release_id: str) -> None:
        """Copy the files and the manifest into incoming/ (cleared when the lock was taken)."""
        self.transport.put_tree(
            root, files, {MANIFEST: manifest}, self.incoming_dir(release_id), timeout=self.upload_timeout
        )

    def verify(self, folder: str, digest: str, then: str = "") -> str | None:
        """None when every file of `folder` matches its manifest and the manifest `digest`.

        `then` is a script run on success in the same round trip (the rename into place).
        """
        f = q(folder)
        want = digest.removeprefix("sha256:")
        script = (
            f"cd {f} 2>/dev/null || {{ echo 'folder missing'; exit 4; }}; "
            f"got=$(sha256sum {MANIFEST} 2>/dev/null | cut -d' ' -f1); "
            f"[ \"$got\" = {want} ] || {{ echo 'manifest digest differs'; exit 5; }}; "
            f"out=$(sha256sum --quiet --strict -c {MANIFEST} 2>&1) || "
            f"{{ printf '%s\\n' \"$out\" | head -n 3; exit 6; }}; "
            + (f"cd / && {{ {then}; }} || exit 7" if then else "exit 0")
        )
        result = self._sh(script, "verify", timeout=self.upload_timeout)
        if result.ok:
            return None
        lines = [ln for ln in result.text().splitlines() if ln.strip()]
        return "; ".join(lines[:3]) or f"verification failed (exit {result.code})"

    def verify_and_activate(self, release_id: str, digest: str) -> str | None:
        """Verify the upload in incoming/ and rename it into releases/ (one round trip)."""
        src, dst = q(self.incoming_dir(release_id)), q(self.release_dir(release_id))
        return self.verify(self.incoming_dir(release_id), digest, then=f"rm -rf {dst} && mv {src} {dst}")

    def switch(self, release_id: str) -> None:
        """Point `current` at a release: temp symlink, then rename over the old link."""
        p = q(self.path)
        rel = q(f"releases/{release_id}")
        self._must(
            f"cd {p} && test -d {rel} && ln -sfn {rel} .current.tmp && mv -fT .current.tmp current",
            "switch current",
        )

    def remove(self, release_id: str) -> None:
        self._must(f"rm -rf {q(self.release_dir(release_id))}", f"remove {release_id}")

    def health(self, folder: str, command: str, timeout: float, env: dict[str, str]) -> CommandResult:
        """Run the health command in `folder` on the target, bounded by `timeout`."""
        exports = " ".join(f"{k}={q(v)}" for k, v in sorted(env.items()))
        inner = q(command)
        script = (
            f"cd {q(folder)} || exit 97; export {exports}; "
            f"if command -v timeout >/dev/null 2>&1; then "
            f"exec timeout -k 2 {int(max(timeout, 1))} sh -c {inner}; "
            f"else exec sh -c {inner}; fi"
        )
        return self.transport.run(script, timeout=timeout + 5)
