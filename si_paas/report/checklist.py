"""The weekly checklist and escalation tables: one row per item with its evidence and fix."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from si_paas.report.human import STATUS_STYLE
from si_paas.report.verdict import VerdictDoc


def checklist(verdict: VerdictDoc, console: Console) -> None:
    """Five rows: item, status, evidence (which snapshot, which drill, when), remediation."""
    as_of = str(verdict.document.get("as_of", ""))[:19]
    table = Table(title=f"si paas checklist (as of {as_of}Z)", title_justify="left", show_lines=True)
    for col in ("item", "status", "evidence", "remediation"):
        table.add_column(col)
    for item in verdict.items:
        detail = item.evidence or "-"
        if item.findings:
            detail += "\n" + "\n".join(f"- {f.message}" for f in item.findings[:5])
        table.add_row(
            escape(item.title),
            STATUS_STYLE.get(item.status, escape(item.status)),
            escape(detail),
            escape("-" if item.ok else item.remediation or "-"),
        )
    console.print(table)
    passed = sum(1 for i in verdict.items if i.ok)
    style = "green" if verdict.ok else "bold red"
    word = "green" if verdict.ok else "red"
    console.print(f"[{style}]checklist {word}[/]: {passed} of {len(verdict.items)} items pass")


def escalation(verdict: VerdictDoc, console: Console) -> None:
    """The four conditions, each held or clear, and where to go when one holds."""
    table = Table(title="si paas escalation check", title_justify="left")
    for col in ("condition", "status", "detail"):
        table.add_column(col)
    for item in verdict.items:
        held = not item.ok
        detail = "; ".join(f.message for f in item.findings[:3]) if held else "-"
        table.add_row(
            escape(item.title), "[bold red]ESCALATE[/]" if held else "[green]clear[/]", escape(detail)
        )
    console.print(table)
    if verdict.document.get("hits"):
        console.print(f"[bold red]escalate now[/]: follow {escape(str(verdict.document['runbook']))}")
    else:
        console.print("[green]no escalation condition holds[/]")
