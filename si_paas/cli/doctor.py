"""`si paas doctor`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, run
from si_paas.report import human
from si_paas.services import doctor as svc


@click.command()
@click.option("--repo", "repos", multiple=True, metavar="PATH",
              help="Also judge this repository (repeatable). The current one is always judged.")
@click.option("--policies", "policy_dirs", multiple=True, metavar="DIR",
              help="Extra policy folder (repeatable); same id replaces the default.")
@command_options
def doctor(repos: tuple[str, ...], policy_dirs: tuple[str, ...], **_: Any) -> None:
    """Judge the state root and repositories against every doctor policy.

    With --context, judges that context plus the global checks; without, every context.
    Exit 0 when ok, 1 when a blocking check failed, 2 on usage or input errors.

    \b
    si paas doctor --json
    si paas --context internal-dogfood doctor --repo ~/src/app
    """
    run("doctor", lambda inv: svc.run(inv, repos, policy_dirs), human.verdict)
