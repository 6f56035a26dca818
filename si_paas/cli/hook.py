"""`si paas hook install|uninstall`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, run
from si_paas.report import human
from si_paas.services import hooks as svc


@click.group()
def hook() -> None:
    """A native git pre-commit hook that runs `si paas scan --staged`.

    With the pre-commit framework instead, add this repository to
    .pre-commit-config.yaml with hook id `si-paas` (see docs/pre-commit.md).
    """


@hook.command("install")
@click.option("--repo", metavar="PATH", help="Repository (default: the current one).")
@click.option("--force", is_flag=True,
              help="Keep an existing foreign hook aside and run it before si-paas.")
@command_options
def install_cmd(repo: str | None, force: bool, **_: Any) -> None:
    """Install .git/hooks/pre-commit (honours core.hooksPath)."""
    run("hook install", lambda inv: svc.install(repo, force),
        lambda p: human.out().print(f"installed {p['hook']}"
                                    + (f" (runs {p['chained']} first)" if p["chained"] else "")))


@hook.command("uninstall")
@click.option("--repo", metavar="PATH", help="Repository (default: the current one).")
@command_options
def uninstall_cmd(repo: str | None, **_: Any) -> None:
    """Remove the hook and restore the one it replaced."""
    run("hook uninstall", lambda inv: svc.uninstall(repo),
        lambda p: human.out().print(f"removed {p['hook']}"
                                    + (" and restored the previous hook" if p["restored"] else "")))
