"""`si paas demo`."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape

from si_paas.cli.common import command_options, declared, run
from si_paas.report.console import out
from si_paas.services import demo as svc


@click.command()
@click.option("--keep", is_flag=True, help="Keep the throwaway folder to look around.")
@command_options
@declared(svc.run_demo)
def demo(keep: bool, **kwargs: Any) -> None:
    """Walk through the runbook in a throwaway state root and git repo.

    Initialises both contexts, runs doctor (clean), the daily flow, three refused
    mistakes, deploys an app to a local target twice, a third release whose health check
    fails and is switched back, a rollback drill, then plants contamination in the repo
    and shows doctor catching it and the deploy gate refusing.
    Everything is removed afterwards unless --keep is given.
    """
    quiet = kwargs.get("as_json", False)
    counter = {"n": 0}

    def show(step: svc.Step) -> None:
        if quiet:
            return
        counter["n"] += 1
        mark = "[green]✓[/]" if step.ok else "[bold red]✗[/]"
        exit_note = "" if step.expect == 0 else f" (exit {step.code}, as it should)"
        if not step.ok:
            exit_note = f" (exit {step.code}, expected {step.expect})"
        out().print(f"\n{mark} [bold]{counter['n']:>2}. {escape(step.title)}[/] — {escape(step.why)}")
        out().print(f"   [dim]$ si {escape(' '.join(step.args))}[/]")
        out().print(f"   {escape(step.summary)}{exit_note}", soft_wrap=True)

    def render(p: dict[str, Any]) -> None:
        where = f" Kept in {p['workdir']}." if p["kept"] else " Throwaway state removed."
        verdict = "Every guardrail held." if p["ok"] else "A step did not behave as expected."
        out().print(f"\n[bold]{verdict}[/]{escape(where)}")

    from si_paas.cli import forked

    runner = svc.spawn
    if forked.available():
        forked.preload()
        runner = forked.run
    run(show, keep, runner, render=render)
