"""`si paas events list`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.services import events as svc


@click.group()
def events() -> None:
    """Deploy, alert and audit events of a context, newest first."""


@events.command("list")
@click.option("--limit", type=int, default=50, show_default=True, help="At most N events (N >= 1).")
@click.option("--kind", type=click.Choice(["deploy", "alert", "audit", "backup"]), help="Only this kind.")
@click.option("--since", metavar="TIME", help="Only events at or after an ISO 8601 time.")
@command_options
@declared(svc.list_events)
def list_cmd(limit: int, kind: str | None, since: str | None, **_: Any) -> None:
    """List events newest first.

    \b
    si paas --context oss-demo events list --limit 50 --json
    """
    run(
        limit,
        kind,
        since,
        render=lambda p: human.items_table(
            f"events of {p['context']}", p["items"], ["time", "kind", "command", "status", "actor"]
        ),
    )
