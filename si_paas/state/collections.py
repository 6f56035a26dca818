"""Named records of a context (targets.json, apps.json): read, validate, change atomically."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from si_paas import schemacheck
from si_paas.errors import UsageError
from si_paas.state import fsio
from si_paas.state.contexts import Context
from si_paas.state.layout import StateLayout

COLLECTIONS = {"targets": "target", "apps": "app"}

Items = list[dict[str, Any]]


def _empty(ctx: Context) -> dict[str, Any]:
    return {"schema_version": 1, "context": ctx.name, "context_id": ctx.context_id, "items": []}


def read_items(layout: StateLayout, ctx: Context, collection: str) -> Items:
    """All records of `collection` in `ctx`, validated against its schema."""
    path = layout.collection_file(ctx.name, collection)
    try:
        doc = fsio.read_json(path)
    except FileNotFoundError:
        return []
    schemacheck.check(doc, collection, path)
    items: Items = doc["items"]
    return items


def find_item(items: Items, name: str) -> dict[str, Any] | None:
    """The record called `name`, or None."""
    return next((item for item in items if item["name"] == name), None)


def get_item(layout: StateLayout, ctx: Context, collection: str, name: str) -> dict[str, Any]:
    """The record called `name`, or a UsageError naming the context."""
    item = find_item(read_items(layout, ctx, collection), name)
    if item is None:
        raise UsageError(f"no {COLLECTIONS[collection]} {name!r} in context {ctx.name!r}")
    return item


def update_items(
    layout: StateLayout, ctx: Context, collection: str, change: Callable[[Items], Items]
) -> Items:
    """Apply `change` to the records under the context lock and write the result atomically."""
    path = layout.collection_file(ctx.name, collection)
    with fsio.locked(layout.lock_file(ctx.name)):
        items = read_items(layout, ctx, collection)
        new_items = change([dict(i) for i in items])
        doc = _empty(ctx)
        doc["items"] = sorted(new_items, key=lambda i: str(i["name"]))
        schemacheck.check(doc, collection, path)
        fsio.atomic_write_json(path, doc)
        result: Items = doc["items"]
        return result
