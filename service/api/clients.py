"""Who is asking: the client's address behind trusted proxies, its rate-limit key, and the
anonymised form that goes into logs (never a full address)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# An IPv6 host usually owns a whole /64, so it is limited and logged by network.
IPV6_LIMIT_PREFIX = 64
IPV4_LOG_PREFIX = 24
IPV6_LOG_PREFIX = 48


def _parse(value: str | None) -> IPAddress | None:
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == name]
    return ",".join(values) if values else None


def client_address(scope: dict[str, Any], trusted_proxies: Sequence[IPNetwork]) -> IPAddress | None:
    """The connecting address; when that is a trusted proxy, the right-most address of
    X-Forwarded-For that is not one (the left part of the header is the client's to forge)."""
    peer = _parse((scope.get("client") or (None,))[0])
    if peer is None or not trusted_proxies:
        return peer

    def trusted(address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in trusted_proxies)

    if not trusted(peer):
        return peer
    forwarded = _header(scope, b"x-forwarded-for")
    if not forwarded:
        return peer
    for hop in reversed(forwarded.split(",")):
        address = _parse(hop)
        if address is None:
            return peer  # a malformed chain names nobody reliably
        if not trusted(address):
            return address
    return peer


def rate_limit_key(address: IPAddress | None) -> str:
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/{IPV6_LIMIT_PREFIX}", strict=False))
    return str(address)


def anonymised(address: IPAddress | None) -> str:
    """'203.0.113.0/24' for 203.0.113.7; '2001:db8:85a3::/48' for IPv6; '-' if unknown."""
    if address is None:
        return "-"
    prefix = IPV4_LOG_PREFIX if isinstance(address, ipaddress.IPv4Address) else IPV6_LOG_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
