"""What the private-state content check found in each history blob, kept between runs.

Whether a blob is private state by content depends only on its bytes (named by its object
id), the private-state rules file and the code that reads it, so the verdict is kept per
blob in one file per repository beside the judged blobs (`diskcache.repo_folder`), named by
a digest of the rules file's bytes, the content size cap and that code. A verdict is "not
state" or the content rule's id and, for an archive, the member that is state: never a byte
of the blob. An unchanged history is then checked without opening a blob. A missing blob
gets no verdict. The file is sealed like the commit log (`diskcache.write_sealed`): a
damaged or untrusted one is ignored. `SI_PAAS_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from si_paas import diskcache

_CODE = (
    "detect/state_content.py",
    "detect/private_state.py",
    "snapshot/heads.py",
    "engine/checks/private_state.py",
    "engine/stateverdicts.py",
)
_SUFFIX = ".state"

# A kept verdict: None (not state), or (content rule id, archive member or None).
Verdict = tuple[str, str | None] | None


def _stamp(rules: Path, max_content_size: int) -> str | None:
    try:
        code = diskcache.package_stamp(Path(__file__).resolve().parent.parent, _CODE)
        digest = hashlib.sha256(f"{code}\0{max_content_size}\0".encode() + rules.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()[:32]


class StateVerdicts:
    """The content verdict of each history blob of one repository checked before."""

    def __init__(self, folder: Path | None, name: str) -> None:
        self.folder = folder
        self.name = name
        self.verdicts: dict[str, Verdict] = {}
        self.added = 0

    @classmethod
    def open(cls, repo_root: Path, rules: Path, max_content_size: int) -> StateVerdicts:
        """The verdicts of `repo_root` for this rules file, cap and code (empty if none)."""
        folder = diskcache.repo_folder(repo_root)
        stamp = _stamp(rules, max_content_size) if folder is not None else None
        if folder is None or stamp is None:
            return cls(None, "")
        cache = cls(folder, stamp + _SUFFIX)
        doc = diskcache.read_sealed(folder, cache.name)
        kept = doc.get("blobs") if isinstance(doc, dict) else None
        if isinstance(kept, dict):
            for blob, item in kept.items():
                if item == 0:
                    cache.verdicts[blob] = None
                elif (
                    isinstance(item, list)
                    and len(item) == 2
                    and isinstance(item[0], str)
                    and (item[1] is None or isinstance(item[1], str))
                ):
                    cache.verdicts[blob] = (item[0], item[1])
        return cache

    def get(self, blob: str) -> tuple[bool, Verdict]:
        """(checked before, its verdict)."""
        if blob in self.verdicts:
            return True, self.verdicts[blob]
        return False, None

    def put(self, blob: str, verdict: Verdict) -> None:
        """Remember the verdict of a blob whose bytes were read."""
        if self.folder is not None and self.verdicts.get(blob, 0) != verdict:
            self.verdicts[blob] = verdict
            self.added += 1

    def save(self) -> None:
        """Write the file when something was added; drop those of older rules or code."""
        if self.folder is None or not self.added:
            return
        doc: dict[str, Any] = {"blobs": {b: 0 if v is None else list(v) for b, v in self.verdicts.items()}}
        diskcache.write_sealed(self.folder, self.name, doc)
        diskcache.drop_others(self.folder, self.name, _SUFFIX)
