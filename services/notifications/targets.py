"""Webhook targets are public: the platform posts signed events only to hosts on the internet, never
into the agency's own network (its services, its database, a cloud metadata endpoint).

A target is checked when it is registered and again before every delivery, on the addresses its host
resolves to *then* — a name that later re-resolves to an inside address is not delivered to. An
agency that must reach one of its own internal systems names it (host name, address or network) in
`DVK_WEBHOOK_ALLOWED_TARGETS`; nothing else inside is reachable.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVE_SECONDS = 5.0
"""A name that takes longer to resolve is treated as unresolvable for this attempt (retried later)."""


@dataclass(frozen=True)
class TargetRefused(Exception):
    host: str
    address: str
    reason: str
    """`loopback`, `private`, `link_local`, `multicast`, `not_global` or `unresolvable`."""

    def __str__(self) -> str:
        return f"{self.host} → {self.address}: {self.reason}"


def _reason(ip: IpAddress) -> str | None:
    if ip.is_global and not ip.is_multicast:
        return None
    for reason, inside in (("loopback", ip.is_loopback), ("link_local", ip.is_link_local),
                           ("multicast", ip.is_multicast), ("private", ip.is_private)):
        if inside:
            return reason
    return "not_global"


def _address(text: str) -> IpAddress:
    ip = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip


def _allowed(host: str, ip: IpAddress | None, allow: Sequence[str]) -> bool:
    for entry in allow:
        if entry.lower() == host.lower():
            return True
        if ip is not None:
            try:
                if ip in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


async def check_target(url: str, allow: Sequence[str] = (), *, unresolvable_ok: bool = False) -> None:
    """Raise `TargetRefused` unless every address the URL's host resolves to now is public (or allowed).

    `unresolvable_ok` at registration: a name that does not resolve yet (a receiver still being set
    up, DNS briefly away) is not inside anything; the check before each delivery decides then."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _allowed(host, None, allow):
        return
    try:
        literal: IpAddress | None = _address(host)
    except ValueError:
        literal = None
    if literal is not None:  # an address needs no lookup (nor a thread of the resolver's pool)
        reason = _reason(literal)
        if reason is not None and not _allowed(host, literal, allow):
            raise TargetRefused(host, str(literal), reason)
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, TimeoutError) as exc:
        if unresolvable_ok:
            return
        raise TargetRefused(host, "—", "unresolvable") from exc
    if not infos:
        if unresolvable_ok:
            return
        raise TargetRefused(host, "—", "unresolvable")
    for *_, sockaddr in infos:
        ip = _address(str(sockaddr[0]))
        reason = _reason(ip)
        if reason is not None and not _allowed(host, ip, allow):
            raise TargetRefused(host, str(ip), reason)


def loggable(url: str) -> str:
    """A target as logs may show it: scheme, host, port and path — never credentials or a query string,
    where receivers often put their tokens."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1], query="", fragment="").geturl()
