"""Every command of the click app runs a declared command, and the declarations are these."""

from __future__ import annotations

from typing import Any

import click

from si_paas.services.pipeline import REGISTRY

# name -> (context mode, gate level, audited); a new command needs its row here
DECLARED: dict[str, tuple[str, str, bool]] = {
    "scan": ("none", "none", True),
    "backup create": ("explicit", "none", True),
    "backup key export": ("explicit", "none", True),
    "backup list": ("required", "none", True),
    "backup prune": ("explicit", "none", True),
    "backup restore": ("explicit", "none", True),
    "backup verify": ("required", "none", True),
    "deploy": ("required", "strict", True),
    "deploy lock release": ("explicit", "none", True),
    "deploy lock status": ("required", "read", True),
    "drill rollback": ("explicit", "strict", True),
    "rollback": ("explicit", "strict", True),
    "target trust-host": ("explicit", "change", True),
    "alert ack": ("explicit", "none", True),
    "alert channel add webhook": ("explicit", "change", True),
    "alert channel list": ("required", "read", True),
    "alert channel remove": ("explicit", "change", True),
    "alert history": ("required", "read", True),
    "alert policy set": ("explicit", "change", True),
    "alert policy show": ("required", "read", True),
    "alert route test": ("required", "none", True),
    "alert silence add": ("explicit", "none", True),
    "alert silence expire": ("explicit", "none", True),
    "alert silence list": ("required", "none", True),
    "alert test": ("required", "none", True),
    "app add": ("explicit", "change", True),
    "app list": ("required", "read", True),
    "app remove": ("explicit", "change", True),
    "app show": ("required", "read", True),
    "checklist": ("optional", "none", True),
    "context export": ("required", "read", True),
    "context import": ("explicit", "change", True),
    "context init": ("none", "change", True),
    "context list": ("none", "none", True),
    "context relocate": ("optional", "change", True),
    "context remove": ("explicit", "change", True),
    "context show": ("required", "read", True),
    "context use": ("required", "change", True),
    "demo": ("none", "none", True),
    "doctor": ("optional", "none", True),
    "escalation check": ("optional", "none", True),
    "events list": ("required", "read", True),
    "hook install": ("none", "none", True),
    "hook uninstall": ("none", "none", True),
    "policy list": ("none", "none", True),
    "policy test": ("none", "none", True),
    "release list": ("required", "read", True),
    "release prune": ("explicit", "change", True),
    "release verify": ("required", "read", True),
    "rules test": ("none", "none", True),
    "secret get": ("explicit", "read", True),
    "secret list": ("explicit", "read", True),
    "secret set": ("explicit", "strict", True),
    "secret unset": ("explicit", "change", True),
    "target add": ("explicit", "change", True),
    "target list": ("required", "read", True),
    "target remove": ("explicit", "change", True),
    "target show": ("required", "read", True),
    "target update": ("explicit", "change", True),
}


def _commands() -> dict[str, click.Command]:
    """Every command under `si paas` that runs something: the leaves, and groups that act
    when no subcommand is given (`deploy`)."""
    from si_paas.cli.paas import paas

    ctx = click.Context(paas)
    found: dict[str, click.Command] = {}

    def walk(cmd: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(cmd, click.Group):
            if cmd.invoke_without_command and path:
                found[" ".join(path)] = cmd
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                assert sub is not None, name
                walk(sub, (*path, name))
        else:
            found[" ".join(path)] = cmd

    walk(paas, ())
    return found


COMMANDS = _commands()


def test_every_command_is_in_the_table() -> None:
    assert set(COMMANDS) == set(DECLARED)
    assert {"context use", "context remove", "target add", "scan"} <= set(COMMANDS)


def test_every_command_runs_its_declaration() -> None:
    wrong: dict[str, Any] = {}
    for name, cmd in COMMANDS.items():
        declared = getattr(cmd.callback, "declared", None)
        if declared is None:
            wrong[name] = "not declared"
            continue
        d = declared.declaration
        if d.name != name or (d.context, d.gate, d.audit) != DECLARED[name]:
            wrong[name] = (d.name, d.context, d.gate, d.audit)
    assert wrong == {}


def test_every_declaration_belongs_to_a_command() -> None:
    assert set(REGISTRY) <= set(COMMANDS)  # COMMANDS loaded every CLI module
    assert all(
        REGISTRY[n] is COMMANDS[n].callback.declared  # type: ignore[union-attr]
        for n in REGISTRY
    )


def test_only_commands_that_use_a_context_offer_context() -> None:
    hidden = {
        name
        for name, cmd in COMMANDS.items()
        if any(p.name == "context" and getattr(p, "hidden", False) for p in cmd.params)
    }
    assert hidden == {n for n, (mode, _, _) in DECLARED.items() if mode == "none"} - {"context init"}
    assert "scan" in hidden and "policy list" in hidden
