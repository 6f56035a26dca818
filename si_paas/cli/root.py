"""The `si` command group (click); `si_paas.cli.main` runs it."""

from __future__ import annotations

import click

from si_paas import __version__
from si_paas.cli.lazy import LazyGroup


@click.group(
    cls=LazyGroup,
    lazy={"paas": ("si_paas.cli.paas:paas", "Operate PaaS contexts safely: doctor, targets, apps.")},
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="si")
def cli() -> None:
    """si: operator tools. `si paas` keeps private and public PaaS contexts apart."""
