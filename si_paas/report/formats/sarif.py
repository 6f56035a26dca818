"""SARIF 2.1.0 for GitHub code scanning: one rule per policy, partialFingerprints per finding.

Every result has a location whose URI is relative to a base: `%SRCROOT%` for the scanned
repository (further repositories get `REPO1`, `REPO2`, ...), `STATEROOT` for files of the
state root; the bases' absolute locations are in `originalUriBaseIds`. Every result has a
region (line 1 when the finding has no line) and partialFingerprints (the finding's own
keyed fingerprint, else a hash of rule, location and line: nothing secret-derived).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from si_paas import __version__
from si_paas.report.verdict import FindingDoc, Item, VerdictDoc

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/si-paas/si-paas"
HELP_URI = INFORMATION_URI + "/blob/main/docs/policies.md"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
SRCROOT = "%SRCROOT%"
STATEROOT = "STATEROOT"


def _dir_uri(path: str) -> str:
    """`file:///abs/dir/` (percent-encoded, with the trailing slash SARIF bases need)."""
    return Path(path).absolute().as_uri().rstrip("/") + "/"


def _relative_uri(path: str) -> str:
    return quote(path.replace(os.sep, "/").lstrip("/"), safe="/")


class _Bases:
    """The uriBaseIds used, and how to express a finding's path against one of them."""

    def __init__(self, verdict: VerdictDoc) -> None:
        self.repos: dict[str, str] = {}
        for i, repo in enumerate(verdict.repos):
            self.repos[os.path.realpath(repo)] = SRCROOT if i == 0 else f"REPO{i}"
        self.state_root = verdict.state_root
        self.used: dict[str, str] = {}

    def locate(self, finding: FindingDoc) -> tuple[str, str]:
        """(relative uri, base id) of a finding; a path in no known base is kept relative
        to the file system root under base `ROOT`, never as an absolute path."""
        loc = finding.location
        if loc.relpath and loc.repo:
            base = self.repos.get(os.path.realpath(loc.repo))
            if base is None:
                base = f"REPO{len(self.repos)}"
                self.repos[os.path.realpath(loc.repo)] = base
            self.used[base] = _dir_uri(os.path.realpath(loc.repo))
            return _relative_uri(loc.relpath), base
        if loc.path:
            real = os.path.realpath(loc.path)
            for root, base in self.repos.items():
                if real.startswith(root.rstrip("/") + "/"):
                    self.used[base] = _dir_uri(root)
                    return _relative_uri(os.path.relpath(real, root)), base
            if self.state_root:
                top = os.path.realpath(self.state_root)
                if real == top or real.startswith(top.rstrip("/") + "/"):
                    self.used[STATEROOT] = _dir_uri(top)
                    rel = os.path.relpath(real, top)
                    return ("./" if rel == "." else _relative_uri(rel)), STATEROOT
            self.used["ROOT"] = "file:///"
            return _relative_uri(real), "ROOT"
        base = STATEROOT if self.state_root else SRCROOT
        if base == STATEROOT:
            self.used[base] = _dir_uri(str(self.state_root))
        elif self.repos:
            self.used[base] = _dir_uri(next(iter(self.repos)))
        return "./", base


def _fallback_fingerprint(rule_id: str, finding: FindingDoc, uri: str, base: str) -> str:
    material = "\0".join((rule_id, finding.rule, base, uri, str(finding.location.line or 0)))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _rule(item: Item) -> dict[str, Any]:
    title = item.title or item.rule_id
    return {
        "id": item.rule_id,
        "name": "".join(part.title() for part in item.rule_id.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "helpUri": f"{HELP_URI}#{item.rule_id}",
        "help": {
            "text": item.remediation or title,
            "markdown": f"**Remediation:** {item.remediation or title}",
        },
        "defaultConfiguration": {"level": _LEVEL[item.severity]},
        "properties": {
            "tags": ["security", "si-paas"],
            "security-severity": _SECURITY_SEVERITY[item.severity],
        },
    }


def sarif_log(verdict: VerdictDoc) -> dict[str, Any]:
    """The SARIF log of a verdict: one rule per item, one result per finding."""
    bases = _Bases(verdict)
    rules, results = [], []
    for index, item in enumerate(verdict.items):
        rules.append(_rule(item))
        for finding in item.findings:
            text = finding.message
            if finding.excerpt:
                text += f" ({finding.excerpt})"
            if finding.rule and finding.rule != item.rule_id:
                text = f"[{finding.rule}] {text}"
            uri, base = bases.locate(finding)
            region: dict[str, Any] = {"startLine": finding.location.line or 1}
            if finding.location.column:
                region["startColumn"] = finding.location.column
            fp = finding.fingerprint or _fallback_fingerprint(item.rule_id, finding, uri, base)
            result: dict[str, Any] = {
                "ruleId": item.rule_id,
                "ruleIndex": index,
                "level": _LEVEL[finding.severity or item.severity],
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri, "uriBaseId": base},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {"siPaasFingerprint/v2": fp},
            }
            if finding.confidence:
                result["properties"] = {"confidence": finding.confidence}
            results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "si-paas",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": True,
                "toolConfigurationNotifications": [
                    {"level": "note", "message": {"text": line}} for line in verdict.tuning
                ],
            }
        ],
        "properties": {"tuning": dict(verdict.tuning_config)},
    }
    if bases.used:
        run["originalUriBaseIds"] = {b: {"uri": u} for b, u in sorted(bases.used.items())}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


class SarifRenderer:
    """`--format sarif`: a SARIF 2.1.0 log (GitHub code scanning)."""

    name = "sarif"

    def render(self, verdict: VerdictDoc, out: TextIO) -> None:
        """Write the SARIF log as indented JSON."""
        out.write(json.dumps(sarif_log(verdict), indent=2) + "\n")


RENDERER = SarifRenderer()
