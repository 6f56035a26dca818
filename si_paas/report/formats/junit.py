"""JUnit XML: one testcase per policy (checklist item, escalation condition), a failure
element listing the findings of each failed one."""

from __future__ import annotations

from typing import TextIO
from xml.etree import ElementTree as ET

from si_paas.report.verdict import FindingDoc, Item, VerdictDoc


def _line(f: FindingDoc) -> str:
    loc = (f.location.path or "") + (f":{f.location.line}" if f.location.line else "")
    confidence = f" [{f.confidence} confidence]" if f.confidence else ""
    return f"{loc} {f.message}{confidence} {f.excerpt or ''}".strip()


def _case(ts: ET.Element, suite: str, item: Item) -> None:
    case = ET.SubElement(ts, "testcase", classname=f"{suite}.{item.severity}", name=item.rule_id)
    body = "\n".join([*(_line(f) for f in item.findings), f"remediation: {item.remediation}"])
    if item.status == "disabled":
        ET.SubElement(case, "skipped", message=item.note or "disabled")
    elif item.failed:
        failure = ET.SubElement(
            case, "failure", type=item.severity, message=f"{len(item.findings)} finding(s): {item.title}"
        )
        failure.text = body
    elif not item.ok:
        ET.SubElement(case, "system-out").text = "warning:\n" + body


def junit_xml(verdict: VerdictDoc) -> str:
    """JUnit XML of a verdict; warnings are passing testcases with system-out."""
    suite, items = verdict.suite, verdict.items
    failures = sum(1 for i in items if i.failed)
    skipped = sum(1 for i in items if i.status == "disabled")
    root = ET.Element("testsuites", name=suite, tests=str(len(items)), failures=str(failures))
    ts = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(items)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    if verdict.tuning:
        props = ET.SubElement(ts, "properties")
        for i, line in enumerate(verdict.tuning):
            ET.SubElement(props, "property", name=f"si-paas.tuning.{i}", value=line)
    for item in items:
        _case(ts, suite, item)
    if verdict.tuning:
        ET.SubElement(ts, "system-out").text = "\n".join(verdict.tuning)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


class JUnitRenderer:
    """`--format junit`: JUnit XML for CI test reports."""

    name = "junit"

    def render(self, verdict: VerdictDoc, out: TextIO) -> None:
        """Write the JUnit XML document."""
        out.write(junit_xml(verdict))


RENDERER = JUnitRenderer()
