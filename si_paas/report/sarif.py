"""SARIF 2.1.0 for GitHub code scanning: one rule per policy, partialFingerprints per finding.

Every result has a location whose URI is relative to a base: `%SRCROOT%` for the scanned
repository (further repositories get `REPO1`, `REPO2`, ...), `STATEROOT` for files of the
state root; the bases' absolute locations are in `originalUriBaseIds`. Every result has a
region (line 1 when the finding has no line) and partialFingerprints (the finding's own
keyed fingerprint, else a hash of rule, location and line: nothing secret-derived).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from si_paas import __version__
from si_paas.report.text import tuning_lines

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

    def __init__(self, payload: dict[str, Any]) -> None:
        self.repos: dict[str, str] = {}
        for i, repo in enumerate(payload.get("repos") or []):
            self.repos[os.path.realpath(repo)] = SRCROOT if i == 0 else f"REPO{i}"
        self.state_root = payload.get("state_root")
        self.used: dict[str, str] = {}

    def locate(self, finding: dict[str, Any]) -> tuple[str, str]:
        """(relative uri, base id) of a finding; a path in no known base is kept relative
        to the file system root under base `ROOT`, never as an absolute path."""
        extra = finding.get("extra") or {}
        relpath, repo = extra.get("relpath"), extra.get("repo")
        if relpath and repo:
            base = self.repos.get(os.path.realpath(repo))
            if base is None:
                base = f"REPO{len(self.repos)}"
                self.repos[os.path.realpath(repo)] = base
            self.used[base] = _dir_uri(os.path.realpath(repo))
            return _relative_uri(relpath), base
        path = finding.get("path")
        if path:
            real = os.path.realpath(path)
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


def _fallback_fingerprint(check_id: str, finding: dict[str, Any], uri: str, base: str) -> str:
    material = "\0".join((check_id, finding.get("rule", ""), base, uri,
                          str(finding.get("line") or 0)))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _rule(check: dict[str, Any]) -> dict[str, Any]:
    title = check["title"] or check["id"]
    return {
        "id": check["id"],
        "name": "".join(part.title() for part in check["id"].split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "helpUri": f"{HELP_URI}#{check['id']}",
        "help": {"text": check["remediation"] or title,
                 "markdown": f"**Remediation:** {check['remediation'] or title}"},
        "defaultConfiguration": {"level": _LEVEL[check["severity"]]},
        "properties": {"tags": ["security", "si-paas"],
                       "security-severity": _SECURITY_SEVERITY[check["severity"]]},
    }


def render_sarif(payload: dict[str, Any]) -> dict[str, Any]:
    """The SARIF log for a verdict payload (`checks` as produced by the engine)."""
    bases = _Bases(payload)
    rules, results = [], []
    for index, check in enumerate(payload["checks"]):
        rules.append(_rule(check))
        for finding in check["findings"]:
            text = finding["message"]
            if finding.get("excerpt"):
                text += f" ({finding['excerpt']})"
            if finding.get("rule") and finding["rule"] != check["id"]:
                text = f"[{finding['rule']}] {text}"
            uri, base = bases.locate(finding)
            region: dict[str, Any] = {"startLine": finding.get("line") or 1}
            if finding.get("column"):
                region["startColumn"] = finding["column"]
            fp = finding.get("fingerprint") or _fallback_fingerprint(check["id"], finding, uri,
                                                                     base)
            result: dict[str, Any] = {
                "ruleId": check["id"],
                "ruleIndex": index,
                "level": _LEVEL[finding.get("severity") or check["severity"]],
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": base},
                    "region": region,
                }}],
                "partialFingerprints": {"siPaasFingerprint/v2": fp},
            }
            if finding.get("confidence"):
                result["properties"] = {"confidence": finding["confidence"]}
            results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "si-paas", "version": __version__,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": True,
            "toolConfigurationNotifications": [
                {"level": "note", "message": {"text": line}} for line in tuning_lines(payload)],
        }],
        "properties": {"tuning": payload.get("tuning") or {}},
    }
    if bases.used:
        run["originalUriBaseIds"] = {b: {"uri": u} for b, u in sorted(bases.used.items())}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
