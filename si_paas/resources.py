"""Locate the shipped policies/, rules/ and schemas/ (in the wheel or in a checkout)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder `name` (policies, rules, schemas) from the wheel or the source tree."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


@cache
def schema(name: str) -> dict[str, Any]:
    """Load `schemas/<name>.schema.json`."""
    path = data_dir("schemas") / f"{name}.schema.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
