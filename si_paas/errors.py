"""Exit codes and the errors every layer raises; the CLI turns them into one line."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in README.md."""

    OK = 0
    POLICY_FAILED = 1  # a blocking policy failed, or the gate refused the command
    USAGE = 2  # bad flag, bad input file, unknown context
    INTERNAL = 3  # a bug in si-paas itself; SI_PAAS_DEBUG=1 shows the traceback


class SiPaasError(Exception):
    """Base error: a one-line message and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(SiPaasError):
    """A flag, argument or name the user gave is wrong."""


class InputError(SiPaasError):
    """A file we read (state, policy, rule pack, bundle) is missing, corrupt or invalid."""


class PolicyRefusal(SiPaasError):
    """The policy gate refused the command; carries the failing check ids."""

    exit_code = ExitCode.POLICY_FAILED

    def __init__(self, message: str, failed: list[str] | None = None) -> None:
        super().__init__(message)
        self.failed = failed or []


def as_input_error(exc: OSError) -> InputError | None:
    """The one-line InputError for an OSError that bad input causes wherever a path is used
    (ENAMETOOLONG: a path or name over the system's limit), or None for any other OSError."""
    import errno
    import os

    if exc.errno != errno.ENAMETOOLONG:
        return None
    name = os.fsdecode(exc.filename) if exc.filename is not None else ""
    shown = f"{name[:60]}…({len(name)} characters)" if len(name) > 80 else name
    return InputError(f"{shown or 'a path'}: path or file name too long ({exc.strerror})")
