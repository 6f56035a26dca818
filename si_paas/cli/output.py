"""The one JSON document `--json` prints, written without loading the CLI framework."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit_json(doc: dict[str, Any]) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=False, default=str) + "\n")
