"""The `si` entry point: parse, dispatch, and turn every error into one line and an exit code."""

from __future__ import annotations

import os
import sys

from si_paas.errors import ExitCode


def main(argv: list[str] | None = None) -> None:
    """Run `si`; errors become one line on stderr and an exit code, never a traceback.

    `si paas scan --staged`, which the pre-commit hook runs on every commit, is served
    without loading click (see `si_paas.cli.staged`).
    """
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        from si_paas.cli import staged

        fast = staged.parse(args)
        if fast is not None:
            sys.exit(staged.run(fast))
        _run_click(args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: still one line, never a traceback, unless asked for
        if os.environ.get("SI_PAAS_DEBUG"):
            raise
        sys.stderr.write(f"si: internal error: {type(exc).__name__}: {exc} "
                         "(set SI_PAAS_DEBUG=1 for a traceback)\n")
        sys.exit(ExitCode.INTERNAL)


def _run_click(args: list[str]) -> None:
    import click

    from si_paas.cli.root import cli

    try:
        cli.main(args=args, prog_name="si", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(ExitCode.USAGE)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "si"
        click.echo(f"{where}: error: {exc.format_message()} (see `{where} --help`)", err=True)
        sys.exit(ExitCode.USAGE)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(ExitCode.USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"si: error: {exc.format_message()}", err=True)
        sys.exit(ExitCode.USAGE)
