"""The weekly checklist and escalation tables: one row per item with its evidence and fix."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from si_paas.report.console import out
from si_paas.report.human import STATUS_STYLE


def checklist(payload: dict[str, Any]) -> None:
    """Five rows: item, status, evidence (which snapshot, which drill, when), remediation."""
    table = Table(title=f"si paas checklist (as of {payload['as_of'][:19]}Z)", title_justify="left",
                  show_lines=True)
    for col in ("item", "status", "evidence", "remediation"):
        table.add_column(col)
    for item in payload["items"]:
        detail = item["evidence"]
        if item["findings"]:
            detail += "\n" + "\n".join(f"- {m}" for m in item["findings"][:5])
        table.add_row(escape(item["title"]), STATUS_STYLE.get(item["status"], item["status"]),
                      escape(detail), escape(item["remediation"] or "-"))
    out().print(table)
    passed = sum(1 for i in payload["items"] if i["ok"])
    style = "green" if payload["ok"] else "bold red"
    word = "green" if payload["ok"] else "red"
    out().print(f"[{style}]checklist {word}[/]: {passed} of {len(payload['items'])} items pass")


def escalation(payload: dict[str, Any]) -> None:
    """The four conditions, each held or clear, and where to go when one holds."""
    table = Table(title="si paas escalation check", title_justify="left")
    for col in ("condition", "status", "detail"):
        table.add_column(col)
    for check in payload["checks"]:
        held = not check["ok"]
        detail = "; ".join(f["message"] for f in check["findings"][:3]) if held else "-"
        table.add_row(escape(check["title"]), "[bold red]ESCALATE[/]" if held else "[green]clear[/]",
                      escape(detail))
    out().print(table)
    if payload["hits"]:
        out().print(f"[bold red]escalate now[/]: follow {escape(payload['runbook'])}")
    else:
        out().print("[green]no escalation condition holds[/]")
