"""`--format json`: the command's JSON document, as `--json` prints it."""

from __future__ import annotations

import json
from typing import TextIO

from si_paas.report.verdict import VerdictDoc


class JsonRenderer:
    """The verdict's document (`ok`, `command`, `context`, `checks`, ...) as indented JSON."""

    name = "json"

    def render(self, verdict: VerdictDoc, out: TextIO) -> None:
        """Write the document; values JSON cannot hold (paths, times) as their text."""
        out.write(json.dumps(verdict.document, indent=2, default=str) + "\n")


RENDERER = JsonRenderer()
