"""`si paas context ...`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, run
from si_paas.report import human
from si_paas.services import contexts as svc
from si_paas.state.layout import CONTEXT_TYPES


@click.group()
def context() -> None:
    """Create, list, select and remove contexts.

    A context is one world (internal-dogfood or oss-demo) with its own targets, apps,
    events and vault under $SI_PAAS_STATE_ROOT/contexts/NAME.
    """


def _show(payload: dict[str, Any]) -> None:
    human.object_table(f"context {payload['context']}", payload["context_config"])


@context.command("init")
@click.option("--name", required=True, help="Context name (letters, digits, . _ -).")
@click.option("--type", "ctype", required=True, metavar="|".join(CONTEXT_TYPES),
              help="What the context is for.")
@click.option("--vault-file", metavar="PATH",
              help="Vault file (default: contexts/NAME/vault/secrets.env). Never inside a repo.")
@command_options
def init_cmd(name: str, ctype: str, vault_file: str | None, **_: Any) -> None:
    """Create a context; running it again changes nothing (same id, same created_at).

    \b
    si paas context init --name internal-dogfood --type internal-dogfood
    si paas context init --name oss-demo --type oss-demo
    """
    def render(p: dict[str, Any]) -> None:
        verb = "created" if p["created"] else "already exists"
        human.object_table(f"context {name} {verb}", p["context_config"])

    run("context init", lambda inv: svc.init(inv, name, ctype, vault_file), render)


@context.command("list")
@command_options
def list_cmd(**_: Any) -> None:
    """List contexts; the selected one is marked."""
    run("context list", svc.list_all,
        lambda p: human.items_table("contexts", p["items"],
                                    ["name", "type", "current", "context_id", "vault_file"]))


@context.command("show")
@click.argument("name", required=False)
@command_options
def show_cmd(name: str | None, **_: Any) -> None:
    """Show a context (NAME, --context, or the selected one)."""
    run("context show", lambda inv: svc.show(inv, name), _show)


@context.command("use")
@click.argument("name")
@command_options
def use_cmd(name: str, **_: Any) -> None:
    """Select the context read-only commands use when --context is not given."""
    run("context use", lambda inv: svc.use(inv, name),
        lambda p: human.out().print(f"current context: {p['current_context']}"))


@context.command("remove")
@click.argument("name")
@click.option("--force", is_flag=True, help="Remove even if it still holds targets, apps or secrets.")
@command_options
def remove_cmd(name: str, force: bool, **_: Any) -> None:
    """Remove a context and everything under its directory."""
    run("context remove", lambda inv: svc.remove(inv, name, force),
        lambda p: human.out().print(f"removed context {p['removed']}"))
