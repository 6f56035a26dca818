"""A finding's JSON form: what `dataclasses.asdict` gave, without the legacy fingerprint."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest

from si_paas.findings import Finding


def _reference(f: Finding) -> dict[str, Any]:
    data = asdict(f)
    del data["legacy_fingerprint"]
    if not data["extra"]:
        del data["extra"]
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    "finding",
    [
        Finding(rule="r", message="m"),
        Finding(
            rule="r",
            message="m",
            path="p",
            line=3,
            column=0,
            excerpt="x***",
            fingerprint="f",
            severity="high",
        ),
        Finding(
            rule="r",
            message="m",
            confidence="low",
            legacy_fingerprint="old",
            extra={"blob": "b", "nested": {"list": [1, {"a": (2, 3)}]}, "none": None, "tuple": ("x", ["y"])},
        ),
    ],
)
def test_the_json_form_is_the_asdict_form(finding: Finding) -> None:
    got = finding.to_dict()
    assert got == _reference(finding)
    assert list(got) == list(_reference(finding))  # the same key order in every report
    assert "legacy_fingerprint" not in got


def test_the_json_form_shares_no_container_with_the_finding() -> None:
    finding = Finding(rule="r", message="m", extra={"nested": {"list": [1]}})
    got = finding.to_dict()
    got["extra"]["nested"]["list"].append(2)
    got["extra"]["new"] = 1
    assert finding.extra == {"nested": {"list": [1]}}
