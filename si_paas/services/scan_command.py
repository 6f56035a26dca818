"""The declared `scan` command: the verdict of `services/scan.run` through the pipeline.

It lives apart from `services/scan.py` so that the pre-commit quick path (`cli/staged.py`),
which calls `scan.run` directly, loads neither the pipeline nor the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from si_paas.services import scan as svc
from si_paas.services.invocation import Result
from si_paas.services.pipeline import Call, command


@command("scan", context="none", gate="none")
def scan(
    call: Call, paths: tuple[str, ...], *, report: Callable[[Result], None] | None = None, **options: Any
) -> Result:
    """Judge `paths` with the `ci` policies (`pre-commit` for staged blobs); see
    `services/scan.run` for the options. `report(result)`, when given, writes the report
    file before the run is audited, so a report that cannot be written is the run's error."""
    result = svc.run(call.inv, paths, **options)
    if report is not None:
        report(result)
    return result
