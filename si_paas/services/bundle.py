"""`si paas context export|import`: move a context's metadata, never its secrets or events.

A bundle holds the context config (without vault_file and state_root), its targets and apps
(without their context name and id) and its alert policy, and is validated against
`schemas/export-bundle.schema.json` on the way out and on the way in. A secret-like key with a
plaintext value anywhere in a bundle is refused, both ways.

An import is all-or-nothing: targets.json and apps.json are replaced together through
`state.transaction` (a journal under the context lock, played back at once on failure and by
the next command that resolves the context after a crash).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from si_paas import schemacheck
from si_paas.errors import InputError, PolicyRefusal, UsageError
from si_paas.redaction import redacted
from si_paas.secretwords import is_placeholder, is_secret_key
from si_paas.services.invocation import Result
from si_paas.services.pipeline import Call, command
from si_paas.snapshot.gitpaths import enclosing_worktree
from si_paas.state import fsio, transaction
from si_paas.state.clock import utc_now
from si_paas.state.collections import Items, read_items
from si_paas.state.contexts import Context
from si_paas.state.hosts import record_host
from si_paas.state.layout import StateLayout
from si_paas.textfile import decode_json, read_text

FORMAT = "si-paas-context-export"
VERSION = 1
SCHEMA = "export-bundle"
COLLECTIONS = ("targets", "apps")
_STAMP = ("context", "context_id")
_NO_EXPORT = ("vault_file", "state_root")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


# -- secret-like values ------------------------------------------------------------------------


def _json_path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if _PLAIN_KEY.match(key) else f"{parent}[{json.dumps(key)}]"


def _is_plaintext(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return False
    return not is_placeholder(str(value))


def find_secret_values(doc: Any) -> list[tuple[str, str]]:
    """(JSON path, value) of every plaintext value under a secret-like key, anywhere in `doc`.

    Everything beneath a secret-like key counts (`$.alert_policy.credentials.user` too), except
    placeholders such as `${VAR}`, `ENC[...]`, `<redacted>`, empty or null.
    """
    found: list[tuple[str, str]] = []

    def walk(node: Any, path: str, secret: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, _json_path(path, str(key)), secret or is_secret_key(str(key)))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]", secret)
        elif secret and _is_plaintext(node):
            found.append((path, str(node)))

    walk(doc, "$", False)
    return found


def refuse_secret_values(doc: Any, source: str) -> None:
    """A one-line UsageError naming the first JSON path that holds a plaintext secret value."""
    found = find_secret_values(doc)
    if not found:
        return
    path, value = found[0]
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    raise UsageError(
        f"{source}: {path}: secret-like key holds a plaintext value "
        f"({redacted(value)}, {len(value)} characters){more}; a bundle carries "
        "metadata only: keep secrets in the vault (`si paas secret set`) or use a "
        "placeholder such as ${VAR}"
    )


# -- schema ------------------------------------------------------------------------------------


def validate_bundle(doc: Any, source: str) -> None:
    """Check `doc` against the bundle schema: one line naming the source and the field.

    The message never repeats a value from the bundle (it may be something private).
    """
    schemacheck.check(doc, SCHEMA, source, value_free=True)


# -- export ------------------------------------------------------------------------------------


def _strip(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _STAMP}


def build_bundle(layout: StateLayout, ctx: Context) -> dict[str, Any]:
    """The export bundle of a context (validated, refused if it would carry a secret)."""
    alert_path = layout.context_dir(ctx.name) / "alerts" / "policy.json"
    try:
        alert_policy = fsio.read_json(alert_path)
    except FileNotFoundError:
        alert_policy = None
    bundle = {
        "format": FORMAT,
        "version": VERSION,
        "origin": {"context": ctx.name, "type": ctx.type, "context_id": ctx.context_id},
        "exported_at": utc_now(),
        "config": {k: v for k, v in ctx.to_dict().items() if k not in _NO_EXPORT},
        "targets": [_strip(t) for t in read_items(layout, ctx, "targets")],
        "apps": [_strip(a) for a in read_items(layout, ctx, "apps")],
        "alert_policy": alert_policy,
    }
    validate_bundle(bundle, f"export of context {ctx.name!r}")
    refuse_secret_values(bundle, f"export of context {ctx.name!r}")
    return bundle


def bundle_text(bundle: dict[str, Any]) -> str:
    """The bundle as written to a file or stdout."""
    return json.dumps(bundle, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _counts(bundle: dict[str, Any]) -> dict[str, int]:
    return {
        "targets": len(bundle["targets"]),
        "apps": len(bundle["apps"]),
        "alert_policy": int(bundle["alert_policy"] is not None),
    }


@command("context export", context="required", gate="read")
def export_context(call: Call, output: str | None, force: bool) -> Result:
    """Write the bundle to --output (atomic, 0600, never in a repo) or return it for stdout."""
    inv, ctx = call.inv, call.ctx
    target: Path | None = None
    if output:
        target = Path(output).expanduser().absolute()
        repo = enclosing_worktree(target)
        if repo is not None:
            raise PolicyRefusal(
                f"refused: no-repo-private-state: --output {target} is inside git work tree "
                f"{repo}; an export is private metadata: write it outside every repository",
                failed=["no-repo-private-state"],
            )
        if target.is_dir():
            raise UsageError(f"--output {target}: is a directory")
        if target.exists() and not force:
            raise UsageError(f"--output {target}: exists; pass --force to replace it")
    with fsio.locked(inv.layout.lock_file(ctx.name)):
        bundle = build_bundle(inv.layout, ctx)
    if target is None:
        return Result({"bundle": bundle, "counts": _counts(bundle)}, context=ctx.name)
    fsio.atomic_write_bytes(target, bundle_text(bundle).encode("utf-8"))
    inv.audit_args["output"] = str(target)
    return Result(
        {"output": str(target), "origin": bundle["origin"], "counts": _counts(bundle)}, context=ctx.name
    )


# -- import ------------------------------------------------------------------------------------


def read_bundle(file: str) -> dict[str, Any]:
    """Read, scan and validate a bundle (`-` is stdin); every problem is one line naming it."""
    source = "<stdin>" if file == "-" else file
    try:
        raw = sys.stdin.read() if file == "-" else read_text(Path(file).expanduser(), "bundle")
    except FileNotFoundError:
        raise UsageError(f"{source}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text") from None
    try:
        doc = decode_json(raw, source, "bundle")
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    # Secrets first: the schema check must never be the one to echo a secret value back.
    refuse_secret_values(doc, source)
    validate_bundle(doc, source)
    bundle: dict[str, Any] = doc
    for i, target in enumerate(bundle["targets"]):
        target["host"] = record_host(target["host"], f"{source}: $.targets[{i}].host")
    return bundle


def _merge(current: Items, incoming: Items, ctx: Context, kind: str, force: bool) -> Items:
    """`current` with the bundle's records added (replacing same-named ones only with force)."""
    names = [r["name"] for r in incoming]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(f"bundle lists {kind} {', '.join(map(repr, dupes))} more than once")
    clash = sorted({r["name"] for r in current} & set(names))
    if clash and not force:
        raise UsageError(
            f"{kind}(s) {', '.join(map(repr, clash))} already exist in context "
            f"{ctx.name!r}; pass --force to replace them"
        )
    stamped = [{**r, "context": ctx.name, "context_id": ctx.context_id} for r in incoming]
    kept = [dict(r) for r in current if r["name"] not in set(names)]
    return sorted([*kept, *stamped], key=lambda r: str(r["name"]))


def plan_import(
    layout: StateLayout, ctx: Context, bundle: dict[str, Any], force: bool
) -> tuple[Items, Items]:
    """The new targets and apps of `ctx` after importing `bundle` (nothing is written)."""
    targets = _merge(read_items(layout, ctx, "targets"), bundle["targets"], ctx, "target", force)
    apps = _merge(read_items(layout, ctx, "apps"), bundle["apps"], ctx, "app", force)
    known = {t["name"] for t in targets}
    for app in apps:
        missing = [t for t in app["targets"] if t not in known]
        if missing:
            raise UsageError(
                f"app {app['name']!r} runs on target {missing[0]!r}, which is neither "
                f"in the bundle nor in context {ctx.name!r}"
            )
    return targets, apps


def _doc(ctx: Context, items: Items) -> dict[str, Any]:
    return {"schema_version": 1, "context": ctx.name, "context_id": ctx.context_id, "items": items}


def write_import(
    layout: StateLayout, ctx: Context, bundle: dict[str, Any], force: bool
) -> tuple[Items, Items]:
    """Replace targets.json and apps.json together, or leave both as they were."""
    with fsio.locked(layout.lock_file(ctx.name)):
        transaction.recover_locked(layout, ctx)
        targets, apps = plan_import(layout, ctx, bundle, force)  # again, under the lock
        docs = {"targets": _doc(ctx, targets), "apps": _doc(ctx, apps)}
        for collection, doc in docs.items():
            schemacheck.check(doc, collection, layout.collection_file(ctx.name, collection))
        transaction.replace_collections(layout, ctx, docs)
        return targets, apps


@command("context import", context="explicit", gate="change", proposal=True)
def import_context(call: Call, file: str, force: bool, allow_cross_type: bool) -> Result:
    """Import a bundle into the explicit --context, judged by the gate, all or nothing."""
    inv, ctx = call.inv, call.ctx
    bundle = read_bundle(file)
    origin = bundle["origin"]
    inv.audit_args["origin"] = dict(origin)
    if origin["type"] != ctx.type:
        if not allow_cross_type:
            raise UsageError(
                f"{file}: bundle was exported from context {origin['context']!r} "
                f"of type {origin['type']}, but context {ctx.name!r} is of type "
                f"{ctx.type}; pass --allow-cross-type if this is really meant"
            )
        inv.audit_args["cross_type"] = True
        inv.warnings.append(
            f"importing {origin['type']} metadata from {origin['context']!r} "
            f"into {ctx.type} context {ctx.name!r} (--allow-cross-type)"
        )
    targets, apps = plan_import(inv.layout, ctx, bundle, force)
    call.gate(overlay_items={(ctx.name, "targets"): targets, (ctx.name, "apps"): apps})
    write_import(inv.layout, ctx, bundle, force)
    if bundle["alert_policy"] is not None:
        inv.warnings.append(
            f"the bundle's alert_policy was not imported: an alert policy is set "
            f"per context, so configure the one of {ctx.name!r} itself"
        )
    imported = {
        "targets": [t["name"] for t in bundle["targets"]],
        "apps": [a["name"] for a in bundle["apps"]],
    }
    inv.audit_args["imported"] = imported
    return Result(
        {
            "origin": origin,
            "imported": imported,
            "counts": {"targets": len(targets), "apps": len(apps)},
            "cross_type": origin["type"] != ctx.type,
        },
        context=ctx.name,
    )
