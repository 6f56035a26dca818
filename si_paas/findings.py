"""The result types shared by detectors, the engine and the renderers."""

from __future__ import annotations

from dataclasses import field
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
        """JSON-ready form; empty optional fields are dropped. Like `asdict`, nested dicts,
        lists and tuples are copies, without its per-value deep copy."""
        data: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.extra:
            data["extra"] = _copied(self.extra)
        else:
            del data["extra"]
        return data


def _copied(value: Any) -> Any:
    """`value` with its dicts, lists and tuples copied (what `asdict` does to a field)."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copied(v) for v in value)
    return value


# The fields a finding's JSON form holds, in declaration order; never the legacy fingerprint.
# Read from the annotations: a `record` class is a dataclass only from its first instance.
_FIELDS = tuple(name for name in Finding.__annotations__ if name != "legacy_fingerprint")
