"""`si paas drill rollback`."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape

from si_paas.cli.common import command_options, declared, run
from si_paas.cli.deploy import _health, health_options, progress_printer
from si_paas.report.console import out
from si_paas.services import deploy as svc


@click.group()
def drill() -> None:
    """Rehearse recovery; each drill appends one record to drills.jsonl."""


@drill.command("rollback")
@click.option("--app", required=True, metavar="APP")
@click.option("--target", required=True, metavar="TARGET")
@health_options
@command_options
@declared(svc.drill)
def rollback_cmd(app: str, target: str, **kw: Any) -> None:
    """Roll back to the previous good release, health, roll forward, health (internal-dogfood).

    \b
    si paas --context internal-dogfood drill rollback --app orders --target edge-a
    The record (drill id, app, target, actor, start, end, status completed / failed /
    aborted, steps) is what the weekly checklist reads.
    """

    def render(p: dict[str, Any]) -> None:
        d = p["drill"]
        style = "green" if d["status"] == "completed" else "bold red"
        out().print(
            f"[{style}]drill {escape(d['drill_id'])} {d['status']}[/] "
            f"in {d['duration_seconds']}s; current: {escape(str(d['final_release']))}"
        )
        for s in d["steps"]:
            out().print(f"  {escape(s['step'])} {escape(str(s['release']))}: {s['result']}")
        if d.get("message"):
            out().print(f"  {escape(d['message'])}", soft_wrap=True)

    show = progress_printer(bool(kw.get("as_json")))
    run(app, target, _health(kw), show, render=render)
