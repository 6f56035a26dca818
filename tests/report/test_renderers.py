"""The renderer registry: every format module is found, and every verdict command offers it."""

from __future__ import annotations

import importlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from si_paas.report import formats, renderers
from si_paas.report.verdict import from_document

_COMMANDS = (
    "si_paas.cli.doctor:doctor",
    "si_paas.cli.scan:scan",
    "si_paas.cli.checklist:checklist",
    "si_paas.cli.escalation:check",
)


def _format_choices(spec: str) -> list[str]:
    module, _, name = spec.partition(":")
    command = getattr(importlib.import_module(module), name)
    option = next(p for p in command.params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    return list(option.type.choices)


def test_the_four_formats_are_registered_table_first() -> None:
    assert renderers.names() == ["table", "json", "junit", "sarif"]
    for name in renderers.names():
        assert renderers.get(name).name == name


@pytest.mark.parametrize("spec", _COMMANDS)
def test_every_verdict_command_offers_every_registered_renderer(spec: str) -> None:
    assert _format_choices(spec) == renderers.names()


@pytest.fixture
def extra_format(tmp_path: Path) -> Iterator[str]:
    """One more module in the formats package, as a new output format would add it."""
    (tmp_path / "lines.py").write_text(
        "class LinesRenderer:\n"
        "    name = 'lines'\n\n"
        "    def render(self, verdict, out):\n"
        "        for item in verdict.items:\n"
        "            out.write(f'{item.rule_id} {item.status}\\n')\n\n\n"
        "RENDERER = LinesRenderer()\n"
    )
    formats.__path__.append(str(tmp_path))
    renderers.registry.cache_clear()
    try:
        yield "lines"
    finally:
        formats.__path__.remove(str(tmp_path))
        sys.modules.pop("si_paas.report.formats.lines", None)
        renderers.registry.cache_clear()
        for spec in _COMMANDS:
            importlib.reload(importlib.import_module(spec.partition(":")[0]))


def test_a_new_format_is_one_module(extra_format: str) -> None:
    assert extra_format in renderers.names()
    for spec in _COMMANDS:
        importlib.reload(importlib.import_module(spec.partition(":")[0]))
        assert extra_format in _format_choices(spec), spec
    summary = {"passed": 1, "failed": 0, "warnings": 0, "disabled": 0}
    doc = {
        "ok": True,
        "command": "doctor",
        "summary": summary,
        "checks": [
            {
                "id": "p",
                "title": "t",
                "severity": "low",
                "ok": True,
                "blocking": False,
                "status": "pass",
                "findings": [],
                "remediation": "",
            }
        ],
    }
    buffer = io.StringIO()
    renderers.render(extra_format, from_document(doc, title="doctor"), buffer)
    assert buffer.getvalue() == "p pass\n"
