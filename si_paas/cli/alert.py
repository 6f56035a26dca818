"""`si paas alert ...`: channels, routes, test deliveries, history, acks and silences."""

from __future__ import annotations

from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.services import alerts as svc


@click.group()
def alert() -> None:
    """Alerts of a context, delivered as Alertmanager-compatible webhooks.

    A channel's URL and signing key are vault secrets of the context, named by key;
    they are never printed (shown as key name and fingerprint). See docs/alerts.md.

    \b
    printf '%s' "$URL" | si paas --context oss-demo secret set ALERT_WEBHOOK_URL
    si paas --context oss-demo alert channel add webhook --name ops --url-secret ALERT_WEBHOOK_URL
    si paas --context oss-demo alert test
    """


@alert.group()
def channel() -> None:
    """Notification channels (add webhook, list, remove)."""


@channel.group("add")
def channel_add() -> None:
    """Add a channel of a type (webhook)."""


def _channel_line(p: dict[str, Any]) -> None:
    c = p["channel"]
    signing = f", signed with {c['signing']['key']} ({c['signing']['fingerprint']})" if c["signing"] else ""
    human.out().print(
        f"channel {c['name']} ({c['type']}) in context {p['context']}: URL from "
        f"{c['url']['key']} ({c['url']['fingerprint']}){signing}, timeout "
        f"{c['timeout']}, {c['retries']} retries",
        markup=False,
    )


@channel_add.command("webhook")
@click.option("--name", required=True, help="Channel name, used by routes.")
@click.option(
    "--url-secret",
    "url_ref",
    required=True,
    metavar="KEY",
    help="Vault key holding the webhook URL (http or https).",
)
@click.option(
    "--sign-secret",
    "sign_ref",
    metavar="KEY",
    help="Vault key holding an HMAC-SHA256 signing key; signs every body.",
)
@click.option("--timeout", default="5s", show_default=True, help="Per-attempt timeout (max 60s).")
@click.option(
    "--retries", type=int, default=2, show_default=True, help="Extra attempts after a failure (0-10)."
)
@click.option(
    "--backoff",
    default="1s",
    show_default=True,
    help="Wait before the first retry; doubles each time (max 30s).",
)
@command_options
@declared(svc.channel_add)
def webhook(
    name: str, url_ref: str, sign_ref: str | None, timeout: str, retries: int, backoff: str, **_: Any
) -> None:
    """Add a webhook channel; URL and signing key are read from the context's vault.

    \b
    si paas --context internal-dogfood alert channel add webhook --name ops \\
        --url-secret ALERT_WEBHOOK_URL --sign-secret ALERT_WEBHOOK_HMAC --timeout 5s --retries 2
    """
    run(name, url_ref, sign_ref, timeout, retries, backoff, render=_channel_line)


@channel.command("list")
@command_options
@declared(svc.channel_list)
def channel_list(**_: Any) -> None:
    """List channels: name, vault key names and fingerprints (never the URL)."""

    def render(p: dict[str, Any]) -> None:
        rows = [
            {
                "name": c["name"],
                "type": c["type"],
                "url": f"{c['url']['key']} {c['url']['fingerprint'] or 'MISSING'}",
                "signing": (
                    f"{c['signing']['key']} {c['signing']['fingerprint'] or 'MISSING'}"
                    if c["signing"]
                    else "-"
                ),
                "timeout": c["timeout"],
                "retries": c["retries"],
            }
            for c in p["items"]
        ]
        human.items_table(
            f"alert channels of {p['context']}",
            rows,
            ["name", "type", "url", "signing", "timeout", "retries"],
        )

    run(render=render)


@channel.command("remove")
@click.argument("name")
@command_options
@declared(svc.channel_remove)
def channel_remove(name: str, **_: Any) -> None:
    """Remove a channel and its references from routes."""
    run(name, render=lambda p: human.out().print(f"removed channel {name} from {p['context']}", markup=False))


@alert.group()
def policy() -> None:
    """The context's alert policy: routes from severity and kind to channels."""


def _policy(p: dict[str, Any]) -> None:
    pol = p["policy"]
    human.out().print(
        f"alert policy of {p['context']} ({pol['file']}{'' if pol['configured'] else ', not configured'})",
        markup=False,
    )
    defaults = pol["default_channels"]
    shown = ", ".join(defaults) if defaults is not None else "all"
    human.out().print(
        f"repeat interval {pol['repeat_interval']}, ack window {pol['ack_window']}, "
        f"default channels: {shown or '(none)'}",
        markup=False,
    )
    rows = [
        {
            "#": i,
            "matchers": ", ".join(f"{k}={'|'.join(v)}" for k, v in r["matchers"].items()) or "*",
            "channels": ", ".join(r["channels"]),
            "continue": bool(r.get("continue")),
        }
        for i, r in enumerate(pol["routes"])
    ]
    human.items_table(
        "routes (first match wins unless continue)", rows, ["#", "matchers", "channels", "continue"]
    )


@policy.command("show")
@command_options
@declared(svc.policy_show)
def policy_show(**_: Any) -> None:
    """Show channels (by key name and fingerprint), routes and intervals."""
    run(render=_policy)


@policy.command("set")
@click.option(
    "--route",
    "routes",
    multiple=True,
    metavar="MATCHERS->CHANNELS",
    help="Append a route, e.g. 'severity=critical,kind=deploy|rollback -> ops'; "
    "end with '+continue' to keep matching. Keys: " + ", ".join(svc.ROUTE_KEYS) + ".",
)
@click.option("--clear-routes", is_flag=True, help="Drop existing routes before appending.")
@click.option(
    "--default",
    metavar="CHANNELS|all",
    help="Channels for alerts no route matches (comma-separated, or 'all').",
)
@click.option(
    "--repeat-interval",
    metavar="DURATION",
    help="Do not resend the same alert to a channel within this interval (default 4h).",
)
@click.option(
    "--ack-window",
    metavar="DURATION",
    help="An acknowledged alert is not resent within this window (default 24h).",
)
@command_options
@declared(svc.policy_set)
def policy_set(
    routes: tuple[str, ...],
    clear_routes: bool,
    default: str | None,
    repeat_interval: str | None,
    ack_window: str | None,
    **_: Any,
) -> None:
    """Change routes, default channels and intervals.

    \b
    si paas --context internal-dogfood alert policy set --clear-routes \\
        --route 'severity=critical -> pager +continue' --route 'kind=backup|deploy -> ops' \\
        --default ops --repeat-interval 4h
    """
    run(routes, default, repeat_interval, ack_window, clear_routes, render=_policy)


@alert.group("route")
def route_group() -> None:
    """Try the routes without sending anything."""


@route_group.command("test")
@click.option("--severity", required=True, help="critical, warning or info.")
@click.option(
    "--kind", required=True, help="deploy, rollback, health, backup, restore, escalation, checklist or test."
)
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="More labels (app, target, ...).")
@command_options
@declared(svc.route_test)
def route_test(severity: str, kind: str, labels: tuple[str, ...], **_: Any) -> None:
    """Show which channels an alert with these labels reaches (sends nothing).

    \b
    si paas --context internal-dogfood alert route test --severity critical --kind deploy
    """

    def render(p: dict[str, Any]) -> None:
        via = "default channels" if p["default"] else "routes " + ", ".join(map(str, p["matched_routes"]))
        chans = ", ".join(p["channels"]) or "(none)"
        silenced = f"; silenced by {p['silenced_by']}" if p["silenced_by"] else ""
        human.out().print(f"{chans} (via {via}){silenced}", markup=False)

    run(severity, kind, labels, render=render)


@alert.command("test")
@click.option("--channel", metavar="NAME", help="Only this channel (default: every channel).")
@command_options
@declared(svc.test)
def test_cmd(channel: str | None, **_: Any) -> None:
    """Send a real test alert; exit 1 when a delivery fails.

    A successful test within the week is the checklist's evidence that alerting works.
    """
    run(
        channel,
        render=lambda p: human.items_table(
            f"test alert {p['fingerprint']}", p["items"], ["channel", "status"]
        ),
    )


@alert.command("history")
@click.option("--limit", type=int, default=50, show_default=True, help="At most N records.")
@command_options
@declared(svc.history)
def history(limit: int, **_: Any) -> None:
    """Every delivery attempt, suppression, silence and ack, newest first."""
    run(
        limit,
        render=lambda p: human.items_table(
            f"alerts of {p['context']}",
            p["items"],
            [
                "time",
                "status",
                "fingerprint",
                "severity",
                "alert_kind",
                "channel",
                "attempt",
                "http_status",
                "error",
                "summary",
            ],
        ),
    )


@alert.command("ack")
@click.argument("fingerprint")
@click.option("--note", help="Why, or who is on it.")
@command_options
@declared(svc.ack)
def ack(fingerprint: str, note: str | None, **_: Any) -> None:
    """Acknowledge an alert: repeats are not sent within the ack window."""
    run(
        fingerprint,
        note,
        render=lambda p: human.out().print(f"acknowledged {fingerprint} ({p['acked_by']})", markup=False),
    )


@alert.group()
def silence() -> None:
    """Silences: matching alerts are recorded as silenced, not sent."""


@silence.command("add")
@click.option(
    "--matcher",
    "matchers",
    multiple=True,
    metavar="KEY=VALUE",
    help="Label that must equal (repeatable), e.g. kind=backup.",
)
@click.option("--until", metavar="TIME|DURATION", help="End: ISO 8601 time or a duration (2h). Required.")
@click.option("--comment", help="Why. Required.")
@command_options
@declared(svc.silence_add)
def silence_add(matchers: tuple[str, ...], until: str | None, comment: str | None, **_: Any) -> None:
    """Silence matching alerts until a time.

    \b
    si paas --context oss-demo alert silence add --matcher kind=backup --until 2h \\
        --comment "backup host maintenance"
    """
    run(
        matchers,
        until,
        comment,
        render=lambda p: human.out().print(
            f"silence {p['silence']['id']} until {p['silence']['ends_at']}", markup=False
        ),
    )


@silence.command("list")
@click.option("--all", "include_expired", is_flag=True, help="Include expired silences.")
@command_options
@declared(svc.silence_list)
def silence_list(include_expired: bool, **_: Any) -> None:
    """Silences in force."""
    run(
        include_expired,
        render=lambda p: human.items_table(
            f"silences of {p['context']}",
            p["items"],
            ["id", "matchers", "starts_at", "ends_at", "created_by", "comment", "active"],
        ),
    )


@silence.command("expire")
@click.argument("silence_id", metavar="ID")
@command_options
@declared(svc.silence_expire)
def silence_expire(silence_id: str, **_: Any) -> None:
    """End a silence now."""
    run(silence_id, render=lambda p: human.out().print(f"expired {silence_id}", markup=False))
