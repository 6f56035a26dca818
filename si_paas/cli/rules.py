"""`si paas rules test`."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.services import rulestest as svc


@click.group()
def rules() -> None:
    """Detector rule packs (rules/secrets.yaml, rules/private-state.yaml)."""


@rules.command("test")
@click.option("--secrets", "secrets_file", metavar="FILE", help="Secret rule pack to test.")
@click.option(
    "--private-state", "private_state_file", metavar="FILE", help="Private-state pattern pack to test."
)
@command_options
@declared(svc.test_rules)
def test_cmd(secrets_file: str | None, private_state_file: str | None, **_: Any) -> None:
    """Run every rule's `examples` (match and no_match); exit 1 if one misbehaves."""

    def render(p: dict[str, Any]) -> None:
        if p["items"]:
            human.items_table("failing examples", p["items"], ["kind", "rule", "problem"])
        human.out().print(
            f"{p['rules']} secret rules, {p['patterns']} private-state patterns, "
            f"{p['content_rules']} content rules: "
            f"{p['examples'] - p['failed']} examples passed, {p['failed']} failed"
        )

    run(secrets_file, private_state_file, render=render)
