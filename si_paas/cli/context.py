"""`si paas context ...`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.services import bundle as bundle_svc
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
@click.option(
    "--type", "ctype", required=True, metavar="|".join(CONTEXT_TYPES), help="What the context is for."
)
@click.option(
    "--vault-file",
    metavar="PATH",
    help="Vault file (default: contexts/NAME/vault/secrets.env). Never inside a repo.",
)
@command_options
@declared(svc.init)
def init_cmd(name: str, ctype: str, vault_file: str | None, **_: Any) -> None:
    """Create a context; running it again changes nothing (same id, same created_at).

    \b
    si paas context init --name internal-dogfood --type internal-dogfood
    si paas context init --name oss-demo --type oss-demo
    """

    def render(p: dict[str, Any]) -> None:
        verb = "created" if p["created"] else "already exists"
        human.object_table(f"context {name} {verb}", p["context_config"])

    run(name, ctype, vault_file, render=render)


@context.command("list")
@command_options
@declared(svc.list_all)
def list_cmd(**_: Any) -> None:
    """List contexts; the selected one is marked."""
    run(
        render=lambda p: human.items_table(
            "contexts", p["items"], ["name", "type", "current", "context_id", "vault_file"]
        )
    )


@context.command("show")
@click.argument("name", required=False)
@command_options
@declared(svc.show)
def show_cmd(name: str | None, **_: Any) -> None:
    """Show a context (NAME, --context, or the selected one)."""
    run(name, render=_show)


@context.command("use")
@click.argument("name")
@command_options
@declared(svc.use)
def use_cmd(name: str, **_: Any) -> None:
    """Select the context read-only commands use when --context is not given."""
    run(name, render=lambda p: human.out().print(f"current context: {p['current_context']}"))


@context.command("remove")
@click.argument("name")
@click.option("--force", is_flag=True, help="Remove even if it still holds targets, apps or secrets.")
@command_options
@declared(svc.remove)
def remove_cmd(name: str, force: bool, **_: Any) -> None:
    """Remove a context and everything under its directory."""
    run(name, force, render=lambda p: human.out().print(f"removed context {p['removed']}"))


@context.command("relocate")
@click.argument("name", required=False)
@command_options
@declared(svc.relocate)
def relocate_cmd(name: str | None, **_: Any) -> None:
    """Adopt contexts restored or moved here from another state root.

    Rewrites `state_root` in config.json to this state root and moves vault paths that
    pointed under the old root along with it (a vault elsewhere is kept). Without NAME,
    every context made under another root. Run it once after restoring a backup to a
    new path; `doctor` then no longer reports the contexts as copied.

    \b
    si paas context relocate
    si paas context relocate internal-dogfood --json
    """

    def render(p: dict[str, Any]) -> None:
        if not p["relocated"]:
            human.out().print("nothing to relocate: every context belongs to this state root")
        for m in p["relocated"]:
            human.out().print(f"relocated {m['name']}: {m['from']} -> {m['to']}", markup=False)

    run(name, render=render)


@context.command("export")
@click.option(
    "--output",
    metavar="FILE",
    help="Write the bundle here (0600, never inside a repository); default stdout.",
)
@click.option("--force", is_flag=True, help="Replace an existing --output file.")
@command_options
@declared(bundle_svc.export_context)
def export_cmd(output: str | None, force: bool, **_: Any) -> None:
    """Export the context's metadata (config, targets, apps, alert policy) as a JSON bundle.

    Never secrets, never events. With --json the bundle is the `bundle` field.

    \b
    si paas --context oss-demo context export --output ~/exports/oss-demo.json
    """

    def render(p: dict[str, Any]) -> None:
        if "bundle" in p:
            click.echo(bundle_svc.bundle_text(p["bundle"]), nl=False)
        else:
            c = p["counts"]
            human.out().print(
                f"exported context {p['context']} to {p['output']} "
                f"({c['targets']} targets, {c['apps']} apps)",
                markup=False,
            )

    run(output, force, render=render)


@context.command("import")
@click.argument("file", metavar="FILE")
@click.option("--force", is_flag=True, help="Replace targets and apps that already exist.")
@click.option(
    "--allow-cross-type",
    is_flag=True,
    help="Accept a bundle exported from a context of the other type (audited).",
)
@command_options
@declared(bundle_svc.import_context)
def import_cmd(file: str, force: bool, allow_cross_type: bool, **_: Any) -> None:
    """Import a bundle's targets and apps into --context (required), all or nothing.

    Records take the receiving context's name and id; a secret-like value is refused.
    FILE `-` reads the bundle from stdin.

    \b
    si paas --context oss-demo context import ~/exports/oss-demo.json
    """

    def render(p: dict[str, Any]) -> None:
        got = p["imported"]
        human.out().print(
            f"imported {len(got['targets'])} targets and {len(got['apps'])} apps "
            f"from {p['origin']['context']} into {p['context']}",
            markup=False,
        )

    run(file, force, allow_cross_type, render=render)
