"""`si paas secret ...`: a context's encrypted vault. Every command requires --context."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.errors import UsageError
from si_paas.report import human
from si_paas.report.console import err
from si_paas.services import secrets as svc


@click.group()
def secret() -> None:
    """Encrypted secrets of a context (AES-256-GCM, key kept outside the vault).

    Values are read from stdin or a hidden prompt, never shown except redacted.
    Every secret command requires --context. See docs/secrets.md.
    """


def _value_reader(key: str, value: str | None) -> Callable[[], str]:
    """Where the value comes from: --value (warned), stdin when piped, else a hidden prompt."""

    def read() -> str:
        if value is not None:
            return value
        if not sys.stdin.isatty():
            try:
                data = sys.stdin.buffer.read().decode("utf-8")
            except UnicodeDecodeError:
                raise UsageError(
                    f"secret {key}: the value on stdin is not UTF-8 text "
                    "(encode binary values, e.g. with base64)"
                ) from None
            # One trailing newline is how `echo` and here-strings end a line, not part of it.
            if data.endswith("\r\n"):
                return data[:-2]
            return data[:-1] if data.endswith("\n") else data
        try:
            entered: str = click.prompt(
                f"value for {key}", hide_input=True, confirmation_prompt=True, err=True
            )
        except click.exceptions.Abort:
            raise UsageError("no value entered") from None
        return entered

    return read


@secret.command("set")
@click.argument("key")
@click.argument("stray", nargs=-1, metavar="")
@click.option(
    "--value",
    metavar="VALUE",
    help="The value on the command line. Unsafe: argv is visible in `ps` and shell "
    "history; prefer stdin or the prompt.",
)
@command_options
@declared(svc.set_secret)
def set_cmd(key: str, stray: tuple[str, ...], value: str | None, **_: Any) -> None:
    """Store KEY, reading the value from stdin or a hidden prompt.

    The value comes from stdin when it is piped, else from a hidden prompt (asked twice).

    \b
    printf '%s' "$DB_PASSWORD" | si paas --context internal-dogfood secret set DB_PASSWORD
    si paas --context oss-demo secret set DEMO_API_TOKEN      # prompts twice, hidden
    """
    if stray:
        # Never echo it: the value is already in argv, it must not reach a terminal log too.
        raise click.UsageError(
            "secret set takes only KEY; a value given after it is visible in `ps` and shell "
            "history, so it was not stored: treat it as exposed, rotate it, and pipe the new "
            "value on stdin"
        )
    if value is not None:
        err().print(
            "warning: --value puts the secret in argv, where `ps` and shell history can "
            "read it; pipe it on stdin instead",
            markup=False,
            style="yellow",
        )
    run(
        key,
        _value_reader(key, value),
        render=lambda p: human.out().print(
            f"{'stored' if p['created'] else 'updated'} {key} in context {p['context']} ({p['fingerprint']})",
            markup=False,
        ),
    )


@secret.command("list")
@command_options
@declared(svc.list_secrets)
def list_cmd(**_: Any) -> None:
    """List key names, short fingerprints and update times (never values)."""
    run(
        render=lambda p: human.items_table(
            f"secrets of {p['context']}", p["items"], ["key", "fingerprint", "updated_at"]
        )
    )


@secret.command("get")
@click.argument("key")
@click.option("--reveal", is_flag=True, help="Print the plaintext value (needs --allow-plaintext).")
@click.option("--allow-plaintext", is_flag=True, help="Confirm that --reveal may print the plaintext value.")
@command_options
@declared(svc.get_secret)
def get_cmd(key: str, reveal: bool, allow_plaintext: bool, **_: Any) -> None:
    """Show KEY redacted (a short prefix and its fingerprint).

    \b
    si paas --context oss-demo secret get DEMO_API_TOKEN
    si paas --context oss-demo secret get DEMO_API_TOKEN --reveal --allow-plaintext
    """

    def render(p: dict[str, Any]) -> None:
        if "value" in p:
            click.echo(p["value"])
        else:
            human.out().print(f"{key} = {p['redacted']}", markup=False)

    run(key, reveal, allow_plaintext, render=render)


@secret.command("unset")
@click.argument("key")
@command_options
@declared(svc.unset_secret)
def unset_cmd(key: str, **_: Any) -> None:
    """Remove KEY from the vault."""
    run(key, render=lambda p: human.out().print(f"removed {key} from context {p['context']}", markup=False))
