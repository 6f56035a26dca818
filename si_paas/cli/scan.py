"""`si paas scan`."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from si_paas.cli.common import command_options, declared, run
from si_paas.cli.output import format_option
from si_paas.errors import InputError
from si_paas.services.invocation import Result
from si_paas.services.scan_command import scan as scan_command


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from si_paas.state.fsio import atomic_write_bytes

    try:
        atomic_write_bytes(Path(output), text.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"--output {output}: cannot write: {exc.strerror}") from None


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@format_option
@click.option("--output", metavar="FILE", help="Write the report to FILE (a summary still prints).")
@click.option("--baseline", metavar="FILE", help="Ignore findings whose fingerprint is in FILE.")
@click.option("--update-baseline", is_flag=True, help="Write every current finding to --baseline.")
@click.option(
    "--policies", "policy_dirs", multiple=True, metavar="DIR", help="Extra policy folder (repeatable)."
)
@click.option(
    "--max-file-size",
    type=click.IntRange(1),
    metavar="BYTES",
    help="Skip files larger than this (default 1 MiB); skips are counted.",
)
@click.option(
    "--staged", is_flag=True, help="Judge the staged blobs (the pre-commit policies), not the working files."
)
@click.option("--history", is_flag=True, help="Judge every blob introduced by commits of HEAD.")
@click.option("--since", metavar="REV", help="With --history: only commits after REV.")
@click.option("--all", "all_refs", is_flag=True, help="With --history: commits of every ref.")
@click.option(
    "--min-confidence",
    type=click.Choice(["high", "medium", "low"]),
    default="low",
    show_default=True,
    help="Report secrets at this confidence or above: high = a known token format, "
    "medium = a secret-like key with a plaintext value, low = weaker evidence.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Add to each secret finding the filters it passed, and list (under "
    "`suppressed`) the candidates a false-positive filter dropped, and why.",
)
@command_options
@declared(scan_command)
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    baseline: str | None,
    update_baseline: bool,
    policy_dirs: tuple[str, ...],
    max_file_size: int | None,
    staged: bool,
    history: bool,
    since: str | None,
    all_refs: bool,
    min_confidence: str,
    explain: bool,
    as_json: bool,
    **_: Any,
) -> None:
    """Scan repositories or folders for secrets and private state (the `ci` policies).

    \b
    si paas scan                      # the current repository
    si paas scan --format sarif --output si-paas.sarif
    si paas scan --baseline .si-paas-baseline.json --update-baseline
    si paas scan --staged             # what the pre-commit hook runs
    si paas scan --history --all      # every commit of every ref
    si paas scan --min-confidence medium --json --explain

    Exit 0 clean, 1 blocking findings, 2 usage or input error.
    """
    fmt_given = click.get_current_context().get_parameter_source("fmt") not in (ParameterSource.DEFAULT, None)
    if as_json and fmt_given and fmt != "json" and not output:
        raise click.UsageError(
            f"--json and --format {fmt} both write to stdout: pass "
            f"--output FILE for the {fmt} report, or drop one of them"
        )
    if as_json and not fmt_given:
        fmt = "json"
    if fmt == "json" and not output:
        as_json = True  # the JSON report on stdout is the command's one JSON document
    if (since or all_refs) and not history:
        raise click.UsageError("--since and --all need --history")
    if since and all_refs:
        raise click.UsageError("--since and --all cannot be combined")
    if staged and history:
        raise click.UsageError("--staged and --history cannot be combined")
    rev_range = None
    if history:
        rev_range = ("--all",) if all_refs else ((f"{since}..HEAD",) if since else ("HEAD",))

    def report(result: Result) -> None:
        if output:  # the report file is written whatever stdout shows
            _write(_report(fmt, _doc(dict(result.payload), result.ok)), output)

    def render(p: dict[str, Any]) -> None:
        """Human mode: the table (also as the summary of --output), or a report on stdout."""
        doc = _doc(p, p["ok"])
        if fmt == "table" or output:
            from si_paas.report.renderers import render
            from si_paas.report.verdict import from_document

            render("table", from_document(doc, title="scan"), sys.stdout)
        else:
            _write(_report(fmt, doc), None)

    with _progress(enabled=history) as progress:
        run(
            paths,
            policy_dirs=policy_dirs,
            baseline=baseline,
            update_baseline=update_baseline,
            max_file_size=max_file_size,
            staged=staged,
            history=rev_range,
            progress=progress,
            min_confidence=min_confidence,
            explain=explain,
            report=report,
            render=render,
            as_json=as_json,
        )


def _doc(payload: dict[str, Any], ok: bool) -> dict[str, Any]:
    return {
        "ok": ok,
        "command": "scan",
        "context": None,
        **{k: v for k, v in payload.items() if k not in ("ok", "context")},
    }


def _report(fmt: str, doc: dict[str, Any]) -> str:
    """The report text in `fmt`; a table written to a file is the plain-text verdict."""
    if fmt == "table":
        from si_paas.report.text import plain_verdict

        return plain_verdict(doc, title="scan")
    from si_paas.report.renderers import render
    from si_paas.report.verdict import from_document

    buffer = io.StringIO()
    render(fmt, from_document(doc, title="scan"), buffer)
    return buffer.getvalue()


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal; silence otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    from si_paas.report.console import err

    with Progress(console=err(), transient=True) as bar:
        task = bar.add_task("history", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
