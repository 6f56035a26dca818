"""What every leaf command shares: --context/--json, the run loop, audit, output, exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from si_paas.cli.output import emit_json, error_doc, result_doc
from si_paas.errors import PolicyRefusal, SiPaasError, UsageError, as_input_error
from si_paas.report.safe import printable
from si_paas.services.invocation import Invocation, Result

F = TypeVar("F", bound=Callable[..., Any])

_NOT_AUDITED = {"as_json", "context", "value"}


def command_options(fn: F) -> F:
    """Add --context (also accepted after the subcommand) and --json to a command."""
    fn = click.option("--json", "as_json", is_flag=True,
                      help="Print one JSON object on stdout instead of tables.")(fn)
    fn = click.option("--context", "context", metavar="NAME",
                      help="Context to act on (same as `si paas --context NAME ...`).")(fn)
    return fn


def _context_from(click_ctx: click.Context, local: str | None) -> str | None:
    group_value = None
    parent = click_ctx.parent
    while parent is not None:
        group_value = group_value or (parent.obj or {}).get("context")
        parent = parent.parent
    if local and group_value and local != group_value:
        raise click.UsageError(f"--context given twice with different values "
                               f"({group_value!r} and {local!r})")
    return local or group_value


def _audit_args(params: dict[str, Any]) -> dict[str, Any]:
    from si_paas.secretwords import is_secret_key

    def scrub(value: Any) -> Any:
        # `k=v` pairs (labels) with a secret-like key keep the key only.
        if isinstance(value, str) and "=" in value and is_secret_key(value.partition("=")[0]):
            return value.partition("=")[0] + "=<redacted>"
        return value

    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in _NOT_AUDITED or is_secret_key(key) or value in (None, (), False):
            continue
        out[key] = [scrub(v) for v in value] if isinstance(value, tuple) else scrub(value)
    return out


def run(command: str, action: Callable[[Invocation], Result],
        render: Callable[[dict[str, Any]], None] | None = None,
        as_json: bool | None = None, creates: str | None = None) -> NoReturn:
    """Run a service action: audit it, print JSON or tables, exit with the right code.

    An explicit --context must name an existing context for every command, whether or not
    the command uses one; `creates` is the context `context init` makes, which --context
    may name instead. as_json: whether stdout is the JSON document (default: --json).
    """
    from si_paas.report.console import err
    from si_paas.services.events import audit

    click_ctx = click.get_current_context()
    params = dict(click_ctx.params)
    as_json = bool(params.get("as_json")) if as_json is None else as_json
    inv = Invocation(command=command, context_opt=_context_from(click_ctx, params.get("context")))
    inv.audit_args.update(_audit_args(params))
    try:
        if inv.context_opt is not None:
            _check_named_context(inv, creates)
        try:
            result = action(inv)
        except OSError as os_exc:  # a path the user gave that the system cannot use
            bad = as_input_error(os_exc)
            if bad is None:
                raise
            raise bad from None
        status = "ok" if result.ok else "error"
        _safe_audit(audit, inv, status, int(result.exit_code), None)
        inv.close()  # the state-root lock is not held while printing
        warnings = [*inv.warnings, *result.warnings]
        if as_json:
            emit_json(result_doc(command, result, warnings))
        else:
            for w in warnings:
                err().print(f"warning: {printable(w)}", markup=False, soft_wrap=True, style="yellow")
            if render is not None:
                render({"ok": result.ok, "context": result.context, **result.payload})
    except SiPaasError as exc:
        status = "refused" if isinstance(exc, PolicyRefusal) else "error"
        _safe_audit(audit, inv, status, int(exc.exit_code), exc.message)
        inv.close()
        if as_json:
            doc = error_doc(command, inv.context_opt, exc)
            if inv.warnings:  # e.g. an alert the refusal raised that was not delivered
                doc["warnings"] = list(inv.warnings)
            emit_json(doc)
        else:
            for w in inv.warnings:
                err().print(f"warning: {printable(w)}", markup=False, soft_wrap=True, style="yellow")
        err().print(f"si paas {command}: error: {printable(exc.message)}", markup=False,
                    highlight=False,
                    soft_wrap=True)
        sys.exit(int(exc.exit_code))
    sys.exit(int(result.exit_code))


def _check_named_context(inv: Invocation, creates: str | None) -> None:
    """--context NAME names a valid, existing context (or the one being created)."""
    from si_paas.state.contexts import list_context_names
    from si_paas.state.layout import validate_name

    name = inv.context_opt or ""
    validate_name(name, "--context")
    if creates is not None:
        if name != creates:
            raise UsageError(f"--context {name!r} and --name {creates!r} name different contexts")
        return
    if not inv.layout.config_file(name).is_file():
        from si_paas.state.restoreswap import recover as recover_restore

        recover_restore(inv.layout, name)  # an in-place restore killed between its renames
    if not inv.layout.config_file(name).is_file():
        known = ", ".join(list_context_names(inv.layout)) or "none"
        raise UsageError(f"unknown context {name!r} (known: {known})")


def _safe_audit(audit: Callable[..., None], inv: Invocation, status: str, code: int,
                message: str | None) -> None:
    """Audit failures never mask the command's own outcome, but they are reported."""
    from si_paas.report.console import err

    try:
        audit(inv, status, code, message)
    except (SiPaasError, OSError) as exc:
        err().print(f"warning: audit event not written: {exc}", markup=False, style="yellow",
                    soft_wrap=True)

