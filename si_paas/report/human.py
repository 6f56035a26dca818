"""Human renderers: rich tables for lists, key/value panels for objects, a verdict's table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.table import Table

from si_paas.report.console import out as out  # the commands print through human.out
from si_paas.report.safe import printable
from si_paas.report.verdict import VerdictDoc


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


STATUS_STYLE = {
    "pass": "[green]PASS[/]",
    "fail": "[bold red]FAIL[/]",
    "warn": "[yellow]WARN[/]",
    "disabled": "[dim]OFF[/]",
}


def verdict(v: VerdictDoc, console: Console | None = None) -> None:
    """The checks table, then each failure's findings (redacted) and remediation."""
    console = console or out()
    table = Table(title=f"si paas {v.title}", title_justify="left")
    for col in ("status", "policy", "severity", "detail"):
        table.add_column(col)
    for item in v.items:
        n = len(item.findings)
        detail = item.note or (item.title if not n else f"{n} finding{'s' * (n != 1)}: {item.title}")
        table.add_row(
            STATUS_STYLE.get(item.status, escape(item.status)),
            escape(item.rule_id),
            escape(item.severity),
            escape(detail),
        )
    console.print(table)
    for item in v.items:
        if item.ok:
            continue
        console.print(f"\n[bold]{escape(item.rule_id)}[/] ({escape(item.severity)})")
        for f in item.findings[:20]:
            loc = (f.location.path or "") + (f":{f.location.line}" if f.location.line else "")
            excerpt = f"  {f.excerpt}" if f.excerpt else ""
            confidence = f" ({f.confidence} confidence)" if f.confidence else ""
            console.print(
                f"  - {escape(loc)}{' ' if loc else ''}{escape(f.message)}"
                f"{escape(confidence)}{escape(excerpt)}"
            )
        if len(item.findings) > 20:
            console.print(f"  ... {len(item.findings) - 20} more (use --json for all)")
        console.print(f"  [cyan]fix:[/] {escape(item.remediation)}")
    if v.tuning:
        console.print("\n[bold]tuning[/] (narrows or changes this verdict)")
        for line in v.tuning:
            console.print(f"  - {escape(line)}", soft_wrap=True)
    status, _, counts = v.summary.partition(":")
    style = "green" if v.ok else "bold red"
    console.print(f"\n[{style}]{status}[/]:{escape(counts)}")
