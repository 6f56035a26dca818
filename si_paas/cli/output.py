"""The JSON documents `--json` prints, built and written without loading the CLI framework.

`cli.common.run` and the quick staged path (`cli.staged`) both print through here, so the
two give the same document for the same outcome.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from si_paas.errors import PolicyRefusal, SiPaasError

if TYPE_CHECKING:
    from si_paas.services.invocation import Result


def emit_json(doc: dict[str, Any]) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=False, default=str) + "\n")


def result_doc(command: str, result: Result, warnings: list[str]) -> dict[str, Any]:
    """The document of a command that ran: `ok`, `command`, `context`, its payload."""
    return {"ok": result.ok, "command": command, "context": result.context,
            **result.payload, **({"warnings": warnings} if warnings else {})}


def error_doc(command: str, context: str | None, exc: SiPaasError) -> dict[str, Any]:
    """The document of a command that failed: the message, exit code and refusing checks."""
    doc: dict[str, Any] = {"ok": False, "command": command, "context": context,
                           "error": {"message": exc.message, "exit_code": int(exc.exit_code)}}
    if isinstance(exc, PolicyRefusal):
        doc["error"]["failed_checks"] = exc.failed
    return doc
