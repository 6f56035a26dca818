"""`si paas deploy`, `rollback` and `drill rollback`: releases on real targets, gated on doctor.

A deploy packs the app's source, judges the `deploy` scope (state, the app's repository and
the deploy plan), takes the (app, target) lock here and on the target, uploads into an
incoming folder, verifies every SHA-256 there, renames it into releases/, runs the health
command in the new folder, switches `current` atomically and runs the health command again;
a failure after the switch switches back to the previous good release.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from si_paas.errors import ExitCode, PolicyRefusal, UsageError
from si_paas.services.invocation import MUTATING_RULE, Invocation, Result
from si_paas.services.judge import build_snapshot, judge
from si_paas.services.pipeline import Call, command
from si_paas.services.releases import (
    Bundle,
    find_pair,
    pack,
    previous_good,
    release_id,
)
from si_paas.services.transports import TargetError, open_transport
from si_paas.services.transports.layout import TargetLayout
from si_paas.snapshot.gitpaths import enclosing_worktree
from si_paas.snapshot.spec import SnapshotSpec
from si_paas.state import deploylock, fsio
from si_paas.state import releases as store
from si_paas.state.clock import actor, utc_now
from si_paas.state.collections import find_item, read_items
from si_paas.state.contexts import Context, list_contexts
from si_paas.state.events import append_event

Progress = Callable[[str, str], None]
KILL_AT_ENV = "SI_PAAS_TEST_KILL_AT"


def _quiet(step: str, status: str) -> None:
    """The default progress sink: nothing."""


def alert(inv: Invocation, where: Where, severity: str, kind: str, summary: str, **labels: str) -> None:
    """Raise a deploy-side alert in the deploy's context, labelled with app and target.

    `raise_alert` never raises: a failed delivery becomes a warning on `inv`, never a change
    of the command's exit code or message.
    """
    from si_paas.services.alerts import raise_alert  # the alert machinery loads on demand

    app, target = where.names
    raise_alert(inv, severity, kind, summary, {"app": app, "target": target, **labels}, ctx=where.ctx)


def checkpoint(step: str) -> None:
    """A test hook: SIGKILL this process at a named step (SI_PAAS_TEST_KILL_AT=switch)."""
    if os.environ.get(KILL_AT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Health:
    """How to judge a release: the command, its timeout, attempts and the pause between."""

    command: str | None
    timeout: float = 60.0
    attempts: int = 1
    interval: float = 1.0

    def check(self) -> Health:
        if self.timeout <= 0:
            raise UsageError(f"--health-timeout {self.timeout:g}: must be more than 0")
        if self.attempts < 1:
            raise UsageError(f"--health-attempts {self.attempts}: must be 1 or more")
        return self


@dataclass
class Where:
    """One (app, target) of a context, resolved."""

    ctx: Context
    app: dict[str, Any]
    target: dict[str, Any]
    layout: TargetLayout

    @property
    def names(self) -> tuple[str, str]:
        return self.app["name"], self.target["name"]


# ---------------------------------------------------------------- resolving


def known_hosts_file(inv: Invocation, ctx: Context) -> Path:
    """The context's own known_hosts for ssh targets, in the state root."""
    return inv.layout.context_dir(ctx.name) / "known_hosts"


def target_layout(inv: Invocation, ctx: Context, target: dict[str, Any]) -> TargetLayout:
    """The target's release layout through its transport."""
    path = target.get("path")
    if not path:
        raise UsageError(
            f"target {target['name']!r} has no deploy directory: "
            f"`si paas --context {ctx.name} target update {target['name']} --path DIR`"
        )
    if not str(path).startswith("/"):
        raise UsageError(f"target {target['name']!r}: --path {path!r} must be absolute")
    transport = open_transport(target, {"known_hosts": known_hosts_file(inv, ctx), "context": ctx.name})
    return TargetLayout(transport, str(path).rstrip("/") or "/")


def _foreign_owner(inv: Invocation, ctx: Context, collection: str, name: str) -> str | None:
    for other in list_contexts(inv.layout):
        if other.name != ctx.name and find_item(read_items(inv.layout, other, collection), name):
            return other.name
    return None


def resolve(inv: Invocation, ctx: Context, app: str, target: str) -> Where:
    """The app and target records; unknown, foreign or unbound ones are one-line errors."""
    app_rec = find_item(read_items(inv.layout, ctx, "apps"), app)
    if app_rec is None:
        raise UsageError(f"--app {app!r}: no such app in context {ctx.name!r}")
    tgt = find_item(read_items(inv.layout, ctx, "targets"), target)
    if tgt is None:
        owner = _foreign_owner(inv, ctx, "targets", target)
        if owner:
            raise UsageError(
                f"--target {target!r}: a target of context {owner!r}, not of "
                f"{ctx.name!r}; deploys never cross contexts"
            )
        raise UsageError(f"--target {target!r}: no such target in context {ctx.name!r}")
    if target not in app_rec["targets"]:
        raise UsageError(
            f"--target {target!r}: app {app!r} is not bound to it (bound: "
            f"{', '.join(app_rec['targets']) or 'none'})"
        )
    return Where(ctx, app_rec, tgt, target_layout(inv, ctx, tgt))


# ---------------------------------------------------------------- the gate


def _describe_refusal(ctx: Context, failed: list[Any]) -> str:
    parts = []
    for check in failed:
        first = check.findings[0] if check.findings else None
        where = ""
        if first is not None and first.path:
            where = first.path + (f":{first.line}" if first.line else "") + ": "
        excerpt = f" [{first.excerpt}]" if first is not None and first.excerpt else ""
        more = f" (+{len(check.findings) - 1} more)" if len(check.findings) > 1 else ""
        parts.append(f"{check.id}: {where}{first.message if first else ''}{excerpt}{more}")
    fix = " ".join(failed[0].remediation.split()).replace("--context CTX", f"--context {ctx.name}")
    return "refused by the doctor gate: " + "; ".join(parts) + f". Fix: {fix}"


def deploy_gate(inv: Invocation, where: Where, plan: dict[str, Any], command: str) -> None:
    """Strict: the `deploy` scope over the state, the app's repository and the plan must pass."""
    source = Path(where.app["source"])
    repos = [source] if source.is_dir() else []
    snap = build_snapshot(SnapshotSpec(inv.layout, paths=tuple(repos), focus=where.ctx.name, deploy=plan))
    try:
        verdict = judge(snap, "deploy", config_repo=enclosing_worktree(source)).verdict
    finally:
        for repo in snap.repos:
            repo.close()
    failed = verdict.failed()
    if not failed:
        return
    message = _describe_refusal(where.ctx, failed)
    app, target = where.names
    append_event(
        inv.layout,
        where.ctx,
        "deploy",
        command,
        "refused",
        app=app,
        target=target,
        message=message,
        failed_checks=[c.id for c in failed],
    )
    kind = "deploy" if command == "deploy" else "rollback"
    alert(
        inv,
        where,
        "critical",
        kind,
        f"{command} of {app} to {target} refused: {message}",
        alertname=f"si-paas-{kind}-refused",
        check=",".join(sorted(c.id for c in failed)),
    )
    raise PolicyRefusal(message, failed=[c.id for c in failed])


# ---------------------------------------------------------------- locks


def _holder(command: str, message: str | None, release: str | None) -> dict[str, Any]:
    return {
        "actor": actor(),
        "pid": os.getpid(),
        "host": deploylock.this_host(),
        "time": utc_now(),
        "release": release,
        "message": message,
        "command": command,
    }


def _describe_holder(holder: dict[str, Any], stale: bool) -> str:
    state = "a stale lock (its process is gone)" if stale else "locked"
    return (
        f"{state}: {holder.get('command') or 'deploy'} by {holder.get('actor', '?')} "
        f"(pid {holder.get('pid', '?')} on {holder.get('host', '?')}) since "
        f"{holder.get('time', '?')}"
    )


@contextlib.contextmanager
def deploy_lock(inv: Invocation, where: Where, command: str, message: str | None) -> Iterator[dict[str, Any]]:
    """Hold the (app, target) lock in the context and the lock directory on the target."""
    app, target = where.names
    path = deploylock.lock_path(inv.layout, where.ctx.name, app, target)
    holder = _holder(command, message, None)
    found = deploylock.acquire(path, holder)
    if found is not None:
        hint = (
            f"; after checking, `si paas --context {where.ctx.name} deploy lock release "
            f"--app {app} --target {target} --force`"
            if found.stale
            else ""
        )
        raise PolicyRefusal(
            f"{app} on {target}: {_describe_holder(found.holder, found.stale)}{hint}", failed=["deploy-lock"]
        )
    try:
        remote = where.layout.lock(holder)
        if remote is not None:
            raise PolicyRefusal(
                f"{app} on {target}: the target is {_describe_holder(remote, False)} "
                f"({where.layout.where()}/.si-paas/lock)",
                failed=["deploy-lock"],
            )
        try:
            yield holder
        finally:
            with contextlib.suppress(TargetError):
                where.layout.unlock()
    finally:
        deploylock.release(path, pid=os.getpid())


def set_lock_release(inv: Invocation, where: Where, release: str) -> None:
    """Write the release id into our own lock file (we hold it)."""
    app, target = where.names
    path = deploylock.lock_path(inv.layout, where.ctx.name, app, target)
    info = deploylock.read_lock(path)
    if info and int(info.holder.get("pid") or 0) == os.getpid():
        fsio.atomic_write_json(path, {**info.holder, "release": release})


# ---------------------------------------------------------------- history rows


def _new_pair(ctx: Context, app: str, target: str) -> dict[str, Any]:
    return {
        "app": app,
        "target": target,
        "context": ctx.name,
        "context_id": ctx.context_id,
        "next_seq": 1,
        "current": None,
        "previous_good": None,
        "health_cmd": None,
        "history": [],
    }


def begin_row(
    inv: Invocation,
    ctx: Context,
    app: str,
    target: str,
    *,
    kind: str,
    release: str | None,
    from_release: str | None,
    first_deploy: bool = False,
    drill_id: str | None = None,
    health_cmd: str | None = None,
) -> tuple[int, str]:
    """Append a `running` row (allocating a release id when `release` is None)."""

    def change(doc: dict[str, Any]) -> tuple[int, str]:
        pair = find_pair(doc, app, target)
        if pair is None:
            pair = _new_pair(ctx, app, target)
            doc["items"].append(pair)
        rid = release
        if rid is None:
            rid = release_id(pair["next_seq"], target)
            pair["next_seq"] += 1
        if health_cmd:
            pair["health_cmd"] = health_cmd
        number = len(pair["history"]) + 1
        pair["history"].append(
            {
                "row": number,
                "kind": kind,
                "release": rid,
                "from_release": from_release,
                "status": "running",
                "actor": actor(),
                "pid": os.getpid(),
                "host": deploylock.this_host(),
                "started_at": utc_now(),
                "ended_at": None,
                "health": None,
                "error_stage": None,
                "error": None,
                "first_deploy": first_deploy,
                "drill_id": drill_id,
                "context": ctx.name,
                "context_id": ctx.context_id,
            }
        )
        return number, rid

    result: tuple[int, str] = store.update_deployments(inv.layout, ctx, change)
    return result


def end_row(
    inv: Invocation,
    ctx: Context,
    app: str,
    target: str,
    number: int,
    status: str,
    *,
    current: str | None = None,
    health: dict[str, Any] | None = None,
    error_stage: str | None = None,
    error: str | None = None,
) -> None:
    """Close a row; `current` (when given) is what the target's `current` now points at."""

    def change(doc: dict[str, Any]) -> None:
        pair = find_pair(doc, app, target)
        assert pair is not None
        row = pair["history"][number - 1]
        row.update(
            {
                "status": status,
                "ended_at": utc_now(),
                "health": health,
                "error_stage": error_stage,
                "error": error,
            }
        )
        if current is not None:
            pair["current"] = current
        candidates = previous_good(pair, pair["current"])
        pair["previous_good"] = candidates[0] if candidates else None

    store.update_deployments(inv.layout, ctx, change)


def pair_of(inv: Invocation, ctx: Context, app: str, target: str) -> dict[str, Any] | None:
    return find_pair(store.read_deployments(inv.layout, ctx), app, target)


# ---------------------------------------------------------------- health and verify


def run_health(where: Where, folder: str, health: Health, release: str) -> dict[str, Any]:
    """Run the health command (attempts, timeout); the result as recorded (no output kept)."""
    if not health.command:
        return {"ok": True, "skipped": True}
    app, target = where.names
    env = {
        "SI_PAAS_APP": app,
        "SI_PAAS_TARGET": target,
        "SI_PAAS_RELEASE": release,
        "SI_PAAS_RELEASE_DIR": folder,
        "SI_PAAS_SHARED_DIR": f"{where.layout.path}/shared",
    }
    code, timed_out, attempt = -1, False, 0
    for attempt in range(1, health.attempts + 1):
        result = where.layout.health(folder, health.command, health.timeout, env)
        code, timed_out = result.code, result.timed_out or result.code == 124
        if result.ok:
            return {"ok": True, "attempts": attempt, "exit_code": 0, "timed_out": False, "folder": folder}
        if attempt < health.attempts:
            time.sleep(health.interval)
    return {"ok": False, "attempts": attempt, "exit_code": code, "timed_out": timed_out, "folder": folder}


def _health_error(result: dict[str, Any], health: Health) -> str:
    if result.get("timed_out"):
        return f"health command did not finish within {health.timeout:g}s"
    return f"health command exited {result.get('exit_code')} after {result.get('attempts')} attempt(s)"


def verify_release(inv: Invocation, where: Where, release: str) -> str | None:
    """None when the release folder on the target matches its record, else why not."""
    record = store.read_release(inv.layout, where.ctx, where.app["name"], release)
    if record is None or record["target"] != where.target["name"]:
        return "no release record"
    if record.get("pruned_at"):
        return f"pruned at {record['pruned_at']}"
    return where.layout.verify(where.layout.release_dir(release), record["bundle_digest"])


def rollback_candidate(
    inv: Invocation, where: Where, pair: dict[str, Any] | None, current: str | None, include_current: bool
) -> tuple[str | None, list[str]]:
    """The release a rollback would go to and the candidates that did not verify."""
    if pair is None:
        return None, []
    order = previous_good(pair, current)
    good_now = {r["release"] for r in pair["history"] if r["status"] == "succeeded"}
    if include_current and current and current in good_now:
        order = [current, *order]
    skipped: list[str] = []
    for rel in order:
        problem = verify_release(inv, where, rel)
        if problem is None:
            return rel, skipped
        skipped.append(f"{rel}: {problem}")
    return None, skipped


# ---------------------------------------------------------------- deploy


def _release_record(
    where: Where, ctx: Context, rid: str, bundle: Bundle, first_deploy: bool
) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "release_id": rid,
        "seq": int(rid[1:7]),
        "app": where.app["name"],
        "target": where.target["name"],
        "context": ctx.name,
        "context_id": ctx.context_id,
        "actor": actor(),
        "created_at": utc_now(),
        "kind": "deploy",
        "source": {"path": str(bundle.root), "git_sha": bundle.git_sha, "dirty": bundle.dirty},
        "bundle_digest": bundle.digest,
        "file_count": len(bundle.files),
        "total_bytes": bundle.total_bytes,
        "files": bundle.files,
        "first_deploy": first_deploy,
        "pruned_at": None,
    }


def _plan(
    where: Where,
    action: str,
    current: str | None,
    rollback_to: str | None,
    first_deploy: bool,
    skipped: list[str],
) -> dict[str, Any]:
    app, target = where.names
    return {
        "action": action,
        "context": where.ctx.name,
        "context_id": where.ctx.context_id,
        "app": app,
        "target": target,
        "transport": where.target["transport"],
        "target_path": where.layout.path,
        "current": current,
        "rollback_release": rollback_to,
        "rollback_verified": rollback_to is not None,
        "first_deploy": first_deploy,
        "unverified": skipped,
    }


def _check_deploy(call: Call, app: str, target: str, health: Health, *, dry_run: bool, **_: Any) -> None:
    """The health flags, then the runbook's rule: a deploy that is not a dry run changes
    state and needs an explicit --context."""
    health.check()
    inv = call.inv
    if not dry_run:
        if not inv.context_opt:
            raise UsageError(f"`{inv.command}` changes state and needs --context NAME ({MUTATING_RULE})")
        inv.layout.check_usable(write=True)


@command("deploy", context="required", gate="strict", proposal=True, check=_check_deploy)
def deploy(
    call: Call,
    app: str,
    target: str,
    health: Health,
    *,
    first_deploy: bool,
    dry_run: bool,
    message: str | None,
    auto_rollback: bool | None,
    progress: Progress = _quiet,
) -> Result:
    """Deploy the app's source to the target; see the module docstring for the steps.

    The doctor gate (`deploy_gate`) judges the plan strictly; a dry run passes the read gate.
    """
    inv, ctx = call.inv, call.ctx
    if dry_run:
        call.read_gate()
    where = resolve(inv, ctx, app, target)
    progress("pack", "start")
    bundle = pack(where.app["source"], inv.layout.root)
    progress("pack", f"{len(bundle.files)} files, {bundle.total_bytes} bytes")
    current = where.layout.current()
    pair = pair_of(inv, ctx, app, target)
    back_to, skipped = rollback_candidate(inv, where, pair, current, include_current=True)
    plan = _plan(where, "deploy", current, back_to, first_deploy, skipped)
    health_cmd = health.command or (pair or {}).get("health_cmd")
    health = Health(health_cmd, health.timeout, health.attempts, health.interval)
    if auto_rollback is None:
        auto_rollback = True
    progress("gate", "start")
    deploy_gate(inv, where, plan, "deploy")
    progress("gate", "ok")
    summary = {
        "files": len(bundle.files),
        "bytes": bundle.total_bytes,
        "bundle_digest": bundle.digest,
        "git_sha": bundle.git_sha,
        "dirty": bundle.dirty,
        "skipped": bundle.skipped,
    }
    if dry_run:
        next_id = release_id((pair or {}).get("next_seq", 1), target)
        steps = [
            "take the lock (context and target)",
            f"upload {len(bundle.files)} files to {where.layout.incoming_dir(next_id)}",
            "verify every SHA-256 on the target",
            f"rename into {where.layout.release_dir(next_id)}",
            f"health in the release folder: {health_cmd or '(none)'}",
            f"switch {where.layout.path}/current -> releases/{next_id}",
            "health against current"
            + (f"; on failure switch back to {back_to}" if back_to and auto_rollback else ""),
        ]
        return Result(
            {"dry_run": True, "release": next_id, "plan": plan, "bundle": summary, "steps": steps},
            context=ctx.name,
        )
    return _deploy_locked(
        inv, where, bundle, plan, health, first_deploy, message, auto_rollback, summary, progress
    )


def _deploy_locked(
    inv: Invocation,
    where: Where,
    bundle: Bundle,
    plan: dict[str, Any],
    health: Health,
    first_deploy: bool,
    message: str | None,
    auto_rollback: bool,
    summary: dict[str, Any],
    progress: Progress,
) -> Result:
    ctx, (app, target) = where.ctx, where.names
    layout = where.layout
    with deploy_lock(inv, where, "deploy", message):
        checkpoint("locked")
        current, back_to = layout.current(), plan["rollback_release"]
        if current != plan["current"]:  # another deploy finished in between: judge again
            back_to, _ = rollback_candidate(inv, where, pair_of(inv, ctx, app, target), current, True)
        number, rid = begin_row(
            inv,
            ctx,
            app,
            target,
            kind="deploy",
            release=None,
            from_release=current,
            first_deploy=first_deploy,
            health_cmd=health.command,
        )
        set_lock_release(inv, where, rid)
        inv.audit_args["release"] = rid
        store.write_release(inv.layout, ctx, _release_record(where, ctx, rid, bundle, first_deploy))
        stage = "upload"
        try:
            checkpoint("upload")
            progress("upload", "start")
            layout.upload(bundle.root, bundle.upload_list(), bundle.manifest, rid)
            progress("upload", "ok")
            stage = "verify"
            checkpoint("verify")
            problem = layout.verify_and_activate(rid, bundle.digest)
            if problem:
                raise TargetError(f"uploaded files do not match the manifest: {problem}")
            progress("verify", "ok")
            stage = "health"
            checkpoint("health")
            progress("health", "start")
            first = run_health(where, layout.release_dir(rid), health, rid)
            if not first["ok"]:
                error = _health_error(first, health)
                progress("health", "failed")
                end_row(
                    inv, ctx, app, target, number, "failed", health=first, error_stage="health", error=error
                )
                return _failed(inv, where, rid, "health", error, current, summary)
            progress("health", "ok")
            stage = "switch"
            checkpoint("switch")
            layout.switch(rid)
            progress("switch", "ok")
            stage = "post-health"
            checkpoint("post-health")
            after = run_health(where, f"{layout.path}/current", health, rid)
        except TargetError as exc:
            end_row(inv, ctx, app, target, number, "failed", error_stage=stage, error=exc.message)
            with contextlib.suppress(TargetError):
                layout.clear_incoming()
            append_event(
                inv.layout,
                ctx,
                "deploy",
                "deploy",
                "error",
                app=app,
                target=target,
                release=rid,
                message=f"{stage}: {exc.message}",
            )
            # after the switch the new release is current with its health unknown
            alert(
                inv,
                where,
                "critical" if stage == "post-health" else "warning",
                "deploy",
                f"deploy {rid} of {app} to {target} failed at {stage}: {exc.message}",
                alertname="si-paas-deploy-failed",
            )
            raise
        except BaseException:
            end_row(inv, ctx, app, target, number, "failed", error_stage=stage, error="interrupted")
            raise
        if after["ok"]:
            progress("post-health", "ok")
            end_row(inv, ctx, app, target, number, "succeeded", current=rid, health=after)
            append_event(
                inv.layout,
                ctx,
                "deploy",
                "deploy",
                "ok",
                app=app,
                target=target,
                release=rid,
                message=message,
            )
            return Result(
                {
                    "release": rid,
                    "status": "succeeded",
                    "previous": current,
                    "bundle": summary,
                    "health": after,
                    "plan": plan,
                },
                context=ctx.name,
            )
        progress("post-health", "failed")
        return _auto_rollback(inv, where, number, rid, after, back_to, auto_rollback, health, summary)


def _failed(
    inv: Invocation,
    where: Where,
    rid: str,
    stage: str,
    error: str,
    current: str | None,
    summary: dict[str, Any],
    **extra: Any,
) -> Result:
    app, target = where.names
    append_event(
        inv.layout,
        where.ctx,
        "deploy",
        "deploy",
        "error",
        app=app,
        target=target,
        release=rid,
        message=f"{stage}: {error}",
    )
    # critical when the failing release is left current, a warning when current is a good one
    alert(
        inv,
        where,
        "critical" if current == rid else "warning",
        "health",
        f"deploy {rid} of {app} to {target} failed its health check ({stage}): {error}; "
        f"current is {current or 'none'}",
        alertname="si-paas-health-failed",
    )
    return Result(
        {
            "release": rid,
            "status": "failed",
            "error_stage": stage,
            "error": error,
            "current": current,
            "bundle": summary,
            **extra,
        },
        context=where.ctx.name,
        ok=False,
        exit_code=ExitCode.POLICY_FAILED,
    )


def _auto_rollback(
    inv: Invocation,
    where: Where,
    number: int,
    rid: str,
    after: dict[str, Any],
    back_to: str | None,
    auto_rollback: bool,
    health: Health,
    summary: dict[str, Any],
) -> Result:
    ctx, (app, target) = where.ctx, where.names
    error = _health_error(after, health) + " after the switch"
    if not auto_rollback or back_to is None:
        why = "auto-rollback is off" if not auto_rollback else "no verified previous release"
        end_row(
            inv,
            ctx,
            app,
            target,
            number,
            "failed",
            current=rid,
            health=after,
            error_stage="post-health",
            error=f"{error}; {why}, {rid} stays current",
        )
        return _failed(inv, where, rid, "post-health", f"{error}; {why}", rid, summary)
    end_row(
        inv,
        ctx,
        app,
        target,
        number,
        "rolled-back",
        current=rid,
        health=after,
        error_stage="post-health",
        error=error,
    )
    back = begin_row(inv, ctx, app, target, kind="auto-rollback", release=back_to, from_release=rid)[0]
    try:
        where.layout.switch(back_to)
    except TargetError as exc:
        end_row(inv, ctx, app, target, back, "failed", error_stage="switch", error=exc.message)
        return _failed(
            inv,
            where,
            rid,
            "post-health",
            f"{error}; switching back to {back_to} failed: {exc.message}",
            rid,
            summary,
        )
    end_row(inv, ctx, app, target, back, "succeeded", current=back_to)
    return _failed(
        inv,
        where,
        rid,
        "post-health",
        f"{error}; switched back to {back_to}",
        back_to,
        summary,
        rolled_back_to=back_to,
    )


# ---------------------------------------------------------------- rollback


def _switch_to(
    inv: Invocation,
    where: Where,
    release: str,
    from_release: str | None,
    kind: str,
    health: Health,
    drill_id: str | None = None,
) -> tuple[bool, dict[str, Any], str | None]:
    """Switch `current` to a stored, verified release and run the health command there."""
    ctx, (app, target) = where.ctx, where.names
    number = begin_row(
        inv, ctx, app, target, kind=kind, release=release, from_release=from_release, drill_id=drill_id
    )[0]
    stage = "switch"
    try:
        checkpoint(f"{kind}-switch")
        where.layout.switch(release)
        stage = "health"
        result = run_health(where, f"{where.layout.path}/current", health, release)
    except TargetError as exc:
        end_row(inv, ctx, app, target, number, "failed", error_stage=stage, error=exc.message)
        return False, {}, exc.message
    except BaseException:
        end_row(inv, ctx, app, target, number, "failed", error_stage=stage, error="interrupted")
        raise
    if result["ok"]:
        end_row(inv, ctx, app, target, number, "succeeded", current=release, health=result)
        return True, result, None
    error = _health_error(result, health)
    end_row(
        inv,
        ctx,
        app,
        target,
        number,
        "failed",
        current=release,
        health=result,
        error_stage="health",
        error=error,
    )
    return False, result, error


def _check_health(call: Call, app: str, target: str, *args: Any) -> None:
    health = next(a for a in args if isinstance(a, Health))
    health.check()


@command("rollback", context="explicit", gate="strict", proposal=True, check=_check_health)
def rollback(
    call: Call,
    app: str,
    target: str,
    to: str | None,
    health: Health,
    message: str | None,
    progress: Progress = _quiet,
) -> Result:
    """Re-activate a stored release (default: the newest succeeded one before current);
    the doctor gate (`deploy_gate`) judges the rollback plan strictly."""
    inv, ctx = call.inv, call.ctx
    where = resolve(inv, ctx, app, target)
    pair = pair_of(inv, ctx, app, target)
    current = where.layout.current()
    if pair is None or current is None:
        raise UsageError(f"{app} on {target}: nothing is deployed, nothing to roll back")
    if to is not None:
        if to == current:
            raise UsageError(f"--to {to}: already current on {target}")
        problem = verify_release(inv, where, to)
        if problem:
            raise UsageError(f"--to {to}: cannot roll back to it: {problem}")
        chosen: str = to
        skipped: list[str] = []
    else:
        found, skipped = rollback_candidate(inv, where, pair, current, include_current=False)
        if found is None:
            detail = f" ({'; '.join(skipped)})" if skipped else ""
            raise UsageError(
                f"{app} on {target}: no succeeded release before {current} "
                f"verifies{detail}; name one with --to"
            )
        chosen = found
    progress("verify", f"{chosen} ok")
    deploy_gate(inv, where, _plan(where, "rollback", current, chosen, False, skipped), "rollback")
    health = Health(
        health.command or pair.get("health_cmd"), health.timeout, health.attempts, health.interval
    )
    inv.audit_args["release"] = chosen
    with deploy_lock(inv, where, "rollback", message):
        ok, result, error = _switch_to(inv, where, chosen, current, "rollback", health)
    progress("switch", "ok" if ok else "failed")
    status = "ok" if ok else "error"
    append_event(
        inv.layout,
        ctx,
        "deploy",
        "rollback",
        status,
        app=app,
        target=target,
        release=chosen,
        message=error or message,
    )
    payload = {
        "release": chosen,
        "from_release": current,
        "status": "succeeded" if ok else "failed",
        "health": result,
        "skipped": skipped,
    }
    if ok:
        return Result(payload, context=ctx.name)
    alert(
        inv,
        where,
        "critical",
        "rollback",
        f"rollback of {app} on {target} to {chosen} failed: {error}",
        alertname="si-paas-rollback-failed",
    )
    return Result({**payload, "error": error}, context=ctx.name, ok=False, exit_code=ExitCode.POLICY_FAILED)


# ---------------------------------------------------------------- drill


@command("drill rollback", context="explicit", gate="strict", proposal=True, check=_check_health)
def drill(call: Call, app: str, target: str, health: Health, progress: Progress = _quiet) -> Result:
    """Roll back to the previous good release, health, roll forward, health; one record.
    The doctor gate (`deploy_gate`) judges the drill's plan strictly."""
    import secrets

    inv, ctx = call.inv, call.ctx
    if ctx.type != "internal-dogfood":
        raise UsageError(
            f"drill rollback runs in internal-dogfood contexts only ({ctx.name!r} "
            f"is {ctx.type}); oss-demo resets its disposable targets instead"
        )
    where = resolve(inv, ctx, app, target)
    drill_id = "drill-" + secrets.token_hex(8)
    inv.audit_args["drill_id"] = drill_id
    start, t0 = utc_now(), time.monotonic()
    record: dict[str, Any] = {
        "schema_version": 1,
        "drill_id": drill_id,
        "kind": "rollback",
        "app": app,
        "target": target,
        "context": ctx.name,
        "context_id": ctx.context_id,
        "actor": actor(),
        "start": start,
        "end": start,
        "duration_seconds": 0.0,
        "status": "aborted",
        "original_release": None,
        "previous_good": None,
        "final_release": None,
        "message": None,
        "steps": [],
    }
    steps: list[dict[str, Any]] = record["steps"]

    def finish(status: str, message: str | None, event: bool = True) -> dict[str, Any]:
        record.update(
            {
                "status": status,
                "message": message,
                "end": utc_now(),
                "duration_seconds": round(time.monotonic() - t0, 3),
            }
        )
        with contextlib.suppress(TargetError):
            record["final_release"] = where.layout.current()
        store.append_drill(inv.layout, ctx, record)
        if event:  # a gate refusal has written its own `refused` event
            outcome = {"completed": "ok", "aborted": "refused"}.get(status, "error")
            append_event(
                inv.layout,
                ctx,
                "deploy",
                "drill rollback",
                outcome,
                app=app,
                target=target,
                release=record["final_release"],
                message=message,
                drill_id=drill_id,
            )
        return record

    def result(done: dict[str, Any]) -> Result:
        ok = done["status"] == "completed"
        if done["status"] == "failed":
            restored = done["final_release"] == done["original_release"]
            alert(
                inv,
                where,
                "warning" if restored else "critical",
                "rollback",
                f"rollback drill {drill_id} of {app} on {target} failed: {done['message']}",
                alertname="si-paas-drill-failed",
            )
        return Result(
            {"drill": done}, context=ctx.name, ok=ok, exit_code=ExitCode.OK if ok else ExitCode.POLICY_FAILED
        )

    pair = pair_of(inv, ctx, app, target)
    original = where.layout.current()
    record["original_release"] = original
    back_to, skipped = rollback_candidate(inv, where, pair, original, include_current=False)
    record["previous_good"] = back_to
    try:
        deploy_gate(inv, where, _plan(where, "drill", original, back_to, False, skipped), "drill rollback")
    except PolicyRefusal as exc:
        finish("aborted", exc.message, event=False)
        raise
    if pair is None or original is None or back_to is None:
        why = (
            "nothing is deployed" if original is None else f"no succeeded release before {original} verifies"
        )
        return result(finish("aborted", why))
    if verify_release(inv, where, original) is not None:
        return result(finish("aborted", f"the current release {original} does not verify"))
    health = Health(
        health.command or pair.get("health_cmd"), health.timeout, health.attempts, health.interval
    )
    try:
        with deploy_lock(inv, where, "drill rollback", drill_id):
            status, message = _drill_steps(inv, where, drill_id, original, back_to, health, steps, progress)
    except PolicyRefusal as exc:
        finish("aborted", exc.message)
        raise
    return result(finish(status, message))


def _step(
    steps: list[dict[str, Any]],
    name: str,
    release: str | None,
    ok: bool | None,
    started: str,
    detail: str | None = None,
) -> None:
    steps.append(
        {
            "step": name,
            "release": release,
            "result": "skipped" if ok is None else ("ok" if ok else "failed"),
            "started_at": started,
            "ended_at": utc_now(),
            "detail": detail,
        }
    )


def _drill_steps(
    inv: Invocation,
    where: Where,
    drill_id: str,
    original: str,
    back_to: str,
    health: Health,
    steps: list[dict[str, Any]],
    progress: Progress,
) -> tuple[str, str | None]:
    """The four steps; on a failure, put the original back if it can."""
    plan = [("rollback", back_to, original), ("roll-forward", original, back_to)]
    for name, release, from_release in plan:
        started = utc_now()
        ok, result, error = _switch_to(inv, where, release, from_release, "drill", health, drill_id)
        switched = ok or bool(result)  # a health failure still switched
        _step(steps, name, release, switched, started, None if switched else error)
        _step(
            steps,
            "health",
            release,
            (result.get("ok") if result else None),
            started,
            error if switched and not ok else None,
        )
        progress(name, "ok" if ok else "failed")
        if not ok:
            restored = _restore(inv, where, drill_id, original, health, steps)
            return "failed", f"{name} to {release}: {error}; " + (
                f"{original} is current again" if restored else f"could not restore {original}"
            )
    return "completed", None


def _restore(
    inv: Invocation, where: Where, drill_id: str, original: str, health: Health, steps: list[dict[str, Any]]
) -> bool:
    try:
        if where.layout.current() == original:
            return True
    except TargetError:
        return False
    started = utc_now()
    ok, _, error = _switch_to(inv, where, original, None, "drill", Health(None), drill_id)
    _step(steps, "restore", original, ok, started, error)
    return ok


# ---------------------------------------------------------------- locks, trust


@command("deploy lock status", context="required", gate="read")
def lock_status(call: Call, app: str, target: str) -> Result:
    """Who holds the (app, target) lock here and on the target; stale when its pid is dead."""
    inv, ctx = call.inv, call.ctx
    where = resolve(inv, ctx, app, target)
    info = deploylock.read_lock(deploylock.lock_path(inv.layout, ctx.name, app, target))
    local = info.to_dict() if info else {"state": "free"}
    try:
        remote_holder = where.layout.lock_holder()
        remote: dict[str, Any] = (
            {"state": "free"} if remote_holder is None else {**remote_holder, "state": "held"}
        )
    except TargetError as exc:
        remote = {"state": "unknown", "error": exc.message}
    return Result({"app": app, "target": target, "lock": local, "target_lock": remote}, context=ctx.name)


@command("deploy lock release", context="explicit", gate="none")
def lock_release(call: Call, app: str, target: str, force: bool) -> Result:
    """Remove the lock: only with --force, which is audited (with the holder it removed)."""
    inv, ctx = call.inv, call.ctx
    where = resolve(inv, ctx, app, target)
    path = deploylock.lock_path(inv.layout, ctx.name, app, target)
    info = deploylock.read_lock(path)
    try:
        remote = where.layout.lock_holder()
    except TargetError:
        remote = None
    if info is None and remote is None:
        return Result({"app": app, "target": target, "released": False, "state": "free"}, context=ctx.name)
    holder = info.holder if info else (remote or {})
    stale = info.stale if info else False
    if not force:
        raise PolicyRefusal(
            f"{app} on {target}: {_describe_holder(holder, stale)}; "
            "release it with --force once you are sure no deploy runs",
            failed=["deploy-lock"],
        )
    inv.audit_args["force"] = True
    inv.audit_args["holder"] = {k: holder.get(k) for k in ("actor", "pid", "host", "time", "release")}
    if info is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    if remote is not None:
        where.layout.unlock()
    append_event(
        inv.layout,
        ctx,
        "deploy",
        "deploy lock release",
        "warning",
        app=app,
        target=target,
        message=f"lock released by force: {_describe_holder(holder, stale)}",
    )
    return Result(
        {
            "app": app,
            "target": target,
            "released": True,
            "forced": True,
            "holder": holder,
            "was_stale": stale,
        },
        context=ctx.name,
    )


@command("target trust-host", context="explicit", gate="change", proposal=True)
def trust_host(call: Call, name: str, known_hosts: str | None) -> Result:
    """Record an ssh target's host key in the context's known_hosts (ssh-keyscan or a file);
    the change gate runs once the key lines are known."""
    from si_paas.services.transports.ssh import fingerprints, keyscan

    inv, ctx = call.inv, call.ctx
    target = find_item(read_items(inv.layout, ctx, "targets"), name)
    if target is None:
        raise UsageError(f"no target {name!r} in context {ctx.name!r}")
    if target["transport"] != "ssh":
        raise UsageError(f"target {name!r} uses transport {target['transport']}: no host key")
    port = target.get("port")
    pattern = target["host"] if not port or port == 22 else f"[{target['host']}]:{port}"
    if known_hosts:
        try:
            text = Path(known_hosts).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--known-hosts {known_hosts}: cannot read: {exc}") from None
        lines = [
            ln.strip()
            for ln in text.splitlines()
            if ln.strip() and not ln.startswith("#") and pattern in ln.split(maxsplit=1)[0].split(",")
        ]
        if not lines:
            raise UsageError(f"--known-hosts {known_hosts}: no key line for {pattern}")
    else:
        lines = keyscan(target["host"], port)
    prints = fingerprints(lines)
    if not prints:
        raise UsageError(f"target {name}: the host key lines do not parse")
    call.gate()
    path = known_hosts_file(inv, ctx)
    try:
        old = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        old = []
    kept = [ln for ln in old if pattern not in ln.split(maxsplit=1)[0].split(",")]
    fsio.atomic_write_bytes(path, ("\n".join([*kept, *lines]) + "\n").encode())
    inv.audit_args["fingerprints"] = prints
    return Result(
        {
            "target": name,
            "host": pattern,
            "known_hosts": str(path),
            "fingerprints": prints,
            "source": known_hosts or "ssh-keyscan",
        },
        context=ctx.name,
    )
