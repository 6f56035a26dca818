"""SARIF 2.1.0 for GitHub code scanning: one rule per policy, partialFingerprints per finding."""

from __future__ import annotations

from typing import Any

from si_paas import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _location(finding: dict[str, Any]) -> dict[str, Any] | None:
    uri = finding.get("extra", {}).get("relpath") or finding.get("path")
    if not uri:
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri.lstrip("/")}}
    if finding.get("extra", {}).get("relpath"):
        physical["artifactLocation"]["uriBaseId"] = "%SRCROOT%"
    if finding.get("line"):
        region: dict[str, Any] = {"startLine": finding["line"]}
        if finding.get("column"):
            region["startColumn"] = finding["column"]
        physical["region"] = region
    return {"physicalLocation": physical}


def render_sarif(payload: dict[str, Any]) -> dict[str, Any]:
    """The SARIF log for a verdict payload (`checks` as produced by the engine)."""
    rules, results = [], []
    for index, check in enumerate(payload["checks"]):
        rules.append({
            "id": check["id"],
            "name": "".join(part.title() for part in check["id"].split("-")),
            "shortDescription": {"text": check["title"]},
            "fullDescription": {"text": check["title"]},
            "help": {"text": check["remediation"],
                     "markdown": f"**Remediation:** {check['remediation']}"},
            "defaultConfiguration": {"level": _LEVEL[check["severity"]]},
            "properties": {"tags": ["security", "si-paas"],
                           "security-severity": _SECURITY_SEVERITY[check["severity"]]},
        })
        for finding in check["findings"]:
            text = finding["message"]
            if finding.get("excerpt"):
                text += f" ({finding['excerpt']})"
            if finding.get("rule") and finding["rule"] != check["id"]:
                text = f"[{finding['rule']}] {text}"
            result: dict[str, Any] = {
                "ruleId": check["id"],
                "ruleIndex": index,
                "level": _LEVEL[finding.get("severity") or check["severity"]],
                "message": {"text": text},
            }
            location = _location(finding)
            if location:
                result["locations"] = [location]
            if finding.get("confidence"):
                result["properties"] = {"confidence": finding["confidence"]}
            if finding.get("fingerprint"):
                result["partialFingerprints"] = {"siPaasFingerprint/v1": finding["fingerprint"]}
            results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "si-paas", "version": __version__,
                                "informationUri": "https://github.com/si-paas/si-paas",
                                "rules": rules}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
