"""`si paas policy list|test`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.services import policytest as svc

_DIRS = click.option(
    "--policies", "policy_dirs", multiple=True, metavar="DIR", help="Extra policy folder (repeatable)."
)


@click.group()
def policy() -> None:
    """Inspect and test policies (the default pack plus your own folders)."""


@policy.command("list")
@_DIRS
@command_options
@declared(svc.list_policies)
def list_cmd(policy_dirs: tuple[str, ...], **_: Any) -> None:
    """List policies with severity, scopes and check kind."""
    run(
        policy_dirs,
        render=lambda p: human.items_table(
            "policies", p["items"], ["id", "severity", "blocking", "scopes", "check"]
        ),
    )


@policy.command("test")
@_DIRS
@command_options
@declared(svc.test_policies)
def test_cmd(policy_dirs: tuple[str, ...], **_: Any) -> None:
    """Run every policy's `examples:` (fail and pass) through the engine.

    An example is a set of files: `repo/PATH` lands in a fresh git repository and
    `state/PATH` in a fresh state root. Exit 1 if any example disagrees.
    """

    def render(p: dict[str, Any]) -> None:
        human.items_table("policy examples", p["items"], ["policy", "expect", "name", "ok", "detail"])
        if p["without_examples"]:
            human.out().print("without examples: " + ", ".join(p["without_examples"]))
        human.out().print(f"{p['count'] - p['failed']} examples passed, {p['failed']} failed")

    run(policy_dirs, render=render)
