"""`--format table` (the default): rich tables for a person at a terminal."""

from __future__ import annotations

from typing import TextIO

from si_paas.report.verdict import VerdictDoc


class TableRenderer:
    """What was judged (if the command says), then the table of its view and the summary."""

    name = "table"

    def render(self, verdict: VerdictDoc, out: TextIO) -> None:
        """Write the tables; colour only when `out` is stdout on a terminal."""
        from si_paas.report import checklist, human
        from si_paas.report.console import for_stream
        from si_paas.report.safe import printable

        console = for_stream(out)
        if verdict.header:
            width = max(len(k) for k, _ in verdict.header)
            for key, value in verdict.header:
                console.print(
                    f"{key:<{width}}  {printable(value)}", markup=False, highlight=False, soft_wrap=True
                )
            console.print()
        if verdict.view == "checklist":
            checklist.checklist(verdict, console)
        elif verdict.view == "escalation":
            checklist.escalation(verdict, console)
        else:
            human.verdict(verdict, console)


RENDERER = TableRenderer()
