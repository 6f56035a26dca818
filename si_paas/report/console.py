"""Rich consoles: colour only on a TTY, NO_COLOR honoured, errors and progress on stderr."""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import TextIO

from rich.console import Console


@cache
def out() -> Console:
    """The stdout console."""
    return Console(
        no_color="NO_COLOR" in os.environ,
        highlight=False,
        soft_wrap=False,
        width=None if sys.stdout.isatty() else 120,
    )


@cache
def err() -> Console:
    """The stderr console."""
    return Console(stderr=True, no_color="NO_COLOR" in os.environ, highlight=False)


def for_stream(stream: TextIO) -> Console:
    """The stdout console for stdout; for another stream, a colourless 120-column one."""
    if stream is sys.stdout:
        return out()
    return Console(file=stream, no_color=True, highlight=False, soft_wrap=False, width=120)
