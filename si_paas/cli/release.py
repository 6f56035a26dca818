"""`si paas release list|verify|prune`."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.report.console import out
from si_paas.services import release_ops as svc


@click.group()
def release() -> None:
    """Releases of an app: list them, verify them on the target, prune old ones."""


@release.command("list")
@click.option("--app", required=True, metavar="APP")
@click.option("--target", metavar="TARGET", help="Only this target.")
@command_options
@declared(svc.list_releases)
def list_cmd(app: str, target: str | None, **_: Any) -> None:
    """Releases newest first with their state, then each target's history.

    A `running` row whose process is gone from this host is shown as `abandoned`.
    """

    def render(p: dict[str, Any]) -> None:
        human.items_table(
            f"releases of {app}",
            p["items"],
            ["release_id", "target", "state", "created_at", "actor", "git_sha", "files", "bytes"],
        )
        for h in p["history"]:
            human.items_table(
                f"history of {app} on {h['target']}",
                h["rows"],
                ["row", "kind", "release", "from_release", "state", "actor", "started_at", "error_stage"],
            )

    run(app, target, render=render)


@release.command("verify")
@click.option("--app", required=True, metavar="APP")
@click.option("--target", required=True, metavar="TARGET")
@click.option("--release", "release_id", metavar="RELEASE", help="Only this release.")
@command_options
@declared(svc.verify)
def verify_cmd(app: str, target: str, release_id: str | None, **_: Any) -> None:
    """Check release folders on the target against their records (exit 1 on a mismatch)."""
    run(
        app,
        target,
        release_id,
        render=lambda p: human.items_table(
            f"verify {app} on {target}", p["items"], ["release_id", "ok", "problem"]
        ),
    )


@release.command("prune")
@click.option("--app", required=True, metavar="APP")
@click.option("--target", metavar="TARGET", help="Only this target (default: all of the app's).")
@click.option("--keep", type=int, default=5, show_default=True, help="Newest releases to keep.")
@click.option("--confirm", is_flag=True, help="Really remove (default: show what would go).")
@command_options
@declared(svc.prune)
def prune_cmd(app: str, target: str | None, keep: int, confirm: bool, **_: Any) -> None:
    """Remove old release folders; never current, the previous good one, or a drill's.

    \b
    si paas --context internal-dogfood release prune --app orders --keep 5            # dry run
    si paas --context internal-dogfood release prune --app orders --keep 5 --confirm
    """

    def render(p: dict[str, Any]) -> None:
        verb = "would remove" if p["dry_run"] else "removed"
        for plan in p["items"]:
            gone = plan["removed"] if not p["dry_run"] else [r["release_id"] for r in plan["remove"]]
            out().print(f"{escape(plan['target'])}: {verb} {len(gone)}: {escape(', '.join(gone) or '-')}")
            for k in plan["kept"]:
                out().print(f"  keep {escape(k['release_id'])} ({', '.join(k['kept_because'])})")

    run(app, target, keep, confirm, render=render)
