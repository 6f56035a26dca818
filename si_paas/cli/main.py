"""The `si` entry point: parse, dispatch, and turn every error into one line and an exit code."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, NoReturn

from si_paas.errors import ExitCode

if TYPE_CHECKING:
    import click


def main(argv: list[str] | None = None) -> None:
    """Run `si`; errors become one line on stderr and an exit code, never a traceback.

    With `--json` anywhere on the command line, every error, a usage error included, is
    also one JSON document on stdout. `si paas scan --staged`, which the pre-commit hook
    runs on every commit, and `si paas scan --history`, which CI runs on every push, are
    served without loading click (see `si_paas.cli.staged`).
    """
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        from si_paas.cli import staged

        fast = staged.parse(args)
        if fast is not None:
            code = staged.run(fast)
            if argv is None and sys.getprofile() is None and sys.gettrace() is None:
                _quick_exit(code)  # the console script's own process, watched by no profiler
            sys.exit(code)
        _run_click(args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: still one line, never a traceback, unless asked for
        from si_paas.errors import as_input_error

        bad = as_input_error(exc) if isinstance(exc, OSError) else None
        if bad is not None:  # bad input met outside a command's own run (option checks)
            command = _command_of(None, args)
            _fail(args, None, command, f"si paas {command}: error: {bad.message}", bad.exit_code)
        if os.environ.get("SI_PAAS_DEBUG"):
            raise
        _fail(
            args,
            None,
            None,
            f"si: internal error: {type(exc).__name__}: {exc} (set SI_PAAS_DEBUG=1 for a traceback)",
            ExitCode.INTERNAL,
        )


def _quick_exit(code: int) -> NoReturn:
    """Exit as the interpreter does, less its teardown: threads joined, atexit handlers run,
    the standard streams flushed, then `os._exit`.

    Freeing every object of a large listing one by one takes longer than the rest of a
    rescan of an unchanged history does; nothing a scan writes waits for it (every file it
    writes is closed, every git it starts waited for, before `staged.run` returns). Under a
    profiler or a tracer (cProfile, a debugger, coverage) the process exits as usual, so
    they can write what they found.
    """
    import gc

    gc.disable()  # a last collection would only find what os._exit gives back anyway
    import atexit
    import threading

    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # as the interpreter: a stream that cannot be flushed
            code = code or 120
    os._exit(code & 0xFF)


def wants_json(args: list[str]) -> bool:
    """True when `--json` is on the command line (before a `--` that ends the options)."""
    head = args[: args.index("--")] if "--" in args else args
    return "--json" in head


def _fail(
    args: list[str],
    ctx: click.Context | None,
    command: str | None,
    line: str,
    code: ExitCode,
    message: str | None = None,
) -> NoReturn:
    """One line on stderr; with --json also the error document on stdout; exit."""
    if wants_json(args):
        from si_paas.cli.output import emit_json, error_doc
        from si_paas.errors import SiPaasError

        error = SiPaasError(message or line.split(": error: ", 1)[-1])
        error.exit_code = code
        emit_json(error_doc(command or _command_of(ctx, args), _context_of(ctx, args), error))
    sys.stderr.write(line.rstrip("\n") + "\n")
    sys.exit(int(code))


def _command_of(ctx: click.Context | None, args: list[str]) -> str:
    """`target add` for `si paas target add`; the group's name when no subcommand was read."""
    if ctx is None:  # the failure came after click let go of its context: read the words
        words: list[str] = []
        given = iter(args[1:] if args[:1] == ["paas"] else args)
        for arg in given:
            if arg == "--context":
                next(given, None)
            elif arg.startswith("-"):
                if not arg.startswith("--context="):
                    break
            else:
                words.append(arg)
        return " ".join(words[:2]) or "paas"
    path = ctx.command_path.split()
    rest = path[2:] if path[:2] == ["si", "paas"] else path[1:]
    return " ".join(rest) or path[-1]


def _context_of(ctx: click.Context | None, args: list[str]) -> str | None:
    """The --context given so far (on the command or any group above it)."""
    while ctx is not None:
        value = ctx.params.get("context")
        if value is None and isinstance(ctx.obj, dict):
            value = ctx.obj.get("context")
        if isinstance(value, str):
            return value
        ctx = ctx.parent
    for i, arg in enumerate(args):
        if arg == "--context" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--context="):
            return arg.partition("=")[2]
    return None


def _run_click(args: list[str]) -> None:
    import click

    from si_paas.cli.root import cli
    from si_paas.errors import SiPaasError

    try:
        cli.main(args=args, prog_name="si", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        if wants_json(args):
            _fail(
                args,
                exc.ctx,
                None,
                f"{exc.ctx.command_path if exc.ctx else 'si'}: error: a subcommand is needed",
                ExitCode.USAGE,
            )
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(ExitCode.USAGE)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "si"
        _fail(
            args,
            exc.ctx,
            None,
            f"{where}: error: {exc.format_message()} (see `{where} --help`)",
            ExitCode.USAGE,
            exc.format_message(),
        )
    except click.exceptions.Abort:
        _fail(args, None, None, "si: error: aborted", ExitCode.USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _fail(args, getattr(exc, "ctx", None), None, f"si: error: {exc.format_message()}", ExitCode.USAGE)
    except SiPaasError as exc:  # raised outside `common.run` (a renderer, an option check)
        command = _command_of(None, args)
        _fail(args, None, command, f"si paas {command}: error: {exc.message}", exc.exit_code)
