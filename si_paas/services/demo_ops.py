"""The demo's last act (runbook sections 8-9): alerts, the weekly checklist green, then red.

A webhook receiver runs on 127.0.0.1 inside the demo process for its duration. The
checklist's other evidence comes from the walk-through's own earlier steps: the rollback
drill in internal-dogfood and a verified backup of each context.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from si_paas.services.demo import Step


@contextmanager
def receiver() -> Iterator[int]:
    """A webhook receiver on a free loopback port that answers 200; yields the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def plan(port: int) -> list[Step]:
    """Channels in both contexts, a test delivery each, the checklist green, then one item broken."""
    steps: list[Step] = []
    for name in ("internal-dogfood", "oss-demo"):
        key = "ALERT_WEBHOOK_URL"
        ctx = ["paas", "--context", name]
        steps += [
            Step(
                f"Store the {name} webhook URL in its vault",
                "a webhook URL is a secret",
                [*ctx, "secret", "set", key],
                0,
                stdin=f"http://127.0.0.1:{port}/{name}",
            ),
            Step(
                f"Add the {name} alert channel",
                "channels name vault keys, never URLs",
                [*ctx, "alert", "channel", "add", "webhook", "--name", "ops", "--url-secret", key],
                0,
            ),
            Step(
                f"Send a test alert from {name}",
                "a real delivery is the checklist's evidence",
                [*ctx, "alert", "test"],
                0,
            ),
        ]
    steps += [
        Step(
            "Weekly checklist: all five items",
            "a drill and a verified backup of each context",
            ["paas", "checklist"],
            0,
        ),
        Step(
            "Break one item: remove oss-demo's webhook URL",
            "the channel's secret is gone",
            ["paas", "--context", "oss-demo", "secret", "unset", "ALERT_WEBHOOK_URL"],
            0,
        ),
        Step("Weekly checklist again", "item 4 fails and says how to fix it", ["paas", "checklist"], 1),
    ]
    return steps
