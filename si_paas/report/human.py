"""Human renderers: rich tables for lists, key/value panels for objects, the doctor verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.table import Table

from si_paas.report.console import out
from si_paas.report.safe import printable
from si_paas.report.text import summary_line, tuning_lines


def escape(value: Any) -> str:
    """Rich-markup-escaped and terminal-safe text of an untrusted value."""
    return _markup_escape(printable(value))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def items_table(title: str, items: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """A table of records, one row each; an empty list says so."""
    if not items:
        out().print(f"{escape(title)}: none")
        return
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col)
    for item in items:
        table.add_row(*(escape(_cell(item.get(col))) for col in columns))
    out().print(table)


def object_table(title: str, obj: dict[str, Any]) -> None:
    """A two-column table of one object's fields."""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in obj.items():
        table.add_row(escape(key), escape(_cell(value)))
    out().print(table)


STATUS_STYLE = {"pass": "[green]PASS[/]", "fail": "[bold red]FAIL[/]", "warn": "[yellow]WARN[/]",
                "disabled": "[dim]OFF[/]"}


def verdict(payload: dict[str, Any], title: str = "doctor", console: Console | None = None) -> None:
    """The checks table, then each failure's findings (redacted) and remediation."""
    console = console or out()
    table = Table(title=f"si paas {title}", title_justify="left")
    for col in ("status", "policy", "severity", "detail"):
        table.add_column(col)
    for check in payload["checks"]:
        n = len(check["findings"])
        detail = check.get("note") or (check["title"] if not n else
                                       f"{n} finding{'s' * (n != 1)}: {check['title']}")
        table.add_row(STATUS_STYLE.get(check["status"], escape(check["status"])),
                      escape(check["id"]), escape(check["severity"]), escape(detail))
    console.print(table)
    for check in payload["checks"]:
        if check["ok"]:
            continue
        console.print(f"\n[bold]{escape(check['id'])}[/] ({escape(check['severity'])})")
        for f in check["findings"][:20]:
            loc = f.get("path", "")
            if f.get("line"):
                loc += f":{f['line']}"
            excerpt = f"  {f['excerpt']}" if f.get("excerpt") else ""
            confidence = f" ({f['confidence']} confidence)" if f.get("confidence") else ""
            console.print(f"  - {escape(loc)}{' ' if loc else ''}{escape(f['message'])}"
                          f"{escape(confidence)}{escape(excerpt)}")
        if len(check["findings"]) > 20:
            console.print(f"  ... {len(check['findings']) - 20} more (use --json for all)")
        console.print(f"  [cyan]fix:[/] {escape(check['remediation'])}")
    tuned = tuning_lines(payload)
    if tuned:
        console.print("\n[bold]tuning[/] (narrows or changes this verdict)")
        for line in tuned:
            console.print(f"  - {escape(line)}", soft_wrap=True)
    status, _, counts = summary_line(payload).partition(":")
    style = "green" if payload["ok"] else "bold red"
    console.print(f"\n[{style}]{status}[/]:{escape(counts)}")
