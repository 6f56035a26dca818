"""Baselines: fingerprints of accepted findings, so only new secrets fail a scan.

Version 2 holds keyed fingerprints (see `redact.fingerprint`). A version-1 baseline (unkeyed
fingerprints) is still read and matched through each finding's in-memory legacy
fingerprint, with a warning; `--update-baseline` rewrites it as version 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from si_paas.errors import InputError
from si_paas.findings import Finding
from si_paas.state.fsio import atomic_write_json
from si_paas.textfile import parse_json, read_text

BASELINE_VERSION = 2
LEGACY_VERSION = 1


@dataclass(frozen=True)
class BaselineEntry:
    """What a fingerprint stood for when it was recorded."""

    rule: str
    path: str


@dataclass(frozen=True)
class Baseline:
    """Accepted fingerprints (`{"version": 1, "fingerprints": {fp: {rule, path}}}`)."""

    entries: Mapping[str, BaselineEntry] = field(default_factory=dict)
    path: Path | None = None
    version: int = BASELINE_VERSION

    def __contains__(self, fp: object) -> bool:
        return fp in self.entries

    def key_of(self, finding: Finding) -> str | None:
        """The fingerprint of `finding` this baseline records its entries by."""
        if self.version == LEGACY_VERSION:
            return finding.legacy_fingerprint
        return finding.fingerprint

    def __len__(self) -> int:
        return len(self.entries)


def load_baseline(path: Path, *, missing_ok: bool = False) -> Baseline:
    """Read a baseline file; a missing (unless `missing_ok`) or malformed one is an InputError."""
    try:
        raw = read_text(path, "baseline")
    except FileNotFoundError:
        if missing_ok:
            return Baseline(path=path)
        raise InputError(f"{path}: baseline not found") from None
    doc = parse_json(raw, path, "baseline")
    entries = _entries(path, doc)
    return Baseline(entries=entries, path=path, version=int(doc["version"]))


def _entries(path: Path, doc: Any) -> dict[str, BaselineEntry]:
    if not isinstance(doc, dict):
        raise InputError(f"{path}: baseline must be a JSON object")
    if doc.get("version") not in (LEGACY_VERSION, BASELINE_VERSION) or isinstance(doc.get("version"), bool):
        raise InputError(
            f"{path}: baseline field 'version': expected {BASELINE_VERSION} "
            f"(or {LEGACY_VERSION}), got {doc.get('version')!r}"
        )
    fps = doc.get("fingerprints")
    if not isinstance(fps, dict):
        raise InputError(f"{path}: baseline field 'fingerprints': expected an object")
    entries: dict[str, BaselineEntry] = {}
    for fp, meta in fps.items():
        if not isinstance(meta, dict) or not all(isinstance(meta.get(k), str) for k in ("rule", "path")):
            raise InputError(
                f'{path}: baseline fingerprint {fp!r}: expected {{"rule": string, "path": string}}'
            )
        entries[fp] = BaselineEntry(rule=meta["rule"], path=meta["path"])
    return entries


def filter_findings(
    findings: Iterable[Finding], baseline: Baseline
) -> tuple[list[Finding], list[Finding], list[str]]:
    """Split findings into (kept, ignored by the baseline, stale baseline fingerprints).

    A fingerprint is stale when no current finding has it: the secret was removed (or moved
    to another file) and the baseline entry can go.
    """
    kept: list[Finding] = []
    ignored: list[Finding] = []
    seen: set[str] = set()
    for finding in findings:
        fp = baseline.key_of(finding)
        if fp is not None and fp in baseline:
            ignored.append(finding)
            seen.add(fp)
        else:
            kept.append(finding)
    stale = sorted(fp for fp in baseline.entries if fp not in seen)
    return kept, ignored, stale


def write_baseline(path: Path, findings: Iterable[Finding]) -> Baseline:
    """Record the fingerprints of `findings` (those that have one) in `path`, atomically."""
    entries = {
        f.fingerprint: BaselineEntry(rule=f.rule, path=f.path or "") for f in findings if f.fingerprint
    }
    doc = {
        "version": BASELINE_VERSION,
        "fingerprints": {fp: {"rule": e.rule, "path": e.path} for fp, e in sorted(entries.items())},
    }
    atomic_write_json(path, doc)
    return Baseline(entries=entries, path=path)
