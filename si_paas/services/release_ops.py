"""`si paas release list|verify|prune`: what was released where, checks, retention."""

from __future__ import annotations

from typing import Any

from si_paas.errors import ExitCode, UsageError
from si_paas.services.deploy import deploy_lock, pair_of, resolve, verify_release
from si_paas.services.invocation import Invocation, Result
from si_paas.services.pipeline import Call, command
from si_paas.services.releases import row_state, seq_of, shown_rows
from si_paas.services.transports import TargetError
from si_paas.state import releases as store
from si_paas.state.clock import utc_now
from si_paas.state.collections import find_item, read_items
from si_paas.state.contexts import Context
from si_paas.state.events import append_event


def _app(inv: Invocation, ctx: Context, app: str) -> dict[str, Any]:
    found = find_item(read_items(inv.layout, ctx, "apps"), app)
    if found is None:
        raise UsageError(f"--app {app!r}: no such app in context {ctx.name!r}")
    return found


def _state_of(rid: str, pair: dict[str, Any] | None, record: dict[str, Any]) -> str:
    if record.get("pruned_at"):
        return "pruned"
    if pair is None:
        return "recorded"
    if pair.get("current") == rid:
        return "current"
    if pair.get("previous_good") == rid:
        return "previous-good"
    rows = [r for r in pair["history"] if r["release"] == rid and r["kind"] == "deploy"]
    return row_state(rows[-1]) if rows else "recorded"


@command("release list", context="required", gate="read")
def list_releases(call: Call, app: str, target: str | None) -> Result:
    """Releases of an app (newest first) with their state, and the deploy history."""
    inv, ctx = call.inv, call.ctx
    app_rec = _app(inv, ctx, app)
    targets = [target] if target else list(app_rec["targets"])
    if target and target not in app_rec["targets"]:
        raise UsageError(f"--target {target!r}: app {app!r} is not bound to it")
    doc = store.read_deployments(inv.layout, ctx)
    pairs = {
        t: next((i for i in doc["items"] if i["app"] == app and i["target"] == t), None) for t in targets
    }
    items = []
    for _, record in store.iter_release_records(inv.layout, ctx.name):
        if record.get("app") != app or record.get("target") not in pairs:
            continue
        rid = record["release_id"]
        items.append(
            {
                "release_id": rid,
                "seq": record["seq"],
                "target": record["target"],
                "state": _state_of(rid, pairs[record["target"]], record),
                "created_at": record["created_at"],
                "actor": record["actor"],
                "git_sha": record["source"]["git_sha"],
                "dirty": record["source"]["dirty"],
                "bundle_digest": record["bundle_digest"],
                "files": record["file_count"],
                "bytes": record["total_bytes"],
                "first_deploy": record.get("first_deploy", False),
            }
        )
    items.sort(key=lambda i: (i["target"], -i["seq"]))
    history = [
        {
            "app": app,
            "target": t,
            "current": p["current"],
            "previous_good": p["previous_good"],
            "rows": shown_rows(p),
        }
        for t, p in pairs.items()
        if p is not None
    ]
    return Result({"app": app, "items": items, "count": len(items), "history": history}, context=ctx.name)


@command("release verify", context="required", gate="read")
def verify(call: Call, app: str, target: str, release: str | None) -> Result:
    """Check release folders on the target against their records (every SHA-256)."""
    inv, ctx = call.inv, call.ctx
    where = resolve(inv, ctx, app, target)
    present = where.layout.list_releases()
    wanted = [release] if release else present
    problems = {release: "not on the target"} if release and release not in present else {}
    items = []
    for rid in wanted:
        problem = problems.get(rid) or verify_release(inv, where, rid)
        items.append({"release_id": rid, "ok": problem is None, "problem": problem})
    bad = [i for i in items if not i["ok"]]
    return Result(
        {
            "app": app,
            "target": target,
            "current": where.layout.current(),
            "items": items,
            "count": len(items),
            "failed": len(bad),
        },
        context=ctx.name,
        ok=not bad,
        exit_code=ExitCode.POLICY_FAILED if bad else ExitCode.OK,
    )


def _drill_refs(inv: Invocation, ctx: Context, app: str, target: str) -> set[str]:
    refs: set[str] = set()
    for rec in store.read_drills(inv.layout, ctx):
        if rec["app"] == app and rec["target"] == target:
            refs.update(
                r
                for r in (
                    rec.get("original_release"),
                    rec.get("previous_good"),
                    *(s.get("release") for s in rec["steps"]),
                )
                if r
            )
    return refs


def _check_keep(call: Call, app: str, target: str | None, keep: int, confirm: bool) -> None:
    if keep < 1:
        raise UsageError(f"--keep {keep}: must be 1 or more")


@command("release prune", context="explicit", gate="change", proposal=True, check=_check_keep)
def prune(call: Call, app: str, target: str | None, keep: int, confirm: bool) -> Result:
    """Remove old release folders beyond the newest `keep`; dry run unless `confirm`.

    Never removed: `current`, the previous good release, a release a drill record names.
    """
    inv, ctx = call.inv, call.ctx
    app_rec = _app(inv, ctx, app)
    targets = [target] if target else list(app_rec["targets"])
    if confirm:
        call.gate()
    else:
        call.read_gate()  # a dry run writes nothing
    plans = []
    for name in targets:
        where = resolve(inv, ctx, app, name)
        pair = pair_of(inv, ctx, app, name)
        if pair is None:
            continue
        present = sorted(where.layout.list_releases(), key=seq_of, reverse=True)
        current = where.layout.current()
        protected: dict[str, set[str]] = {
            "current": {r for r in (current, pair.get("current")) if r},
            "previous-good": {r for r in (pair.get("previous_good"),) if r},
            "drill": _drill_refs(inv, ctx, app, name),
        }
        kept_newest = present[:keep]
        remove: list[dict[str, Any]] = []
        kept: list[dict[str, Any]] = []
        for rid in present:
            why = [k for k, ids in protected.items() if rid in ids]
            if rid in kept_newest:
                why.append("newest")
            (kept if why else remove).append({"release_id": rid, "kept_because": why})
        removed = []
        if confirm and remove:
            with deploy_lock(inv, where, "release prune", f"keep {keep}"):
                for item in remove:
                    try:
                        where.layout.remove(item["release_id"])
                    except TargetError as exc:
                        item["error"] = exc.message
                        continue
                    _mark_pruned(inv, ctx, app, item["release_id"])
                    removed.append(item["release_id"])
            append_event(
                inv.layout,
                ctx,
                "deploy",
                "release prune",
                "ok",
                app=app,
                target=name,
                message=f"removed {len(removed)} release(s): {', '.join(removed)}",
            )
        plans.append({"target": name, "keep": keep, "kept": kept, "remove": remove, "removed": removed})
    return Result({"app": app, "dry_run": not confirm, "items": plans, "count": len(plans)}, context=ctx.name)


def _mark_pruned(inv: Invocation, ctx: Context, app: str, rid: str) -> None:
    record = store.read_release(inv.layout, ctx, app, rid)
    if record is not None:
        record["pruned_at"] = utc_now()
        store.write_release(inv.layout, ctx, record)
