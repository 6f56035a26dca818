"""`si paas escalation check`: the runbook's four "escalate immediately" conditions."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.cli.output import chosen_format, format_option, print_verdict
from si_paas.services import escalation as svc


@click.group()
def escalation() -> None:
    """The runbook's escalation conditions (section 9); gated commands check them too."""


@escalation.command("check")
@click.option(
    "--repo",
    "repos",
    multiple=True,
    metavar="PATH",
    help="Also judge this repository (repeatable). The current one is always judged.",
)
@format_option
@command_options
@declared(svc.check)
def check(repos: tuple[str, ...], fmt: str, as_json: bool, **_: Any) -> None:
    """Evaluate the four conditions; each hit raises one critical alert (deduplicated).

    \b
    1. repo-local private state or secret exposure
    2. an internal-dogfood vault that resolves inside a repository
    3. cross-context data in targets, deploy history or events
    4. a failed checksum verification of the latest backup

    Exit 0 when none holds, 1 when one does: follow docs/PAAS_INCIDENT_RUNBOOK.md.

    \b
    si paas escalation check --json
    si paas --context internal-dogfood escalation check --repo ~/src/app
    si paas escalation check --format junit > escalation.xml
    """
    fmt = chosen_format(fmt, as_json)
    run(
        repos,
        render=lambda p: print_verdict(
            fmt,
            "escalation check",
            p,
            title="escalation check",
            view="escalation",
            suite="si-paas-escalation",
        ),
        as_json=fmt == "json",
    )
