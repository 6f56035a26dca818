"""A real webhook receiver on 127.0.0.1 (the standard library's server in a thread) and setup helpers."""

from __future__ import annotations

import json
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from conftest import Run


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (the last one repeats)."""

    port: int
    statuses: list[int] = field(default_factory=lambda: [200])
    hold: threading.Event = field(default_factory=threading.Event)
    hold_first: bool = False
    got: queue.Queue[Received] = field(default_factory=queue.Queue)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self) -> list[Received]:
        """Every request received so far (the subprocess that sent them has exited)."""
        out = []
        while True:
            try:
                out.append(self.got.get_nowait())
            except queue.Empty:
                return out


@contextmanager
def receiver(statuses: list[int] | None = None, hold: bool = False) -> Iterator[Receiver]:
    """Start a receiver on a free loopback port; hold=True makes it answer only when released."""
    state: dict[str, Receiver] = {}
    lock = threading.Lock()
    calls = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            rec = state["r"]
            rec.got.put(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            with lock:
                index = calls[0]
                calls[0] += 1
            if rec.hold_first:
                rec.hold.wait(timeout=30)  # the client's timeout fires first; teardown releases
            status = rec.statuses[min(index, len(rec.statuses) - 1)]
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec = Receiver(server.server_address[1], statuses or [200], hold_first=hold)
    state["r"] = rec
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        rec.hold.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def set_secret(si: Callable[..., Run], ctx: str, key: str, value: str) -> None:
    run = si("paas", "--context", ctx, "secret", "set", key, input=value)
    assert run.code == 0, run.stderr


def add_channel(
    si: Callable[..., Run],
    ctx: str,
    url: str,
    *,
    name: str = "ops",
    sign: str | None = None,
    extra: tuple[str, ...] = (),
) -> Run:
    """Store the URL (and signing key) in the vault and add a webhook channel naming them."""
    prefix = ctx.upper().replace("-", "_")
    set_secret(si, ctx, f"{prefix}_{name.upper()}_URL", url)
    args = [
        "paas",
        "--context",
        ctx,
        "alert",
        "channel",
        "add",
        "webhook",
        "--name",
        name,
        "--url-secret",
        f"{prefix}_{name.upper()}_URL",
        "--backoff",
        "10ms",
        *extra,
    ]
    if sign is not None:
        set_secret(si, ctx, f"{prefix}_{name.upper()}_HMAC", sign)
        args += ["--sign-secret", f"{prefix}_{name.upper()}_HMAC"]
    run = si(*args, "--json")
    assert run.code == 0, run.stderr
    return run


def alert_records(state_root: Path, ctx: str) -> list[dict[str, Any]]:
    path = state_root / "contexts" / ctx / "events" / "alerts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
