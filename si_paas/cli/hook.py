"""`si paas hook install|uninstall`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.services import hooks as svc


@click.group()
def hook() -> None:
    """A native git pre-commit hook that runs `si paas scan --staged`.

    The hook starts with a fixed header and keeps what si-paas writes between
    `# >>> si-paas >>>` and `# <<< si-paas <<<`; lines you add outside that block are
    kept by `install` and `uninstall`. With the pre-commit framework instead, add this
    repository to .pre-commit-config.yaml with hook id `si-paas` (see docs/pre-commit.md).
    """


def _installed(p: dict[str, Any]) -> None:
    said = f"{'updated' if p['updated'] else 'installed'} {p['hook']}"
    if p["chained"]:
        said += f" (runs {p['chained']} first)"
    if p["kept_lines"]:
        said += f"; kept {p['kept_lines']} line(s) you added"
    human.out().print(said, markup=False, highlight=False)


def _removed(p: dict[str, Any]) -> None:
    said = f"removed the si-paas hook from {p['hook']}"
    if p["restored"]:
        said += " and restored the previous hook"
    if p["kept_lines"]:
        said += f"; kept {p['kept_lines']} line(s) you added"
    human.out().print(said, markup=False, highlight=False)


@hook.command("install")
@click.option("--repo", metavar="PATH", help="Repository (default: the current one).")
@click.option("--force", is_flag=True, help="Keep an existing foreign hook aside and run it before si-paas.")
@command_options
@declared(svc.install)
def install_cmd(repo: str | None, force: bool, **_: Any) -> None:
    """Install .git/hooks/pre-commit (honours core.hooksPath).

    Re-running it updates our block and keeps your lines. A hook that is not ours is
    never overwritten: without --force the command refuses (exit 2); with it the hook
    is moved to pre-commit.si-paas-saved and still runs first.
    """
    run(repo, force, render=_installed)


@hook.command("uninstall")
@click.option("--repo", metavar="PATH", help="Repository (default: the current one).")
@click.option(
    "--force", is_flag=True, help="Drop lines you added when a kept-aside hook is restored over them."
)
@command_options
@declared(svc.uninstall)
def uninstall_cmd(repo: str | None, force: bool, **_: Any) -> None:
    """Remove our block; your lines stay, or the hook it replaced comes back."""
    run(repo, force, render=_removed)
