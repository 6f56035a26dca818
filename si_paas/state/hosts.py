"""One normal form for target hosts, used wherever a host is stored or compared.

`db.corp.example.`, `DB.Corp.Example`, `deploy@db.corp.example`, `db.corp.example:22`,
`[2001:db8::1]:22` and `bücher.example` / `xn--bcher-kva.example` each name one host; the
gate compares hosts in this form and ignores the port, so the same machine on another port is
still the same machine. Names are never resolved over the network: an address and a name are
two different hosts unless the operator writes them the same way (docs/policies.md).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from si_paas.errors import InputError, UsageError

_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_MAX_HOST = 253


@dataclass(frozen=True)
class HostSpec:
    """A host as given on the command line, split into its parts."""

    host: str
    port: int | None = None
    user: str | None = None


def _address(text: str) -> str | None:
    """The canonical text of an IP address, or None; an IPv4-mapped IPv6 address is IPv4."""
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def _name(text: str) -> str | None:
    """The lower-case ASCII (IDNA) form of a DNS name without its trailing dot, or None."""
    name = text.rstrip(".") if text.endswith(".") and not text.endswith("..") else text
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return None
    labels = ascii_name.split(".")
    if not ascii_name or len(ascii_name) > _MAX_HOST:
        return None
    if not all(_LABEL_RE.fullmatch(label) for label in labels):
        return None
    if labels[-1].isdigit():  # `127.1`, `2130706433`, `0177.0.0.1`: numeric forms of addresses
        return None
    return ascii_name


def canonical_host(text: str) -> str | None:
    """The normal form of a bare host (name or address, no user, no port), or None if invalid."""
    if text.startswith("[") and text.endswith("]"):
        return _address(text[1:-1])
    return _address(text) or (_name(text) if ":" not in text else None)


def _split_port(text: str, flag: str) -> tuple[str, int | None]:
    def port_of(raw: str) -> int:
        if not raw.isdigit() or not 1 <= int(raw) <= 65535:
            raise UsageError(f"{flag} {text!r}: port {raw!r} is not 1-65535")
        return int(raw)

    if text.startswith("["):
        inside, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise UsageError(f"{flag} {text!r}: expected [IPv6] or [IPv6]:PORT")
        return f"[{inside}]", port_of(rest[1:]) if rest else None
    if text.count(":") == 1:
        host, _, raw = text.partition(":")
        return host, port_of(raw)
    return text, None  # no colon, or a bare IPv6 address


def parse_host(raw: str, flag: str = "--host") -> HostSpec:
    """Split `[user@]host[:port]` and normalise the host; anything else is a UsageError."""
    text = raw
    if not text or any(ch.isspace() or ord(ch) < 0x20 or ch in "/\\" for ch in text):
        raise UsageError(f"{flag} {raw[:80]!r}: expected a host name or address")
    user: str | None = None
    if "@" in text:
        user, _, text = text.rpartition("@")
        if not user or "@" in user:
            raise UsageError(f"{flag} {raw[:80]!r}: expected [USER@]HOST[:PORT]")
    host_text, port = _split_port(text, flag)
    host = canonical_host(host_text)
    if host is None:
        raise UsageError(f"{flag} {raw[:80]!r}: not a valid host name or IP address")
    return HostSpec(host, port, user)


def record_host(value: str, where: str) -> str:
    """The normal form of a record's `host` field (a bare host: the user and port are fields
    of their own), or an InputError naming `where` and never repeating the value."""
    host = canonical_host(value)
    if host is None:
        raise InputError(f"{where}: not a valid host name or IP address")
    return host


def host_identity(stored: str) -> str:
    """The form two stored hosts are compared in; never raises on an old, odd record.

    Records written before hosts were normalised may hold `user@`, a port or a trailing dot.
    """
    text = stored.strip()
    try:
        return parse_host(text).host
    except UsageError:
        return text.lower().rstrip(".")
