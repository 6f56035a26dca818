"""The one shape every output format renders: a verdict of items, each with its findings.

`doctor`, `scan`, `checklist` and `escalation check` all judge policies; each item is one
policy (a checklist item, an escalation condition) with a rule id, severity, status and the
findings that failed it, each with its message and location. `from_document` adapts a
command's JSON document (what `--json` prints) to it. Findings hold redacted excerpts only,
so no renderer ever sees a secret value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from si_paas.report.text import summary_line, tuning_lines

View = Literal["verdict", "checklist", "escalation"]


@dataclass(frozen=True)
class Location:
    """Where a finding is: a path (and line, column); `repo` and `relpath` when in a repository."""

    path: str | None = None
    line: int | None = None
    column: int | None = None
    repo: str | None = None
    relpath: str | None = None


@dataclass(frozen=True)
class FindingDoc:
    """One finding of an item: the detector rule that raised it, its message and location."""

    rule: str
    message: str
    location: Location = Location()
    severity: str | None = None
    excerpt: str | None = None
    confidence: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True)
class Item:
    """One judged policy: `status` is pass, fail, warn or disabled."""

    rule_id: str
    title: str
    severity: str
    status: str
    ok: bool
    blocking: bool
    remediation: str
    findings: tuple[FindingDoc, ...] = ()
    note: str | None = None
    evidence: str | None = None

    @property
    def failed(self) -> bool:
        """Whether this item fails the verdict (a blocking policy that did not pass)."""
        return not self.ok and self.blocking


@dataclass(frozen=True)
class VerdictDoc:
    """A command's verdict as renderers take it; `document` is its `--json` document."""

    command: str
    ok: bool
    title: str
    items: tuple[Item, ...]
    document: Mapping[str, Any]
    view: View = "verdict"
    suite: str = "si-paas"
    header: tuple[tuple[str, str], ...] = ()
    summary: str = ""
    tuning: tuple[str, ...] = ()
    tuning_config: Mapping[str, Any] = field(default_factory=dict)
    repos: tuple[str, ...] = ()
    state_root: str | None = None


def _finding(raw: Mapping[str, Any]) -> FindingDoc:
    extra = raw.get("extra") or {}
    return FindingDoc(
        rule=str(raw.get("rule") or ""),
        message=str(raw.get("message") or ""),
        location=Location(
            path=raw.get("path"),
            line=raw.get("line"),
            column=raw.get("column"),
            repo=extra.get("repo"),
            relpath=extra.get("relpath"),
        ),
        severity=raw.get("severity"),
        excerpt=raw.get("excerpt"),
        confidence=raw.get("confidence"),
        fingerprint=raw.get("fingerprint"),
    )


def _item(check: Mapping[str, Any], evidence: str | None) -> Item:
    return Item(
        rule_id=check["id"],
        title=check.get("title") or "",
        severity=check["severity"],
        status=check["status"],
        ok=bool(check["ok"]),
        blocking=bool(check["blocking"]),
        remediation=check.get("remediation") or "",
        findings=tuple(_finding(f) for f in check.get("findings") or ()),
        note=check.get("note"),
        evidence=evidence,
    )


def from_document(
    document: Mapping[str, Any],
    *,
    title: str,
    view: View = "verdict",
    suite: str = "si-paas",
    header: Sequence[tuple[str, str]] = (),
) -> VerdictDoc:
    """Adapt a command's document (`ok`, `command`, `checks`, `summary`, ...) to a VerdictDoc.

    Checklist documents also carry `items` with each item's evidence, kept on its Item.
    """
    evidence = {i["id"]: i.get("evidence") for i in document.get("items") or ()}
    return VerdictDoc(
        command=str(document.get("command") or title),
        ok=bool(document["ok"]),
        title=title,
        items=tuple(_item(c, evidence.get(c["id"])) for c in document["checks"]),
        document=document,
        view=view,
        suite=suite,
        header=tuple(header),
        summary=summary_line(document) if "summary" in document else "",
        tuning=tuple(tuning_lines(document)),
        tuning_config=document.get("tuning") or {},
        repos=tuple(document.get("repos") or ()),
        state_root=document.get("state_root"),
    )
