"""The result types shared by detectors, the engine and the renderers."""

from __future__ import annotations

from dataclasses import asdict, field
from typing import Any, Literal

from si_paas.records import record

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3}
Confidence = Literal["high", "medium", "low"]
CONFIDENCE_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


@record(frozen=True)
class Finding:
    """One thing a check found. `excerpt` is always redacted; no secret is ever stored here."""

    rule: str
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    excerpt: str | None = None
    fingerprint: str | None = None
    severity: Severity | None = None
    confidence: Confidence | None = None  # how sure the detector is that this is a secret
    extra: dict[str, Any] = field(default_factory=dict)
    # The unkeyed version-1 fingerprint: matched against old baselines, never printed.
    legacy_fingerprint: str | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; empty optional fields are dropped."""
        data = asdict(self)
        del data["legacy_fingerprint"]
        if not data["extra"]:
            del data["extra"]
        return {k: v for k, v in data.items() if v is not None}
