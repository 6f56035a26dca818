"""`si paas target ...` and `si paas app ...`: named records of a context."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from si_paas.errors import UsageError
from si_paas.secretwords import is_placeholder, is_secret_key
from si_paas.services.invocation import Result
from si_paas.services.pipeline import Call, command
from si_paas.state.clock import utc_now
from si_paas.state.collections import (
    COLLECTIONS,
    Items,
    find_item,
    get_item,
    read_items,
    update_items,
)
from si_paas.state.hosts import HostSpec, parse_host
from si_paas.state.layout import has_control, validate_label_key, validate_name


def parse_labels(pairs: tuple[str, ...], flag: str = "--label") -> dict[str, str]:
    """`k=v` pairs to a dict; a malformed one names the flag."""
    labels = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} {pair.partition('=')[0]!r}: expected KEY=VALUE")
        key = validate_label_key(key.strip(" "), flag)
        if is_secret_key(key) and not is_placeholder(value):
            raise UsageError(
                f"{flag} {key}=…: labels are not for secrets; store it with "
                f"`si paas --context CTX secret set {key.upper()}`"
            )
        if has_control(value):
            raise UsageError(f"{flag} {key}=…: the value holds a control character (newline?)")
        labels[key] = value.strip()
    return labels


def check_user(user: str | None) -> str | None:
    """A login user is one word: no whitespace, no control character, no `@` or `/`."""
    if user is not None and (not user or has_control(user) or any(ch.isspace() or ch in "@/" for ch in user)):
        raise UsageError(f"--user {user[:64]!r}: expected a login name")
    return user


def _host_flags(host: str, port: int | None, user: str | None) -> HostSpec:
    """`--host [USER@]HOST[:PORT]` with `--port`/`--user`: one normal form, conflicts refused."""
    spec = parse_host(host)
    if port is not None and spec.port is not None and port != spec.port:
        raise UsageError(f"--host {host!r} names port {spec.port} but --port is {port}")
    if user is not None and spec.user is not None and user != spec.user:
        raise UsageError(f"--host {host!r} names user {spec.user!r} but --user is {user!r}")
    return HostSpec(
        spec.host, spec.port if port is None else port, check_user(spec.user if user is None else user)
    )


def _list(call: Call, collection: str) -> Result:
    """All records, sorted by name."""
    items = read_items(call.inv.layout, call.ctx, collection)
    return Result({"items": items, "count": len(items)}, context=call.ctx.name)


def _show(call: Call, collection: str, name: str) -> Result:
    """One record."""
    item = get_item(call.inv.layout, call.ctx, collection, name)
    return Result({COLLECTIONS[collection]: item}, context=call.ctx.name)


@command("target list", context="required", gate="read")
def list_targets(call: Call) -> Result:
    """All targets, sorted by name."""
    return _list(call, "targets")


@command("app list", context="required", gate="read")
def list_apps(call: Call) -> Result:
    """All apps, sorted by name."""
    return _list(call, "apps")


@command("target show", context="required", gate="read")
def show_target(call: Call, name: str) -> Result:
    """One target."""
    return _show(call, "targets", name)


@command("app show", context="required", gate="read")
def show_app(call: Call, name: str) -> Result:
    """One app."""
    return _show(call, "apps", name)


def _change(call: Call, collection: str, change: Callable[[Items], Items]) -> Items:
    """Judge the proposed records with the gate, then write them, all under the state lock."""
    inv, ctx = call.inv, call.ctx
    inv.lock_state()
    proposed = change([dict(i) for i in read_items(inv.layout, ctx, collection)])
    call.gate(overlay_items={(ctx.name, collection): proposed})
    return update_items(inv.layout, ctx, collection, change)


def _named(what: str) -> Callable[..., None]:
    """The argument check of an `add`: NAME is a valid record name."""

    def check(call: Call, name: str, *_: Any) -> None:
        validate_name(name, what)

    return check


@command("target add", context="explicit", gate="change", proposal=True, check=_named("target"))
def add_target(
    call: Call,
    name: str,
    host: str,
    port: int | None,
    user: str | None,
    transport: str,
    path: str | None,
    disposable: bool,
    labels: tuple[str, ...],
) -> Result:
    """Add a target; a name used twice is refused."""
    ctx = call.ctx
    spec = _host_flags(host, port, user)
    now = utc_now()
    record = {
        "name": name,
        "host": spec.host,
        "port": spec.port,
        "user": spec.user,
        "transport": transport,
        "path": path,
        "disposable": disposable,
        "labels": parse_labels(labels),
        "context": ctx.name,
        "context_id": ctx.context_id,
        "created_at": now,
        "updated_at": now,
    }

    def change(items: Items) -> Items:
        if find_item(items, name):
            raise UsageError(f"target {name!r} already exists in context {ctx.name!r} (use `target update`)")
        return [*items, record]

    _change(call, "targets", change)
    return Result({"target": record}, context=ctx.name)


@command("target update", context="explicit", gate="change", proposal=True)
def update_target(
    call: Call, name: str, changes: dict[str, Any], labels: tuple[str, ...], unlabels: tuple[str, ...]
) -> Result:
    """Change fields of a target; only the flags given are touched."""
    ctx = call.ctx
    get_item(call.inv.layout, ctx, "targets", name)
    new_labels = parse_labels(labels)
    if "host" in changes:
        spec = _host_flags(changes["host"], changes.get("port"), changes.get("user"))
        changes = {
            **changes,
            "host": spec.host,
            **({"port": spec.port} if spec.port is not None else {}),
            **({"user": spec.user} if spec.user is not None else {}),
        }
    elif "user" in changes:
        check_user(changes["user"])
    if not changes and not labels and not unlabels:
        raise UsageError("target update: give at least one flag to change")
    updated: dict[str, Any] = {}

    def change(items: Items) -> Items:
        item = find_item(items, name)
        if item is None:
            raise UsageError(f"no target {name!r} in context {ctx.name!r}")
        item.update(changes)
        item["labels"] = {k: v for k, v in {**item["labels"], **new_labels}.items() if k not in unlabels}
        item["updated_at"] = utc_now()
        updated.update(item)
        return items

    _change(call, "targets", change)
    return Result({"target": updated}, context=ctx.name)


def _remove(call: Call, collection: str, name: str) -> Result:
    """Remove a record; a target still used by an app is refused."""
    inv, ctx = call.inv, call.ctx
    inv.lock_state()  # no app may bind this target between the check and the removal
    item = get_item(inv.layout, ctx, collection, name)
    if collection == "targets":
        users = [a["name"] for a in read_items(inv.layout, ctx, "apps") if name in a["targets"]]
        if users:
            raise UsageError(
                f"target {name!r} is used by app(s) {', '.join(users)}; remove or change them first"
            )
    _change(call, collection, lambda items: [i for i in items if i["name"] != name])
    return Result({"removed": item}, context=ctx.name)


@command("target remove", context="explicit", gate="change", proposal=True)
def remove_target(call: Call, name: str) -> Result:
    """Remove a target (refused while an app uses it)."""
    return _remove(call, "targets", name)


@command("app remove", context="explicit", gate="change", proposal=True)
def remove_app(call: Call, name: str) -> Result:
    """Remove an app."""
    return _remove(call, "apps", name)


@command("app add", context="explicit", gate="change", proposal=True, check=_named("app"))
def add_app(call: Call, name: str, source: str, targets: tuple[str, ...], labels: tuple[str, ...]) -> Result:
    """Add an app from a source folder, bound to targets of the same context."""
    inv, ctx = call.inv, call.ctx
    src = Path(source).expanduser()
    if not src.is_dir():
        raise UsageError(f"--source {source!r}: not a directory")
    inv.lock_state()  # no target may be removed between this check and the write
    known = {t["name"] for t in read_items(inv.layout, ctx, "targets")}
    unknown = [t for t in targets if t not in known]
    if unknown:
        raise UsageError(f"--target {unknown[0]!r}: no such target in context {ctx.name!r}")
    now = utc_now()
    record = {
        "name": name,
        "source": str(src.resolve()),
        "targets": list(dict.fromkeys(targets)),
        "labels": parse_labels(labels),
        "context": ctx.name,
        "context_id": ctx.context_id,
        "created_at": now,
        "updated_at": now,
    }

    def change(items: Items) -> Items:
        if find_item(items, name):
            raise UsageError(f"app {name!r} already exists in context {ctx.name!r}")
        return [*items, record]

    _change(call, "apps", change)
    return Result({"app": record}, context=ctx.name)
