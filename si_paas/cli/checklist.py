"""`si paas checklist`: the runbook's weekly operational checklist."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.cli.output import chosen_format, format_option, print_verdict
from si_paas.services import checklist as svc


@click.command()
@click.option(
    "--as-of",
    metavar="TIME",
    help="Judge the week ending at this ISO 8601 time instead of now (no alerts sent).",
)
@format_option
@command_options
@declared(svc.run)
def checklist(as_of: str | None, fmt: str, as_json: bool, **_: Any) -> None:
    """Evaluate the five weekly checklist items; exit 0 when all pass, 1 otherwise.

    \b
    1. doctor returns ok for the active state root
    2. internal-dogfood and oss-demo exist, typed, distinct targets and vaults
    3. each context's newest backup verified with --read-data this week
    4. each context has an alert channel with its secrets and a test sent this week
    5. a rollback drill completed in internal-dogfood this week

    Windows live in the policies' `with:` blocks (policies/checklist-*.yaml). A failing
    item raises a warning alert (not with --as-of). See docs/checklist.md.

    \b
    si paas checklist
    si paas checklist --as-of 2026-03-10T12:00:00Z --json
    si paas checklist --format junit > checklist.xml
    """
    fmt = chosen_format(fmt, as_json)
    run(
        as_of,
        render=lambda p: print_verdict(
            fmt, "checklist", p, title="checklist", view="checklist", suite="si-paas-checklist"
        ),
        as_json=fmt == "json",
    )
