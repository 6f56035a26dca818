"""Check kind: nothing of one context appears in another (hosts, vaults, ids, references)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from si_paas.engine.policy import Policy
from si_paas.engine.registry import check_kind
from si_paas.findings import Finding
from si_paas.snapshot.pathfacts import PathFacts
from si_paas.snapshot.snapshot import Snapshot
from si_paas.state.contexts import Context
from si_paas.state.hosts import host_identity


def host_key(target: dict[str, Any], paths: PathFacts) -> str:
    """The host a target names, in its one normal form; the port is left out on purpose:
    the same machine on another port is still the same machine.

    A `local` target is a directory on this machine: its identity is the real path, as the
    snapshot's path facts (`paths`) resolve it.
    """
    if target.get("transport") == "local" and target.get("path"):
        return f"local:{paths.realpath(str(target['path']))}"
    return host_identity(str(target["host"]))


def _where(target: dict[str, Any]) -> str:
    port = target.get("port")
    return f"{target['name']}:{port}" if port else str(target["name"])


def _shared(snap: Snapshot, policy: Policy, focus: set[str]) -> list[Finding]:
    findings = []
    hosts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    vaults: dict[str, list[str]] = defaultdict(list)
    ids: dict[str, list[str]] = defaultdict(list)
    for ctx in snap.state.contexts:
        for target in snap.state.items(ctx, "targets"):
            hosts[host_key(target, snap.paths)].append((ctx.name, _where(target)))
        vaults[snap.paths.realpath(ctx.vault_file)].append(ctx.name)
        ids[ctx.context_id].append(ctx.name)
    for key, owners in sorted(hosts.items()):
        names = sorted({c for c, _ in owners})
        if len(names) > 1 and focus & set(names):
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f"target host {key} is used by contexts "
                    f"{', '.join(names)} (targets {', '.join(f'{c}/{t}' for c, t in owners)})",
                    extra={"kind": "shared-host", "contexts": names},
                )
            )
    for path, names in sorted(vaults.items()):
        if len(names) > 1 and focus & set(names):
            findings.append(
                Finding(
                    rule=policy.id,
                    path=path,
                    message=f"vault file shared by contexts {', '.join(names)}",
                    extra={"kind": "shared-vault", "contexts": names},
                )
            )
    for directory, ctx in snap.state.misplaced:
        ids[ctx.context_id].append(directory)
        if focus & {ctx.name, directory}:
            findings.append(
                Finding(
                    rule=policy.id,
                    path=str(snap.state.layout.config_file(directory)),
                    message=f"config.json names {ctx.name!r} but lives in {directory!r}: "
                    "a copied context directory",
                )
            )
    for cid, names in sorted(ids.items()):
        if len(names) > 1 and focus & set(names):
            findings.append(
                Finding(
                    rule=policy.id,
                    message=f"contexts {', '.join(names)} share context_id {cid}: "
                    "a context directory was copied by hand",
                    extra={"kind": "copied-context", "contexts": names},
                )
            )
    return findings


def _foreign(ctx: Context, record: dict[str, Any], ids: dict[str, str]) -> str | None:
    """Why `record` belongs to another context, or None if it is ctx's own."""
    name, cid = record.get("context"), record.get("context_id")
    if name is not None and name != ctx.name:
        return f"record names context {name!r}"
    if cid is not None and cid != ctx.context_id:
        owner = ids.get(str(cid))
        return f"record carries context_id of {owner!r}" if owner else "record carries a foreign context_id"
    return None


def _records(
    snap: Snapshot, policy: Policy, ctx: Context, ids: dict[str, str], owned: dict[str, dict[str, str]]
) -> list[Finding]:
    findings = []
    config = snap.state.layout.config_file(ctx.name)
    if snap.paths.realpath(ctx.state_root) != snap.paths.realpath(snap.state.root):
        findings.append(
            Finding(
                rule=policy.id,
                path=str(config),
                message=f"config.json was made under state root {ctx.state_root}, "
                "not this one: a copied context directory (after a "
                "restore or a move of the state root: `si paas "
                f"context relocate {ctx.name}`)",
            )
        )
    for collection in ("targets", "apps"):
        owner = snap.state.raw_collection_owner(ctx, collection)
        if owner and (why := _foreign(ctx, owner, ids)):
            findings.append(Finding(rule=policy.id, path=owner["path"], message=why))
        for item in snap.state.items(ctx, collection):
            if why := _foreign(ctx, item, ids):
                findings.append(
                    Finding(
                        rule=policy.id,
                        path=str(snap.state.layout.collection_file(ctx.name, collection)),
                        message=f"{collection[:-1]} {item.get('name')!r}: {why}",
                    )
                )
    own_targets = {t["name"] for t in snap.state.items(ctx, "targets")}
    own_apps = {a["name"] for a in snap.state.items(ctx, "apps")}
    for path, doc in snap.state.extra_json_records(ctx):
        items = doc.get("items")
        records: list[Any] = items if isinstance(items, list) else [doc]
        for rec in records:
            if isinstance(rec, dict) and (why := _foreign(ctx, rec, ids)):
                findings.append(Finding(rule=policy.id, path=str(path), message=why))
            elif isinstance(rec, dict) and path.name == "deployments.json":
                findings.extend(_deploy_rows(policy, ctx, path, rec, ids, own_targets, own_apps, owned))
    for path, rec in snap.state.release_records(ctx):
        if why := _foreign(ctx, rec, ids):
            findings.append(Finding(rule=policy.id, path=str(path), message=f"release: {why}"))
        elif why := _foreign_ref(rec, own_targets, own_apps, owned, ctx):
            findings.append(Finding(rule=policy.id, path=str(path), message=f"release {why}"))
    for path, line, rec in snap.state.drill_records(ctx):
        if why := _foreign(ctx, rec, ids) or _foreign_ref(rec, own_targets, own_apps, owned, ctx):
            findings.append(
                Finding(rule=policy.id, path=str(path), line=line, message=f"drill record: {why}")
            )
    for path, line, event in snap.state.events(ctx):
        if why := _foreign(ctx, event, ids):
            findings.append(Finding(rule=policy.id, path=str(path), line=line, message=f"event: {why}"))
            continue
        for field_name, own, kind in (("target", own_targets, "targets"), ("app", own_apps, "apps")):
            ref = event.get(field_name)
            if ref and ref not in own and (others := owned[kind].get(ref)) and others != ctx.name:
                findings.append(
                    Finding(
                        rule=policy.id,
                        path=str(path),
                        line=line,
                        message=f"event refers to {field_name} {ref!r} of context {others!r}",
                    )
                )
    return findings


def _foreign_ref(
    rec: dict[str, Any],
    own_targets: set[str],
    own_apps: set[str],
    owned: dict[str, dict[str, str]],
    ctx: Context,
) -> str | None:
    """Why a record naming an app or target points at another context's, or None."""
    for field_name, own, kind in (("target", own_targets, "targets"), ("app", own_apps, "apps")):
        ref = rec.get(field_name)
        if ref and ref not in own and (others := owned[kind].get(ref)) and others != ctx.name:
            return f"refers to {field_name} {ref!r} of context {others!r}"
    return None


def _deploy_rows(
    policy: Policy,
    ctx: Context,
    path: Any,
    pair: dict[str, Any],
    ids: dict[str, str],
    own_targets: set[str],
    own_apps: set[str],
    owned: dict[str, dict[str, str]],
) -> list[Finding]:
    """deployments.json: each (app, target) and each history row belongs to this context."""
    findings = []
    if why := _foreign_ref(pair, own_targets, own_apps, owned, ctx):
        findings.append(Finding(rule=policy.id, path=str(path), message=f"deploy history {why}"))
    rows = pair.get("history")
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and (why := _foreign(ctx, row, ids)):
            findings.append(
                Finding(
                    rule=policy.id,
                    path=str(path),
                    message=f"deploy history row {row.get('row')} of "
                    f"{pair.get('app')}/{pair.get('target')}: {why}",
                )
            )
    return findings


@check_kind("state.no_cross_context_data")
def no_cross_context_data(snap: Snapshot, params: dict[str, Any], policy: Policy) -> list[Finding]:
    """No host, vault or id shared between contexts; no record or event of another context."""
    focus = {c.name for c in snap.state.focused()}
    ids = {c.context_id: c.name for c in snap.state.contexts}
    owned: dict[str, dict[str, str]] = {"targets": {}, "apps": {}}
    for ctx in snap.state.contexts:
        for kind in owned:
            for item in snap.state.items(ctx, kind):
                owned[kind].setdefault(item["name"], ctx.name)
    findings = _shared(snap, policy, focus)
    for ctx in snap.state.focused():
        findings.extend(_records(snap, policy, ctx, ids, owned))
    findings.extend(_vault_values(snap, policy, focus))
    findings.extend(_alert_channels(snap, policy, focus))
    return findings


def _alert_channels(snap: Snapshot, policy: Policy, focus: set[str]) -> list[Finding]:
    """One webhook URL (by keyed fingerprint) behind alert channels of two contexts.

    A channel's fingerprint is the one recorded when it was added plus the one its vault key
    holds now, so neither a later vault change nor a hand-copied policy file hides a reuse.
    """
    from si_paas.snapshot.operations import alert_channels

    by_key = {(c, k): fp for fp, owners in snap.state.vault_values.items() for c, k, _ in owners}
    users: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for ctx in snap.state.contexts:
        for channel in alert_channels(snap.state, ctx):
            for fp in (channel.get("url_fingerprint"), by_key.get((ctx.name, channel["url_ref"]))):
                if fp:
                    users[fp].add((ctx.name, channel["name"], ctx.type))
    findings = []
    for fp, owners in sorted(users.items()):
        names = sorted({c for c, _, _ in owners})
        if len(names) < 2 or not focus & set(names):
            continue
        leak = {"oss-demo", "internal-dogfood"} <= {t for _, _, t in owners}
        findings.append(
            Finding(
                rule=policy.id,
                severity="critical" if leak else None,
                message="alert channels of several contexts post to the same webhook URL: "
                + ", ".join(f"{c}/{n}" for c, n, _ in sorted(owners)),
                fingerprint=fp,
                extra={"kind": "shared-alert-channel", "contexts": names},
            )
        )
    return findings


def _vault_values(snap: Snapshot, policy: Policy, focus: set[str]) -> list[Finding]:
    """The same secret value (by keyed fingerprint) in two contexts' vaults."""
    index = snap.state.vault_values
    findings = []
    for fp, owners in sorted(index.items()):
        names = sorted({c for c, _, _ in owners})
        if len(names) < 2 or not focus & set(names):
            continue
        types = {t for _, _, t in owners}
        leak = {"oss-demo", "internal-dogfood"} <= types
        findings.append(
            Finding(
                rule=policy.id,
                severity="critical" if leak else None,
                message=(
                    "an internal-dogfood secret value sits in an oss-demo vault: "
                    if leak
                    else "the same secret value sits in several vaults: "
                )
                + ", ".join(f"{c}:{k}" for c, k, _ in owners),
                fingerprint=fp,
                extra={"kind": "shared-secret", "contexts": names},
            )
        )
    return findings
