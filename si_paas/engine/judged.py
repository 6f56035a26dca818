"""Findings of history blobs already judged, kept between runs so an unchanged history is quick.

A blob's findings depend only on its bytes (named by its object id), its path, the rule
pack and the scanner's code, so they are kept per (object id, path) in one file per
repository under the user's cache folder (`si_paas.diskcache.cache_root()/judged-v1/`,
never inside the repository), named by a digest of the rule pack, the size cap and the
detection code, the identity of the fingerprint key (a keyed digest of it, never the key:
entries carry fingerprints and redaction tags made under it) and whether suppressed
candidates are kept (`--explain`). A changed rule, cap, key or si-paas version is a new
file; the old one is removed. Every finding is kept, not just "clean", so a cached run
reports what a fresh run reports. Entries hold what a report shows (redacted excerpts,
fingerprints), never a secret. Beside them, the ids of the blobs whose first bytes cannot be
private state (`snapshot/heads.py`: None), so the private-state check of an unchanged
history opens no blob the scan did not read; a head that could be state is never kept (it
may be a key), so such a blob is peeked again. `SI_PAAS_NO_CACHE=1` turns this off; a cache that cannot
be used is skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from si_paas import diskcache
from si_paas.findings import Finding
from si_paas.snapshot.worktree import RepoFile

BINARY = "binary"
_CODE = ("detect", "findings.py", "secretwords.py", "engine/judged.py", "engine/checks/secrets.py")


def _code_stamp() -> str:
    return diskcache.package_stamp(Path(__file__).resolve().parent.parent, _CODE)


class JudgedBlobs:
    """The findings (or BINARY) of each (blob, path) of one repository judged before."""

    def __init__(self, folder: Path | None, name: str) -> None:
        self.folder = folder
        self.name = name
        self.entries: dict[str, Any] = {}
        self.plain_heads: set[str] = set()  # blobs whose head cannot be private state
        self.added = 0

    @classmethod
    def open(
        cls, repo_root: Path, pack_digest: str, max_file_size: int, *, explain: bool = False
    ) -> JudgedBlobs:
        """The cache of `repo_root` for this pack, size cap, code, fingerprint key and
        explain mode (empty if none)."""
        from si_paas.state.fingerprintkey import key_identity

        folder = diskcache.repo_folder(repo_root)
        stamp = "\0".join(
            (
                pack_digest,
                str(max_file_size),
                _code_stamp(),
                key_identity() if folder is not None else "",
                str(explain),
            )
        )
        name = hashlib.sha256(stamp.encode()).hexdigest()[:32] + ".json"
        cache = cls(folder, name)
        if folder is not None and diskcache.trusted(folder):
            with (
                contextlib.suppress(OSError, ValueError, RecursionError),
                open(folder / name, encoding="utf-8") as fh,
            ):
                data = json.load(fh)
                if isinstance(data, dict) and isinstance(data.get("blobs"), dict):
                    cache.entries = data["blobs"]
                    plain = data.get("plain_heads")
                    if isinstance(plain, list):
                        cache.plain_heads = {b for b in plain if isinstance(b, str)}
        return cache

    @staticmethod
    def _key(f: RepoFile) -> str:
        return f"{f.blob}\0{f.relpath}"

    def get(self, f: RepoFile) -> tuple[bool, list[Finding] | None]:
        """(judged before, its findings or None for a binary blob)."""
        entry = self.entries.get(self._key(f))
        if entry is None:
            return False, None
        if entry == BINARY:
            return True, None
        try:
            return True, [Finding(**item) for item in entry]
        except TypeError:
            return False, None

    def put(self, f: RepoFile, findings: list[Finding] | None, plain_head: bool = False) -> None:
        """Remember what judging `f` gave (None: binary), and whether its head was found
        unable to be private state."""
        if f.blob is None:
            return
        self.entries[self._key(f)] = BINARY if findings is None else [item.to_dict() for item in findings]
        if plain_head:
            self.plain_heads.add(f.blob)
        self.added += 1

    def save(self) -> None:
        """Write the cache when something was added, and drop the files of older packs."""
        if self.folder is None or not self.added:
            return
        text = json.dumps(
            {"blobs": self.entries, "plain_heads": sorted(self.plain_heads)}, separators=(",", ":")
        )
        diskcache.write_entry(self.folder, self.name, text.encode("utf-8"), prune=False)
        diskcache.drop_others(self.folder, self.name, ".json")
