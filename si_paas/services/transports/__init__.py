"""Transports: how si-paas reaches a target. One Protocol, a registry by name.

Only "run a command" and "copy a tree" differ between transports; the release layout,
verification, switch, listing and pruning are one implementation (`layout.TargetLayout`)
built on those two operations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from si_paas.services.transports.base import CommandResult, TargetError, Transport
from si_paas.services.transports.local import LocalTransport
from si_paas.services.transports.ssh import SshTransport

TransportFactory = Callable[[dict[str, Any], dict[str, Any]], Transport]

TRANSPORTS: dict[str, TransportFactory] = {
    "local": LocalTransport.from_target,
    "ssh": SshTransport.from_target,
}


def open_transport(target: dict[str, Any], options: dict[str, Any]) -> Transport:
    """The transport a target names (`local` or `ssh`), configured from its record."""
    factory = TRANSPORTS.get(target["transport"])
    if factory is None:
        raise TargetError(
            f"target {target['name']!r}: unknown transport {target['transport']!r} "
            f"(known: {', '.join(sorted(TRANSPORTS))})"
        )
    return factory(target, options)


__all__ = ["TRANSPORTS", "CommandResult", "TargetError", "Transport", "open_transport"]
