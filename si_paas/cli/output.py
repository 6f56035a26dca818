"""The JSON documents `--json` prints, built and written without loading the CLI framework,
and the `--format` option the verdict commands share.

`cli.common.run` and the quick staged path (`cli.staged`) both print through here, so the
two give the same document for the same outcome. click is imported only by the functions
that need it, when a full-CLI command module applies them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from si_paas.errors import PolicyRefusal, SiPaasError

if TYPE_CHECKING:
    from si_paas.report.verdict import View
    from si_paas.services.invocation import Result

F = TypeVar("F", bound=Callable[..., Any])


def emit_json(doc: dict[str, Any]) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=False, default=str) + "\n")


def result_doc(command: str, result: Result, warnings: list[str]) -> dict[str, Any]:
    """The document of a command that ran: `ok`, `command`, `context`, its payload."""
    return {
        "ok": result.ok,
        "command": command,
        "context": result.context,
        **result.payload,
        **({"warnings": warnings} if warnings else {}),
    }


def error_doc(command: str, context: str | None, exc: SiPaasError) -> dict[str, Any]:
    """The document of a command that failed: the message, exit code and refusing checks."""
    doc: dict[str, Any] = {
        "ok": False,
        "command": command,
        "context": context,
        "error": {"message": exc.message, "exit_code": int(exc.exit_code)},
    }
    if isinstance(exc, PolicyRefusal):
        doc["error"]["failed_checks"] = exc.failed
    return doc


def format_option(fn: F) -> F:
    """Add `--format` with every registered output format (`report.renderers`) to a command."""
    import click

    from si_paas.report.renderers import DEFAULT, names

    return click.option(
        "--format",
        "fmt",
        type=click.Choice(names()),
        default=DEFAULT,
        show_default=True,
        help="Report format (--json is --format json).",
    )(fn)


def chosen_format(fmt: str, as_json: bool) -> str:
    """The format a verdict command prints: `--json` is `--format json`.

    `--json` with an explicit other `--format` would put two documents on stdout: refused.
    """
    import click
    from click.core import ParameterSource

    given = click.get_current_context().get_parameter_source("fmt") not in (ParameterSource.DEFAULT, None)
    if as_json and given and fmt != "json":
        raise click.UsageError(f"--json and --format {fmt} both write to stdout: drop one of them")
    return "json" if as_json else fmt


def verdict_document(command: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The document a render function gets (`ok`, `context`, payload) with `command` added."""
    return {
        "ok": payload["ok"],
        "command": command,
        "context": payload.get("context"),
        **{k: v for k, v in payload.items() if k not in ("ok", "context")},
    }


def print_verdict(
    fmt: str,
    command: str,
    payload: dict[str, Any],
    *,
    title: str,
    view: View = "verdict",
    suite: str = "si-paas",
    header: Sequence[tuple[str, str]] = (),
) -> None:
    """Render a verdict command's payload to stdout in format `fmt`."""
    from si_paas.report.renderers import render
    from si_paas.report.verdict import from_document

    verdict = from_document(
        verdict_document(command, payload), title=title, view=view, suite=suite, header=header
    )
    render(fmt, verdict, sys.stdout)
