"""JUnit XML: one testcase per policy, a failure element listing its findings."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from si_paas.report.text import tuning_lines


def render_junit(payload: dict[str, Any], suite: str = "si-paas") -> str:
    """JUnit XML for a verdict payload; warnings are passing testcases with system-out."""
    checks = payload["checks"]
    failures = sum(1 for c in checks if not c["ok"] and c["blocking"])
    skipped = sum(1 for c in checks if c["status"] == "disabled")
    root = ET.Element("testsuites", name=suite, tests=str(len(checks)), failures=str(failures))
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(checks)),
                       failures=str(failures), errors="0", skipped=str(skipped))
    tuned = tuning_lines(payload)
    if tuned:
        props = ET.SubElement(ts, "properties")
        for i, line in enumerate(tuned):
            ET.SubElement(props, "property", name=f"si-paas.tuning.{i}", value=line)
    for check in checks:
        case = ET.SubElement(ts, "testcase", classname=f"{suite}.{check['severity']}",
                             name=check["id"])
        lines = []
        for f in check["findings"]:
            loc = f.get("path", "") + (f":{f['line']}" if f.get("line") else "")
            confidence = f" [{f['confidence']} confidence]" if f.get("confidence") else ""
            lines.append(f"{loc} {f['message']}{confidence} {f.get('excerpt', '')}".strip())
        body = "\n".join(lines + [f"remediation: {check['remediation']}"])
        if check["status"] == "disabled":
            ET.SubElement(case, "skipped", message=check.get("note") or "disabled")
        elif not check["ok"] and check["blocking"]:
            failure = ET.SubElement(case, "failure", type=check["severity"],
                                    message=f"{len(check['findings'])} finding(s): {check['title']}")
            failure.text = body
        elif not check["ok"]:
            ET.SubElement(case, "system-out").text = "warning:\n" + body
    if tuned:
        ET.SubElement(ts, "system-out").text = "\n".join(tuned)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
