"""`si paas app ...`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.services import records as svc


@click.group()
def app() -> None:
    """Apps of a context: a source folder and the targets it deploys to."""


@app.command("add")
@click.argument("name")
@click.option("--source", required=True, metavar="DIR", help="Source folder of the app.")
@click.option("--target", "targets", multiple=True, metavar="T", help="Target name; repeatable.")
@click.option("--label", "labels", multiple=True, metavar="K=V", help="Label; repeatable.")
@command_options
@declared(svc.add_app)
def add_cmd(name: str, source: str, targets: tuple[str, ...], labels: tuple[str, ...], **_: Any) -> None:
    """Add an app (requires --context)."""
    run(name, source, targets, labels, render=lambda p: human.object_table(f"added app {name}", p["app"]))


@app.command("list")
@command_options
@declared(svc.list_apps)
def list_cmd(**_: Any) -> None:
    """List apps of the context."""
    run(
        render=lambda p: human.items_table(
            f"apps of {p['context']}", p["items"], ["name", "source", "targets", "labels"]
        )
    )


@app.command("show")
@click.argument("name")
@command_options
@declared(svc.show_app)
def show_cmd(name: str, **_: Any) -> None:
    """Show one app."""
    run(name, render=lambda p: human.object_table(f"app {name}", p["app"]))


@app.command("remove")
@click.argument("name")
@command_options
@declared(svc.remove_app)
def remove_cmd(name: str, **_: Any) -> None:
    """Remove an app (requires --context)."""
    run(name, render=lambda p: human.out().print(f"removed app {name}"))
