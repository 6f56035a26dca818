"""`si paas deploy`, `si paas deploy lock status|release`, `si paas rollback`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
from rich.markup import escape

from si_paas.cli.common import command_options, declared, run
from si_paas.errors import UsageError
from si_paas.report import human
from si_paas.report.console import err, out
from si_paas.services import deploy as svc

STEP_LABELS = {
    "pack": "pack",
    "gate": "doctor gate",
    "upload": "upload",
    "verify": "verify",
    "health": "health (release folder)",
    "switch": "switch current",
    "post-health": "health (current)",
    "rollback": "roll back",
    "roll-forward": "roll forward",
}


def progress_printer(as_json: bool) -> Callable[[str, str], None]:
    """Step-by-step progress on stderr when it is a terminal; silent when piped or --json."""
    if as_json or not sys.stderr.isatty():
        return svc._quiet

    def show(step: str, status: str) -> None:
        mark = {"ok": "[green]✓[/]", "failed": "[bold red]✗[/]", "start": "[dim]…[/]"}.get(
            status, "[green]✓[/]"
        )
        detail = "" if status in ("ok", "failed", "start") else f" {escape(status)}"
        err().print(f"  {mark} {escape(STEP_LABELS.get(step, step))}{detail}")

    return show


def health_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--health-cmd, --health-timeout, --health-attempts, --health-interval."""
    fn = click.option(
        "--health-interval",
        type=float,
        default=1.0,
        show_default=True,
        metavar="SECONDS",
        help="Pause between health attempts.",
    )(fn)
    fn = click.option(
        "--health-attempts",
        type=int,
        default=1,
        show_default=True,
        help="Attempts before the health check fails.",
    )(fn)
    fn = click.option(
        "--health-timeout",
        type=float,
        default=60.0,
        show_default=True,
        metavar="SECONDS",
        help="Bound on each health attempt.",
    )(fn)
    fn = click.option(
        "--health-cmd",
        metavar="CMD",
        help="Shell command run in the release folder on the target; exit 0 is "
        "healthy. Default: the last one given for this app and target.",
    )(fn)
    return fn


def _health(kw: dict[str, Any]) -> svc.Health:
    return svc.Health(
        kw.get("health_cmd"), kw["health_timeout"], kw["health_attempts"], kw["health_interval"]
    )


def render_result(p: dict[str, Any]) -> None:
    """Human output of a deploy or rollback."""
    if p.get("dry_run"):
        out().print(
            f"[bold]dry run[/]: would deploy {escape(p['release'])} "
            f"({p['bundle']['files']} files, {p['bundle']['bytes']} bytes, "
            f"{escape(p['bundle']['bundle_digest'][:19])}…)"
        )
        for i, step in enumerate(p["steps"], 1):
            out().print(f"  {i}. {escape(step)}")
        rb = p["plan"].get("rollback_release")
        out().print(f"  rollback target: {escape(rb or 'none')}")
        return
    if p["ok"]:
        extra = f" (was {p['previous']})" if p.get("previous") else ""
        if "from_release" in p:
            extra = f" (from {p['from_release']})"
        out().print(f"[green]{escape(p['release'])} is current[/]{escape(extra)}")
        return
    err().print(
        f"[bold red]failed[/]: {escape(p['release'])}: {escape(p.get('error') or '')}", soft_wrap=True
    )
    if p.get("current"):
        err().print(f"current: {escape(p['current'])}")


@click.group(invoke_without_command=True)
@click.option("--app", metavar="APP", help="The app to deploy.")
@click.option("--target", metavar="TARGET", help="The target to deploy to.")
@health_options
@click.option("--first-deploy", is_flag=True, help="No earlier release exists to roll back to (recorded).")
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option("--message", "-m", metavar="TEXT", help="Why: kept in the lock and the event.")
@click.option(
    "--auto-rollback/--no-auto-rollback",
    default=None,
    help="Switch back when health fails after the switch (default: on).",
)
@command_options
@declared(svc.deploy)
@click.pass_context
def deploy(
    click_ctx: click.Context,
    /,
    app: str | None,
    target: str | None,
    first_deploy: bool,
    dry_run: bool,
    message: str | None,
    auto_rollback: bool | None,
    **kw: Any,
) -> None:
    """Deploy an app's source to a target, gated on the doctor verdict.

    \b
    Steps: pack (manifest + SHA-256) -> doctor gate -> lock -> upload to an incoming
    folder -> verify on the target -> health in the release folder -> switch `current`
    (atomic) -> health against current; a failure after the switch switches back.
    \b
    si paas --context internal-dogfood deploy --app orders --target edge-a \\
        --health-cmd './bin/health'
    si paas --context internal-dogfood deploy --app orders --target edge-a --dry-run
    si paas --context internal-dogfood deploy lock status --app orders --target edge-a
    """
    if click_ctx.invoked_subcommand is not None:
        return
    if not app or not target:
        raise click.UsageError("deploy needs --app APP and --target TARGET")
    show = progress_printer(bool(kw.get("as_json")))
    run(
        app,
        target,
        _health(kw),
        first_deploy=first_deploy,
        dry_run=dry_run,
        message=message,
        auto_rollback=auto_rollback,
        progress=show,
        render=render_result,
    )


@deploy.group("lock")
def lock() -> None:
    """The (app, target) deploy lock: who holds it, and releasing a stale one."""


@lock.command("status")
@click.option("--app", required=True, metavar="APP")
@click.option("--target", required=True, metavar="TARGET")
@command_options
@declared(svc.lock_status)
def lock_status_cmd(app: str, target: str, **_: Any) -> None:
    """Show the lock in the context and on the target (held, stale or free)."""

    def render(p: dict[str, Any]) -> None:
        human.object_table(f"lock of {app} on {target}", p["lock"])
        human.object_table("target lock", p["target_lock"])

    run(app, target, render=render)


@lock.command("release")
@click.option("--app", required=True, metavar="APP")
@click.option("--target", required=True, metavar="TARGET")
@click.option("--force", is_flag=True, help="Remove it although a deploy may hold it (audited).")
@command_options
@declared(svc.lock_release)
def lock_release_cmd(app: str, target: str, force: bool, **_: Any) -> None:
    """Release the lock (only with --force; check `lock status` first)."""
    run(app, target, force, render=lambda p: out().print("released" if p["released"] else "the lock is free"))


@click.command()
@click.option("--app", required=True, metavar="APP")
@click.option("--target", required=True, metavar="TARGET")
@click.option(
    "--to",
    "to",
    metavar="RELEASE",
    help="Release id to re-activate (default: the newest succeeded release before current that verifies).",
)
@health_options
@click.option("--message", "-m", metavar="TEXT", help="Why: kept in the lock and the event.")
@command_options
@declared(svc.rollback)
def rollback(app: str, target: str, to: str | None, message: str | None, **kw: Any) -> None:
    """Re-activate a stored release after verifying its files; never rebuilds.

    \b
    si paas --context internal-dogfood rollback --app orders --target edge-a
    si paas --context internal-dogfood rollback --app orders --target edge-a --to r000002-edge-a
    """
    if to is not None and not to.strip():
        raise UsageError("--to: give a release id (see `release list`)")
    show = progress_printer(bool(kw.get("as_json")))
    run(app, target, to, _health(kw), message, show, render=render_result)
