"""A context's alert policy (`alerts/policy.json`) and silences (`alerts/silences.json`).

Both are validated against their schemas on every read: a hand-edited file that breaks its
schema is a one-line InputError naming the file and the field. Neither ever holds a URL or a
signing key: channels name vault keys (`url_ref`, `sign_ref`) and carry keyed fingerprints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from si_paas import schemacheck
from si_paas.errors import InputError
from si_paas.state import fsio
from si_paas.state.clock import utc_now
from si_paas.state.contexts import Context
from si_paas.state.layout import StateLayout

DEFAULT_REPEAT_INTERVAL = "4h"
DEFAULT_ACK_WINDOW = "24h"


def policy_file(layout: StateLayout, ctx_name: str) -> Path:
    """`contexts/<ctx>/alerts/policy.json`."""
    return layout.context_dir(ctx_name) / "alerts" / "policy.json"


def silences_file(layout: StateLayout, ctx_name: str) -> Path:
    """`contexts/<ctx>/alerts/silences.json`."""
    return layout.context_dir(ctx_name) / "alerts" / "silences.json"


def empty_policy(ctx: Context) -> dict[str, Any]:
    """The policy of a context that has none yet: no channel, no route."""
    return {
        "schema_version": 1,
        "context": ctx.name,
        "context_id": ctx.context_id,
        "repeat_interval": DEFAULT_REPEAT_INTERVAL,
        "ack_window": DEFAULT_ACK_WINDOW,
        "default_channels": None,
        "channels": [],
        "routes": [],
    }


def check_policy(doc: Any, path: Path | str) -> dict[str, Any]:
    """Validate a policy document beyond its schema: unique channel names, routes to known ones."""
    schemacheck.check(doc, "alert-policy", path)
    names = [c["name"] for c in doc["channels"]]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"{path}: field channels: channel {dupes[0]!r} appears twice")
    known = set(names)
    for i, route in enumerate(doc["routes"]):
        for name in route["channels"]:
            if name not in known:
                raise InputError(f"{path}: field routes[{i}].channels: unknown channel {name!r}")
    for name in doc.get("default_channels") or []:
        if name not in known:
            raise InputError(f"{path}: field default_channels: unknown channel {name!r}")
    checked: dict[str, Any] = doc
    return checked


def read_policy(layout: StateLayout, ctx: Context) -> dict[str, Any] | None:
    """The context's alert policy, or None when it has none."""
    path = policy_file(layout, ctx.name)
    try:
        doc = fsio.read_json(path)
    except FileNotFoundError:
        return None
    return check_policy(doc, path)


def write_policy(layout: StateLayout, ctx: Context, doc: dict[str, Any]) -> None:
    """Validate and write the policy atomically (the caller holds the context lock)."""
    path = policy_file(layout, ctx.name)
    doc = {**doc, "context": ctx.name, "context_id": ctx.context_id, "updated_at": utc_now()}
    check_policy(doc, path)
    fsio.atomic_write_json(path, doc)


def read_silences(layout: StateLayout, ctx: Context) -> list[dict[str, Any]]:
    """Every silence of the context (expired ones included)."""
    path = silences_file(layout, ctx.name)
    try:
        doc = fsio.read_json(path)
    except FileNotFoundError:
        return []
    schemacheck.check(doc, "alert-silences", path)
    items: list[dict[str, Any]] = doc["items"]
    return items


def write_silences(layout: StateLayout, ctx: Context, items: list[dict[str, Any]]) -> None:
    """Validate and write the silences atomically (the caller holds the context lock)."""
    path = silences_file(layout, ctx.name)
    doc = {"schema_version": 1, "context": ctx.name, "context_id": ctx.context_id, "items": items}
    schemacheck.check(doc, "alert-silences", path)
    fsio.atomic_write_json(path, doc)
