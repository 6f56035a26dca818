"""`--format json` in-process: the command's document, unchanged, with no secret value."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

from si_paas.report.formats.jsondoc import RENDERER

from verdicthelp import SECRET, dirty_repo, scan_verdict


def test_document_round_trips_without_the_value(make_repo: Callable[..., Path]) -> None:
    verdict = scan_verdict(dirty_repo(make_repo))
    buffer = io.StringIO()
    RENDERER.render(verdict, buffer)
    assert SECRET[:8] not in buffer.getvalue()
    doc = json.loads(buffer.getvalue())
    assert doc == json.loads(json.dumps(verdict.document, default=str))
    assert (doc["ok"], doc["command"]) == (False, "scan")
    assert doc["checks"][0]["findings"][0]["extra"]["relpath"] == ".env"
