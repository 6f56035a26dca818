"""Alerts of a context: channels, routes, silences, deduplication and the webhook payload.

`raise_alert` is the one entry point other commands call (deploy, backup, checklist,
escalation). It never raises and never changes the caller's exit code: a delivery that fails
is recorded in `events/alerts.jsonl` and becomes a warning on the caller's Invocation.

The payload is Alertmanager's webhook format (version "4"), so any receiver that takes
Alertmanager notifications takes these. Channel URLs and signing keys are vault secrets of
the context, read only at delivery time and never written or printed anywhere.
"""

from __future__ import annotations

import hashlib
import json
import secrets as pysecrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from si_paas.durations import format_duration, parse_duration
from si_paas.errors import ExitCode, InputError, SiPaasError, UsageError
from si_paas.services import delivery
from si_paas.services.invocation import Invocation, Result
from si_paas.services.pipeline import Call, command
from si_paas.state import alerts as store
from si_paas.state import fsio, jsonl
from si_paas.state.clock import actor, parse_time, utc_now
from si_paas.state.contexts import Context
from si_paas.state.events import append_event
from si_paas.state.layout import validate_name

SEVERITIES = ("critical", "warning", "info")
KINDS = ("deploy", "rollback", "health", "backup", "restore", "escalation", "checklist", "test")
ROUTE_KEYS = ("severity", "kind", "alertname", "app", "target", "condition", "check")
SILENCE_KEYS = (*ROUTE_KEYS, "context")
INCIDENT_RUNBOOK = "docs/PAAS_INCIDENT_RUNBOOK.md"
ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of a firing alert
MAX_TIMEOUT = timedelta(seconds=60)


# -- the alert and its fingerprint ------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """One alert: labels identify it (and make its fingerprint), annotations describe it."""

    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: str

    @property
    def fingerprint(self) -> str:
        """16 hex digits of SHA-256 over the sorted label set (as Alertmanager identifies alerts)."""
        text = json.dumps(self.labels, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def make_alert(
    ctx: Context,
    severity: str,
    kind: str,
    summary: str,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Alert:
    """The alert `raise_alert` sends; `alertname` defaults to `si-paas-<kind>`."""
    all_labels = {
        "alertname": f"si-paas-{kind}",
        **(labels or {}),
        "severity": severity,
        "kind": kind,
        "context": ctx.name,
    }
    notes = {"summary": summary, **(annotations or {})}
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return Alert({k: str(v) for k, v in all_labels.items()}, notes, when)


def webhook_payload(alert: Alert, receiver: str) -> dict[str, Any]:
    """Alertmanager's webhook body (version 4) for one firing alert."""
    group = {"alertname": alert.labels["alertname"]}
    return {
        "version": "4",
        "groupKey": "{}:" + json.dumps(group, sort_keys=True, separators=(",", ":")),
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": receiver,
        "groupLabels": group,
        "commonLabels": dict(alert.labels),
        "commonAnnotations": dict(alert.annotations),
        "externalURL": "",
        "alerts": [
            {
                "status": "firing",
                "labels": dict(alert.labels),
                "annotations": dict(alert.annotations),
                "startsAt": alert.starts_at,
                "endsAt": ZERO_TIME,
                "generatorURL": "",
                "fingerprint": alert.fingerprint,
            }
        ],
    }


# -- routing and silences ---------------------------------------------------------------------


def route(policy: dict[str, Any], labels: dict[str, str]) -> tuple[list[str], list[int]]:
    """(channels, indexes of the routes that matched): first match wins unless `continue`."""
    chosen: list[str] = []
    matched: list[int] = []
    for i, rule in enumerate(policy["routes"]):
        if all(labels.get(k) in values for k, values in rule["matchers"].items()):
            matched.append(i)
            chosen.extend(c for c in rule["channels"] if c not in chosen)
            if not rule.get("continue"):
                break
    if not matched:
        default = policy.get("default_channels")
        chosen = list(default) if default is not None else [c["name"] for c in policy["channels"]]
    return chosen, matched


def active_silence(
    silences: Iterable[dict[str, Any]], labels: dict[str, str], now: datetime
) -> dict[str, Any] | None:
    """The first silence in force at `now` whose matchers all equal the alert's labels."""
    for s in silences:
        if parse_time(s["starts_at"]) <= now < parse_time(s["ends_at"]) and all(
            labels.get(k) == v for k, v in s["matchers"].items()
        ):
            return s
    return None


# -- raising ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened to one raised alert, per channel."""

    fingerprint: str
    statuses: dict[str, str] = field(default_factory=dict)  # channel -> sent/failed/suppressed/silenced
    warnings: list[str] = field(default_factory=list)


def _record(inv: Invocation, ctx: Context, alert: Alert, status: str, **fields: Any) -> None:
    append_event(
        inv.layout,
        ctx,
        "alert",
        inv.command,
        status,
        fingerprint=alert.fingerprint,
        severity=alert.labels["severity"],
        alert_kind=alert.labels["kind"],
        labels=alert.labels,
        summary=alert.annotations.get("summary"),
        **fields,
    )


def alert_records(inv: Invocation, ctx: Context) -> list[dict[str, Any]]:
    """Every line of the context's `events/alerts.jsonl`, oldest first."""
    return [r for _, r in jsonl.read_lines(inv.layout.events_file(ctx.name, "alert"))]


def _recently(
    records: list[dict[str, Any]], fingerprint: str, channel: str | None, status: str, since: datetime
) -> bool:
    for r in reversed(records):
        if r.get("fingerprint") != fingerprint or r.get("status") != status:
            continue
        if channel is not None and r.get("channel") != channel:
            continue
        try:
            if parse_time(r["time"]) >= since:
                return True
        except (KeyError, ValueError):
            continue
    return False


def _channel_secrets(ctx: Context, channel: dict[str, Any]) -> tuple[str, str | None]:
    """The channel's URL and signing key, decrypted from the context's vault."""
    from si_paas.state import vault
    from si_paas.state.vaultkeys import load_context_key

    vf, values = vault.verified_entries(ctx, load_context_key(ctx.name, ctx.context_id))
    url = values.get(channel["url_ref"])
    if url is None:
        raise InputError(
            f"channel {channel['name']!r}: vault key {channel['url_ref']} is missing "
            f"from the vault of context {ctx.name!r}"
        )
    if not delivery.valid_webhook_url(url):
        raise InputError(
            f"channel {channel['name']!r}: vault key {channel['url_ref']} does not hold an http(s) URL"
        )
    sign_key = None
    if channel.get("sign_ref"):
        sign_key = values.get(channel["sign_ref"])
        if sign_key is None:
            raise InputError(
                f"channel {channel['name']!r}: vault key {channel['sign_ref']} is "
                f"missing from the vault of context {ctx.name!r}"
            )
    return url, sign_key


def _send(inv: Invocation, ctx: Context, alert: Alert, channel: dict[str, Any], delivery_id: str) -> str:
    """Deliver to one channel, recording every attempt; returns sent or failed."""
    try:
        url, sign_key = _channel_secrets(ctx, channel)
    except SiPaasError as exc:
        _record(
            inv,
            ctx,
            alert,
            "failed",
            channel=channel["name"],
            attempt=0,
            delivery=delivery_id,
            error=exc.message,
        )
        return "failed"
    body = json.dumps(webhook_payload(alert, channel["name"]), sort_keys=True).encode("utf-8")
    attempts = delivery.deliver(
        url,
        body,
        sign_key=sign_key,
        timeout=parse_duration(channel["timeout"]).total_seconds(),
        retries=int(channel["retries"]),
        backoff=parse_duration(channel["backoff"]).total_seconds(),
    )
    for a in attempts:
        _record(
            inv,
            ctx,
            alert,
            "sent" if a.ok else "failed",
            channel=channel["name"],
            attempt=a.attempt,
            http_status=a.http_status,
            error=a.error,
            elapsed_ms=a.elapsed_ms,
            delivery=delivery_id,
            signed=bool(sign_key),
        )
    return "sent" if attempts[-1].ok else "failed"


def _dispatch(
    inv: Invocation,
    ctx: Context,
    alert: Alert,
    *,
    test_channel: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Route, silence, deduplicate and deliver one alert, under the context's alert lock."""
    now = now or datetime.now(UTC)
    outcome = Outcome(alert.fingerprint)
    policy = store.read_policy(inv.layout, ctx)
    delivery_id = "dlv_" + pysecrets.token_hex(6)
    with fsio.locked(inv.layout.context_dir(ctx.name) / "alerts" / ".deliver.lock"):
        if policy is None or not policy["channels"]:
            _record(
                inv,
                ctx,
                alert,
                "failed",
                channel=None,
                attempt=0,
                delivery=delivery_id,
                error="no alert channel configured",
            )
            outcome.warnings.append(
                f"alerts not delivered: context {ctx.name!r} has no alert channel (si paas "
                f"--context {ctx.name} alert channel add webhook --name NAME --url-secret KEY)"
            )
            return outcome
        by_name = {c["name"]: c for c in policy["channels"]}
        if test_channel is not None:
            channels = [test_channel] if test_channel != "*" else list(by_name)
        else:
            channels, _ = route(policy, alert.labels)
            silence = active_silence(store.read_silences(inv.layout, ctx), alert.labels, now)
            if silence is not None:
                _record(
                    inv, ctx, alert, "silenced", channel=None, silence=silence["id"], delivery=delivery_id
                )
                outcome.statuses = dict.fromkeys(channels, "silenced")
                return outcome
        records = alert_records(inv, ctx)
        repeat = parse_duration(policy["repeat_interval"])
        ack_window = parse_duration(policy.get("ack_window") or store.DEFAULT_ACK_WINDOW)
        for name in channels:
            if test_channel is None:
                if _recently(records, alert.fingerprint, None, "acked", now - ack_window):
                    _record(
                        inv,
                        ctx,
                        alert,
                        "suppressed",
                        channel=name,
                        reason="acknowledged",
                        delivery=delivery_id,
                    )
                    outcome.statuses[name] = "suppressed"
                    continue
                if _recently(records, alert.fingerprint, name, "sent", now - repeat):
                    _record(
                        inv,
                        ctx,
                        alert,
                        "suppressed",
                        channel=name,
                        reason=f"sent within the repeat interval ({policy['repeat_interval']})",
                        delivery=delivery_id,
                    )
                    outcome.statuses[name] = "suppressed"
                    continue
            outcome.statuses[name] = _send(inv, ctx, alert, by_name[name], delivery_id)
            if outcome.statuses[name] == "failed":
                outcome.warnings.append(
                    f"alert {alert.labels['alertname']} ({alert.fingerprint}) not delivered to "
                    f"channel {name!r}; see `si paas --context {ctx.name} alert history`"
                )
    return outcome


def raise_alert(
    inv: Invocation,
    severity: str,
    kind: str,
    summary: str,
    labels: dict[str, str] | None = None,
    *,
    ctx: Context | None = None,
    annotations: dict[str, str] | None = None,
) -> Outcome | None:
    """Raise an alert in `ctx` (default: the command's resolved context). Never raises.

    Routing, silences and deduplication decide which channels are sent to; every attempt is
    recorded. Problems (no channel, a failed delivery, an unreadable alert policy) become
    warnings on `inv`, so the caller's exit code and message stay its own.
    """
    target = ctx or inv.resolved
    if target is None or not inv.layout.config_file(target.name).is_file():
        return None  # a context not (yet) on disk has no alert log to write to
    try:
        alert = make_alert(target, severity, kind, summary, labels, annotations)
        outcome = _dispatch(inv, target, alert)
    except (SiPaasError, OSError, ValueError) as exc:
        message = exc.message if isinstance(exc, SiPaasError) else type(exc).__name__
        inv.warnings.append(f"alert ({kind}, {severity}) not delivered: {message}")
        return None
    inv.warnings.extend(w for w in outcome.warnings if w not in inv.warnings)
    return outcome


# -- commands ---------------------------------------------------------------------------------


def _duration(
    flag: str, text: str, *, at_least: timedelta = timedelta(milliseconds=1), at_most: timedelta | None = None
) -> str:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None
    if value < at_least or (at_most is not None and value > at_most):
        bound = f" and at most {format_duration(at_most)}" if at_most else ""
        raise UsageError(f"{flag} {text}: must be at least {format_duration(at_least)}{bound}")
    return text


def _policy(inv: Invocation, ctx: Context) -> dict[str, Any]:
    return store.read_policy(inv.layout, ctx) or store.empty_policy(ctx)


def _vault_entries(ctx: Context) -> dict[str, Any]:
    from si_paas.state import vault

    return dict(vault.load_vault(ctx).entries)


def _channel_view(ctx: Context, channel: dict[str, Any], entries: dict[str, Any]) -> dict[str, Any]:
    """A channel as shown: key names and short fingerprints, never a value."""

    def shown(ref: str | None) -> dict[str, Any] | None:
        if not ref:
            return None
        entry = entries.get(ref)
        return {
            "key": ref,
            "present": entry is not None,
            "fingerprint": entry.short_fingerprint if entry is not None else None,
        }

    return {
        "name": channel["name"],
        "type": channel["type"],
        "url": shown(channel["url_ref"]),
        "signing": shown(channel.get("sign_ref")),
        "timeout": channel["timeout"],
        "retries": channel["retries"],
        "backoff": channel["backoff"],
    }


def _check_channel(
    call: Call, name: str, url_ref: str, sign_ref: str | None, timeout: str, retries: int, backoff: str
) -> None:
    from si_paas.state import vault

    validate_name(name, "channel")
    vault.validate_key_name(url_ref)
    if sign_ref:
        vault.validate_key_name(sign_ref)
    _duration("--timeout", timeout, at_most=MAX_TIMEOUT)
    _duration("--backoff", backoff, at_least=timedelta(0), at_most=timedelta(seconds=30))
    if not 0 <= retries <= 10:
        raise UsageError(f"--retries {retries}: must be between 0 and 10")


@command(
    "alert channel add webhook",
    context="explicit",
    gate="change",
    proposal=True,
    check=_check_channel,
    reports="alert channel add",
)
def channel_add(
    call: Call, name: str, url_ref: str, sign_ref: str | None, timeout: str, retries: int, backoff: str
) -> Result:
    """Add a webhook channel whose URL (and signing key) are vault secrets of the context."""
    inv, ctx = call.inv, call.ctx
    policy = _policy(inv, ctx)
    if any(c["name"] == name for c in policy["channels"]):
        raise UsageError(
            f"channel {name!r} already exists in context {ctx.name!r} "
            f"(remove it first: alert channel remove {name})"
        )
    entries = _vault_entries(ctx)
    for flag, ref in (("--url-secret", url_ref), ("--sign-secret", sign_ref)):
        if ref and ref not in entries:
            raise UsageError(
                f"{flag} {ref}: no such key in the vault of context {ctx.name!r} "
                f"(store it first: si paas --context {ctx.name} secret set {ref})"
            )
    try:
        url, _ = _channel_secrets(ctx, {"name": name, "url_ref": url_ref, "sign_ref": sign_ref})
    except InputError as exc:
        raise UsageError(exc.message) from None
    del url
    channel: dict[str, Any] = {
        "name": name,
        "type": "webhook",
        "url_ref": url_ref,
        "timeout": timeout,
        "retries": retries,
        "backoff": backoff,
        "created_at": utc_now(),
    }
    xfp = entries[url_ref].shared_fingerprint
    if xfp:
        channel["url_fingerprint"] = xfp
    if sign_ref:
        channel["sign_ref"] = sign_ref
    channels = [*policy["channels"], channel]
    call.gate(overlay_items={(ctx.name, "alert-channels"): channels})
    with fsio.locked(inv.layout.lock_file(ctx.name)):
        current = _policy(inv, ctx)
        current["channels"] = [*current["channels"], channel]
        store.write_policy(inv.layout, ctx, current)
    view = _channel_view(ctx, channel, entries)
    inv.audit_args["url_fingerprint"] = view["url"]["fingerprint"]
    return Result({"channel": view}, context=ctx.name)


@command("alert channel remove", context="explicit", gate="change")
def channel_remove(call: Call, name: str) -> Result:
    """Remove a channel and every route's reference to it."""
    inv, ctx = call.inv, call.ctx
    with fsio.locked(inv.layout.lock_file(ctx.name)):
        policy = _policy(inv, ctx)
        if not any(c["name"] == name for c in policy["channels"]):
            raise UsageError(f"unknown channel {name!r} in context {ctx.name!r}")
        policy["channels"] = [c for c in policy["channels"] if c["name"] != name]
        routes = []
        for r in policy["routes"]:
            kept = [c for c in r["channels"] if c != name]
            if kept:
                routes.append({**r, "channels": kept})
        policy["routes"] = routes
        if policy.get("default_channels") is not None:
            policy["default_channels"] = [c for c in policy["default_channels"] if c != name]
        store.write_policy(inv.layout, ctx, policy)
    return Result({"removed": name}, context=ctx.name)


def _policy_view(inv: Invocation, ctx: Context, policy: dict[str, Any] | None) -> dict[str, Any]:
    shown = policy or store.empty_policy(ctx)
    entries = _vault_entries(ctx)
    return {
        "configured": policy is not None,
        "file": str(store.policy_file(inv.layout, ctx.name)),
        "repeat_interval": shown["repeat_interval"],
        "ack_window": shown.get("ack_window") or store.DEFAULT_ACK_WINDOW,
        "default_channels": shown.get("default_channels"),
        "channels": [_channel_view(ctx, c, entries) for c in shown["channels"]],
        "routes": shown["routes"],
    }


@command("alert policy show", context="required", gate="read")
def policy_show(call: Call) -> Result:
    """The context's channels (by key name and fingerprint) and routes."""
    inv, ctx = call.inv, call.ctx
    return Result({"policy": _policy_view(inv, ctx, store.read_policy(inv.layout, ctx))}, context=ctx.name)


def _label_values(flag: str, key: str, values: list[str]) -> list[str]:
    if key not in ROUTE_KEYS:
        raise UsageError(f"{flag}: unknown route key {key!r} (known: {', '.join(ROUTE_KEYS)})")
    allowed = {"severity": SEVERITIES, "kind": KINDS}.get(key)
    for v in values:
        if not v:
            raise UsageError(f"{flag}: empty value for {key}")
        if allowed and v not in allowed:
            raise UsageError(f"{flag}: unknown {key} {v!r} (known: {', '.join(allowed)})")
    return values


def parse_route(text: str, known_channels: set[str]) -> dict[str, Any]:
    """`severity=critical,kind=deploy|rollback -> ops,pager [+continue]` as a route."""
    flag = f"--route {text!r}"
    left, arrow, right = text.partition("->")
    if not arrow:
        raise UsageError(
            f"{flag}: expected MATCHERS -> CHANNELS, e.g. 'severity=critical,kind=deploy -> ops'"
        )
    right = right.strip()
    cont = right.endswith("+continue")
    if cont:
        right = right[: -len("+continue")].strip()
    matchers: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in left.split(","))):
        key, eq, value = part.partition("=")
        if not eq:
            raise UsageError(f"{flag}: matcher {part!r} is not KEY=VALUE")
        matchers[key.strip()] = _label_values(flag, key.strip(), [v.strip() for v in value.split("|")])
    channels = [c.strip() for c in right.split(",") if c.strip()]
    if not channels:
        raise UsageError(f"{flag}: no channel after '->'")
    for c in channels:
        if c not in known_channels:
            raise UsageError(f"{flag}: unknown channel {c!r}")
    rule: dict[str, Any] = {"matchers": matchers, "channels": channels}
    if cont:
        rule["continue"] = True
    return rule


def _check_intervals(
    call: Call,
    routes: tuple[str, ...],
    default: str | None,
    repeat_interval: str | None,
    ack_window: str | None,
    *_: Any,
) -> None:
    if repeat_interval:
        _duration("--repeat-interval", repeat_interval, at_least=timedelta(seconds=1))
    if ack_window:
        _duration("--ack-window", ack_window, at_least=timedelta(seconds=1))


@command("alert policy set", context="explicit", gate="change", check=_check_intervals)
def policy_set(
    call: Call,
    routes: tuple[str, ...],
    default: str | None,
    repeat_interval: str | None,
    ack_window: str | None,
    clear_routes: bool,
) -> Result:
    """Change routes, default channels and intervals; the rest of the policy is kept."""
    inv, ctx = call.inv, call.ctx
    with fsio.locked(inv.layout.lock_file(ctx.name)):
        policy = _policy(inv, ctx)
        known = {c["name"] for c in policy["channels"]}
        new_routes = [parse_route(r, known) for r in routes]
        if clear_routes:
            policy["routes"] = []
        policy["routes"] = [*policy["routes"], *new_routes]
        if default is not None:
            if default == "all":
                policy["default_channels"] = None
            else:
                names = [c.strip() for c in default.split(",") if c.strip()]
                for c in names:
                    if c not in known:
                        raise UsageError(f"--default: unknown channel {c!r}")
                policy["default_channels"] = names
        if repeat_interval:
            policy["repeat_interval"] = repeat_interval
        if ack_window:
            policy["ack_window"] = ack_window
        store.write_policy(inv.layout, ctx, policy)
    return Result({"policy": _policy_view(inv, ctx, policy)}, context=ctx.name)


def parse_pairs(pairs: tuple[str, ...], flag: str, keys: tuple[str, ...]) -> dict[str, str]:
    """`key=value` flags as a dict; an unknown key or a pair without `=` is a UsageError."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not value:
            raise UsageError(f"{flag} {pair!r}: expected KEY=VALUE")
        if key not in keys:
            raise UsageError(f"{flag} {pair!r}: unknown key {key!r} (known: {', '.join(keys)})")
        out[key] = value
    return out


def _route_labels(severity: str, kind: str, labels: tuple[str, ...]) -> dict[str, str]:
    extra = parse_pairs(labels, "--label", tuple(k for k in ROUTE_KEYS if k not in ("severity", "kind")))
    _label_values("--severity", "severity", [severity])
    _label_values("--kind", "kind", [kind])
    return extra


def _check_route(call: Call, severity: str, kind: str, labels: tuple[str, ...]) -> None:
    _route_labels(severity, kind, labels)


@command("alert route test", context="required", gate="none", check=_check_route)
def route_test(call: Call, severity: str, kind: str, labels: tuple[str, ...]) -> Result:
    """Which channels an alert with these labels reaches (and whether it is silenced); sends nothing."""
    extra = _route_labels(severity, kind, labels)
    inv, ctx = call.inv, call.ctx
    policy = _policy(inv, ctx)
    alert = make_alert(ctx, severity, kind, "route test", extra)
    channels, matched = route(policy, alert.labels)
    silence = active_silence(store.read_silences(inv.layout, ctx), alert.labels, datetime.now(UTC))
    return Result(
        {
            "labels": alert.labels,
            "fingerprint": alert.fingerprint,
            "channels": channels,
            "matched_routes": matched,
            "default": not matched,
            "silenced_by": silence["id"] if silence else None,
        },
        context=ctx.name,
    )


@command("alert test", context="required", gate="none")
def test(call: Call, channel: str | None) -> Result:
    """Send a test alert (kind `test`) to one channel or all; exit 1 when a delivery fails."""
    inv, ctx = call.inv, call.ctx
    policy = store.read_policy(inv.layout, ctx)
    names = [c["name"] for c in (policy or {"channels": []})["channels"]]
    if channel is not None and channel not in names:
        raise UsageError(
            f"--channel {channel}: unknown channel in context {ctx.name!r}"
            + (f" (known: {', '.join(names)})" if names else "")
        )
    if not names:
        raise UsageError(
            f"context {ctx.name!r} has no alert channel: add one with "
            f"si paas --context {ctx.name} alert channel add webhook --name NAME "
            "--url-secret KEY"
        )
    alert = make_alert(
        ctx, "info", "test", f"test alert from si paas ({ctx.name})", {"alertname": "si-paas-test"}
    )
    outcome = _dispatch(inv, ctx, alert, test_channel=channel or "*")
    ok = all(s == "sent" for s in outcome.statuses.values())
    items = [{"channel": n, "status": s} for n, s in outcome.statuses.items()]
    return Result(
        {"fingerprint": alert.fingerprint, "items": items, "count": len(items)},
        context=ctx.name,
        ok=ok,
        exit_code=ExitCode.OK if ok else ExitCode.POLICY_FAILED,
    )


def _check_limit(call: Call, limit: int) -> None:
    if limit < 1:
        raise UsageError(f"--limit {limit}: must be 1 or more")


@command("alert history", context="required", gate="read", check=_check_limit)
def history(call: Call, limit: int) -> Result:
    """Alert records newest first (every attempt, suppression, silence and ack)."""
    inv, ctx = call.inv, call.ctx
    records = list(reversed(alert_records(inv, ctx)))[:limit]
    items = [
        {
            k: r.get(k)
            for k in (
                "time",
                "status",
                "fingerprint",
                "severity",
                "alert_kind",
                "channel",
                "attempt",
                "http_status",
                "error",
                "reason",
                "summary",
                "command",
                "note",
                "actor",
            )
            if r.get(k) is not None
        }
        for r in records
    ]
    return Result({"items": items, "count": len(items)}, context=ctx.name)


@command("alert ack", context="explicit", gate="none")
def ack(call: Call, fingerprint: str, note: str | None) -> Result:
    """Acknowledge an alert: its repeats are not sent for the policy's ack window."""
    inv, ctx = call.inv, call.ctx
    records = alert_records(inv, ctx)
    last = next((r for r in reversed(records) if r.get("fingerprint") == fingerprint), None)
    if last is None:
        raise UsageError(
            f"no alert with fingerprint {fingerprint!r} in context {ctx.name!r} (see `alert history`)"
        )
    append_event(
        inv.layout,
        ctx,
        "alert",
        inv.command,
        "acked",
        fingerprint=fingerprint,
        severity=last.get("severity"),
        alert_kind=last.get("alert_kind"),
        labels=last.get("labels"),
        summary=last.get("summary"),
        note=note,
    )
    return Result({"fingerprint": fingerprint, "acked_by": actor(), "note": note}, context=ctx.name)


def _until(text: str, now: datetime) -> datetime:
    try:
        return now + parse_duration(text)
    except ValueError:
        pass
    try:
        return parse_time(text)
    except ValueError:
        raise UsageError(
            f"--until {text!r}: expected an ISO 8601 time (2026-01-31T12:00:00Z) or a duration (2h, 3d)"
        ) from None


def _silence(
    matchers: tuple[str, ...], until: str | None, comment: str | None
) -> tuple[dict[str, str], datetime, datetime]:
    """The silence's matchers, start and end, or a UsageError naming the flag."""
    if not matchers:
        raise UsageError("--matcher: a silence needs at least one KEY=VALUE matcher")
    found = parse_pairs(matchers, "--matcher", SILENCE_KEYS)
    for key in ("severity", "kind"):
        if key in found:
            _label_values("--matcher", key, [found[key]])
    if not until:
        raise UsageError("--until: a silence needs an end time (ISO 8601 or a duration like 2h)")
    if not comment or not comment.strip():
        raise UsageError("--comment: a silence needs a comment saying why")
    now = datetime.now(UTC)
    ends = _until(until, now)
    if ends <= now:
        raise UsageError(f"--until {until!r}: is in the past")
    return found, now, ends


def _check_silence(call: Call, matchers: tuple[str, ...], until: str | None, comment: str | None) -> None:
    _silence(matchers, until, comment)


@command("alert silence add", context="explicit", gate="none", check=_check_silence)
def silence_add(call: Call, matchers: tuple[str, ...], until: str | None, comment: str | None) -> Result:
    """A silence: alerts whose labels equal every matcher are recorded, not sent, until its end."""
    found, now, ends = _silence(matchers, until, comment)
    assert comment is not None  # _silence refuses a silence without one
    inv, ctx = call.inv, call.ctx
    item = {
        "id": "sil_" + pysecrets.token_hex(6),
        "matchers": found,
        "starts_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "ends_at": ends.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "created_by": actor(),
        "comment": comment.strip(),
    }
    with fsio.locked(inv.layout.lock_file(ctx.name)):
        store.write_silences(inv.layout, ctx, [*store.read_silences(inv.layout, ctx), item])
    inv.audit_args["silence"] = item["id"]
    return Result({"silence": item}, context=ctx.name)


@command("alert silence list", context="required", gate="none")
def silence_list(call: Call, include_expired: bool) -> Result:
    """Silences in force (or all with --all), with their matchers, end, author and comment."""
    inv, ctx = call.inv, call.ctx
    now = datetime.now(UTC)
    items = []
    for s in store.read_silences(inv.layout, ctx):
        active = parse_time(s["starts_at"]) <= now < parse_time(s["ends_at"])
        if active or include_expired:
            items.append({**s, "active": active})
    return Result({"items": items, "count": len(items)}, context=ctx.name)


@command("alert silence expire", context="explicit", gate="none")
def silence_expire(call: Call, silence_id: str) -> Result:
    """End a silence now (kept in the file, marked with who expired it)."""
    inv, ctx = call.inv, call.ctx
    now = utc_now()
    with fsio.locked(inv.layout.lock_file(ctx.name)):
        items = store.read_silences(inv.layout, ctx)
        hit = next((s for s in items if s["id"] == silence_id), None)
        if hit is None:
            raise UsageError(f"unknown silence {silence_id!r} in context {ctx.name!r}")
        if parse_time(hit["ends_at"]) > parse_time(now):
            hit["ends_at"] = now
        hit["expired_by"] = actor()
        store.write_silences(inv.layout, ctx, items)
    return Result({"silence": hit}, context=ctx.name)


@command("alert channel list", context="required", gate="read")
def channel_list(call: Call) -> Result:
    """Channels of the context: name, type, vault key names and fingerprints."""
    inv, ctx = call.inv, call.ctx
    items = _policy_view(inv, ctx, store.read_policy(inv.layout, ctx))["channels"]
    return Result({"items": items, "count": len(items)}, context=ctx.name)
