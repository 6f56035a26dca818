"""Read-only views of a context's operational records, for the checklist and escalation checks.

Each reader caches on the `StateSnapshot`, so a record file is read at most once per command.
The readers of other capabilities' records (drills, backup verifications) are kept here, one
small function each, so aligning them with their writers is a one-place change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from si_paas.state import jsonl

if TYPE_CHECKING:
    from si_paas.snapshot.state import StateSnapshot
    from si_paas.state.contexts import Context

ALERT_CHANNELS = "alert-channels"  # overlay key: (context name, ALERT_CHANNELS) -> channels


def _cache(state: StateSnapshot) -> dict[tuple[str, str], Any]:
    cache: dict[tuple[str, str], Any] = state.__dict__.setdefault("_operations_cache", {})
    return cache


def context_jsonl(state: StateSnapshot, ctx: Context, rel: str) -> list[dict[str, Any]]:
    """Records of `contexts/<ctx>/<rel>` (JSON lines), oldest first; a missing file is empty."""
    key = (ctx.name, rel)
    cache = _cache(state)
    if key not in cache:
        path = state.layout.context_dir(ctx.name) / rel
        cache[key] = [record for _, record in jsonl.read_lines(path)]
    records: list[dict[str, Any]] = cache[key]
    return records


def alert_policy(state: StateSnapshot, ctx: Context) -> dict[str, Any] | None:
    """The context's alert policy (validated), or None; a proposed channel list overrides."""
    key = (ctx.name, "alerts/policy.json")
    cache = _cache(state)
    if key not in cache:
        from si_paas.state.alerts import read_policy

        cache[key] = read_policy(state.layout, ctx)
    policy: dict[str, Any] | None = cache[key]
    proposed = state.overlay_items.get((ctx.name, ALERT_CHANNELS))
    if proposed is not None:
        from si_paas.state.alerts import empty_policy

        policy = {**(policy or empty_policy(ctx)), "channels": proposed}
    return policy


def alert_channels(state: StateSnapshot, ctx: Context) -> list[dict[str, Any]]:
    """The context's alert channels, with any proposed change applied."""
    policy = alert_policy(state, ctx)
    return list(policy["channels"]) if policy else []


def alert_events(state: StateSnapshot, ctx: Context) -> list[dict[str, Any]]:
    """Every alert record (delivery attempts, suppressions, silences, acks), oldest first."""
    return context_jsonl(state, ctx, "events/alerts.jsonl")


def drill_records(state: StateSnapshot, ctx: Context) -> list[dict[str, Any]]:
    """Rollback drill records (`drills.jsonl`: id, app, target, actor, start, end, status, steps)."""
    return context_jsonl(state, ctx, "drills.jsonl")


def backup_verifications(state: StateSnapshot, ctx: Context) -> list[dict[str, Any]]:
    """Backup events (`events/backups.jsonl`): one per `backup create` and `backup verify` run.

    A verification carries `snapshot`, `level` (manifest, archive or read-data), `ok` and
    `failed` (what failed); a create carries `snapshot` and `command: backup create`.
    """
    return [
        r for r in context_jsonl(state, ctx, "events/backups.jsonl") if r.get("kind", "backup") == "backup"
    ]


def vault_keys(state: StateSnapshot, ctx: Context) -> frozenset[str]:
    """Key names present in the context's vault (read from the file; nothing is decrypted)."""
    key = (ctx.name, "vault-keys")
    cache = _cache(state)
    if key not in cache:
        from pathlib import Path

        from si_paas.errors import InputError
        from si_paas.state.vault import read_vault

        try:
            cache[key] = frozenset(read_vault(Path(ctx.vault_file), strict=False).entries)
        except InputError:
            cache[key] = frozenset()
    keys: frozenset[str] = cache[key]
    return keys
