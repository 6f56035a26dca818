"""What every leaf command shares: --context/--json, the run loop, audit, output, exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from si_paas.cli.output import emit_json, error_doc, result_doc
from si_paas.errors import SiPaasError, UsageError
from si_paas.report.safe import printable
from si_paas.services.invocation import Invocation, Result

if TYPE_CHECKING:
    from si_paas.services.pipeline import DeclaredCommand

F = TypeVar("F", bound=Callable[..., Any])


def command_options(fn: F) -> F:
    """Add --context (also accepted after the subcommand) and --json to a command.

    Goes above `@declared`: a command that uses no context does not show its --context in
    help, and `run` refuses it in one line (the group's `si paas --context NAME`, which
    names the context for every command, is still only checked).
    """
    cmd: DeclaredCommand[Any] | None = getattr(fn, "declared", None)
    fn = click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON object on stdout instead of tables."
    )(fn)
    fn = click.option(
        "--context",
        "context",
        metavar="NAME",
        hidden=cmd is not None and cmd.declaration.uses_no_context,
        help="Context to act on (same as `si paas --context NAME ...`).",
    )(fn)
    return fn


def declared(cmd: DeclaredCommand[Any]) -> Callable[[F], F]:
    """Link a click command to the declared service command it runs (`run` calls it)."""

    def mark(fn: F) -> F:
        fn.declared = cmd  # type: ignore[attr-defined]
        return fn

    return mark


def _context_from(click_ctx: click.Context, local: str | None) -> str | None:
    group_value = None
    parent = click_ctx.parent
    while parent is not None:
        group_value = group_value or (parent.obj or {}).get("context")
        parent = parent.parent
    if local and group_value and local != group_value:
        raise click.UsageError(f"--context given twice with different values ({group_value!r} and {local!r})")
    return local or group_value


def run(
    *args: Any,
    render: Callable[[dict[str, Any]], None] | None = None,
    as_json: bool | None = None,
    **kwargs: Any,
) -> NoReturn:
    """Call the current click command's declared command with args, print, exit.

    The declared command resolves the context, gates, acts and audits; this prints its
    JSON document or renders its payload, and exits with its code. as_json: whether stdout
    is the JSON document (default: --json).
    """
    from si_paas.services.pipeline import audit_args

    click_ctx = click.get_current_context()
    cmd: DeclaredCommand[Any] | None = getattr(click_ctx.command.callback, "declared", None)
    if cmd is None:
        raise RuntimeError(f"{click_ctx.command_path}: no declared command")
    params = dict(click_ctx.params)
    as_json = bool(params.get("as_json")) if as_json is None else as_json
    command = cmd.declaration.reported
    inv = Invocation(command=command, context_opt=_context_from(click_ctx, params.get("context")))
    if params.get("context") and cmd.declaration.uses_no_context:
        _fail(
            command,
            inv,
            UsageError(f"--context {params['context']!r}: `{command}` uses no context; drop --context"),
            as_json,
        )
    try:
        result = cmd.invoke(inv, args, kwargs, audit_args=audit_args(params))
    except SiPaasError as exc:
        _fail(command, inv, exc, as_json)
    _print(command, inv, result, render, as_json)
    sys.exit(int(result.exit_code))


def _warn(warnings: list[str]) -> None:
    from si_paas.report.console import err

    for w in warnings:
        err().print(f"warning: {printable(w)}", markup=False, soft_wrap=True, style="yellow")


def _audit_failure(inv: Invocation) -> None:
    """Audit failures never mask the command's own outcome, but they are reported."""
    if inv.audit_failure is not None:
        from si_paas.report.console import err

        err().print(
            f"warning: audit event not written: {inv.audit_failure}",
            markup=False,
            style="yellow",
            soft_wrap=True,
        )


def _print(
    command: str,
    inv: Invocation,
    result: Result,
    render: Callable[[dict[str, Any]], None] | None,
    as_json: bool,
) -> None:
    _audit_failure(inv)
    warnings = [*inv.warnings, *result.warnings]
    if as_json:
        emit_json(result_doc(command, result, warnings))
    else:
        _warn(warnings)
        if render is not None:
            render({"ok": result.ok, "context": result.context, **result.payload})


def _fail(command: str, inv: Invocation, exc: SiPaasError, as_json: bool) -> NoReturn:
    from si_paas.report.console import err

    _audit_failure(inv)
    if as_json:
        doc = error_doc(command, inv.context_opt, exc)
        if inv.warnings:  # e.g. an alert the refusal raised that was not delivered
            doc["warnings"] = list(inv.warnings)
        emit_json(doc)
    else:
        _warn(inv.warnings)
    err().print(
        f"si paas {command}: error: {printable(exc.message)}", markup=False, highlight=False, soft_wrap=True
    )
    sys.exit(int(exc.exit_code))
