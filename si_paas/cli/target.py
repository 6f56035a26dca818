"""`si paas target ...`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.services import deploy as deploy_svc
from si_paas.services import records as svc

COLUMNS = ["name", "host", "port", "user", "transport", "disposable", "labels"]


@click.group()
def target() -> None:
    """Deploy targets of a context. add/update/remove require --context."""


@target.command("add")
@click.argument("name")
@click.option("--host", required=True, help="Host name or address.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (1-65535).")
@click.option("--user", help="Login user on the target.")
@click.option("--transport", type=click.Choice(["local", "ssh"]), default="ssh", show_default=True)
@click.option("--path", "path", metavar="DIR", help="Deploy directory on the target.")
@click.option("--disposable", is_flag=True, help="Safe to wipe (required in oss-demo).")
@click.option("--label", "labels", multiple=True, metavar="K=V", help="Label; repeatable.")
@command_options
@declared(svc.add_target)
def add_cmd(
    name: str,
    host: str,
    port: int | None,
    user: str | None,
    transport: str,
    path: str | None,
    disposable: bool,
    labels: tuple[str, ...],
    **_: Any,
) -> None:
    """Add a target.

    \b
    si paas --context oss-demo target add demo-1 --host demo-1.example.test --disposable
    """
    run(
        name,
        host,
        port,
        user,
        transport,
        path,
        disposable,
        labels,
        render=lambda p: human.object_table(f"added target {name}", p["target"]),
    )


@target.command("list")
@command_options
@declared(svc.list_targets)
def list_cmd(**_: Any) -> None:
    """List targets of the context."""
    run(render=lambda p: human.items_table(f"targets of {p['context']}", p["items"], COLUMNS))


@target.command("show")
@click.argument("name")
@command_options
@declared(svc.show_target)
def show_cmd(name: str, **_: Any) -> None:
    """Show one target."""
    run(name, render=lambda p: human.object_table(f"target {name}", p["target"]))


@target.command("remove")
@click.argument("name")
@command_options
@declared(svc.remove_target)
def remove_cmd(name: str, **_: Any) -> None:
    """Remove a target (refused while an app uses it)."""
    run(name, render=lambda p: human.out().print(f"removed target {name}"))


@target.command("update")
@click.argument("name")
@click.option("--host", help="New host.")
@click.option("--port", type=click.IntRange(1, 65535), help="New port.")
@click.option("--user", help="New login user.")
@click.option("--transport", type=click.Choice(["local", "ssh"]))
@click.option("--path", "path", metavar="DIR", help="New deploy directory.")
@click.option("--disposable/--no-disposable", default=None, help="Mark or unmark disposable.")
@click.option("--label", "labels", multiple=True, metavar="K=V", help="Set a label; repeatable.")
@click.option("--unlabel", "unlabels", multiple=True, metavar="K", help="Drop a label.")
@command_options
@declared(svc.update_target)
def update_cmd(
    name: str,
    host: str | None,
    port: int | None,
    user: str | None,
    transport: str | None,
    path: str | None,
    disposable: bool | None,
    labels: tuple[str, ...],
    unlabels: tuple[str, ...],
    **_: Any,
) -> None:
    """Change a target; only the flags given are touched."""
    changes = {
        k: v
        for k, v in {
            "host": host,
            "port": port,
            "user": user,
            "transport": transport,
            "path": path,
            "disposable": disposable,
        }.items()
        if v is not None
    }
    run(
        name,
        changes,
        labels,
        unlabels,
        render=lambda p: human.object_table(f"updated target {name}", p["target"]),
    )


@target.command("trust-host")
@click.argument("name")
@click.option(
    "--known-hosts",
    "known_hosts",
    metavar="FILE",
    help="Import the key lines for this host from FILE instead of ssh-keyscan.",
)
@command_options
@declared(deploy_svc.trust_host)
def trust_host_cmd(name: str, known_hosts: str | None, **_: Any) -> None:
    """Record an ssh target's host key in the context's own known_hosts.

    Without --known-hosts the key is fetched with ssh-keyscan: compare the printed
    fingerprint with the one the host's owner gives you.
    """

    def render(p: dict[str, Any]) -> None:
        human.out().print(f"trusted {p['host']} for target {name}:")
        for fp in p["fingerprints"]:
            human.out().print(f"  {fp}")

    run(name, known_hosts, render=render)
