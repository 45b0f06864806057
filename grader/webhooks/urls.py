"""Refuse webhook targets that would let a registrant reach inside our network (SSRF)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from grader.errors import GraderError

# IPv6 prefixes that carry an IPv4 address in their low 32 bits and reach it through a
# translator: NAT64's well-known and local-use prefixes (RFC 6052, RFC 8215) and SIIT's
# IPv4-translated addresses (::ffff:0:a.b.c.d, RFC 2765).
_NAT64 = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(GraderError):
    """A webhook URL that is malformed or points at a private, loopback or local address."""


def embedded_ipv4(address: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: IPv4-mapped and -compatible, 6to4, Teredo
    (server and client) and NAT64 forms."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in network for network in _NAT64):
        found.append(low32)
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d, IPv4-compatible (deprecated)
        found.append(low32)
    return found


def is_public(address: Address) -> bool:
    """A global unicast address, and so is every IPv4 address it embeds (multicast, reserved
    and unspecified addresses count as global to :mod:`ipaddress`, and are no receiver)."""
    return all(
        a.is_global and not (a.is_multicast or a.is_reserved or a.is_unspecified)
        for a in (address, *embedded_ipv4(address))
    )


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise :class:`UnsafeUrl` unless ``url`` is http(s) and resolves to public addresses only."""
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError as error:
        raise UnsafeUrl(f"url: not a valid URL ({error})") from error
    if parts.scheme not in ("http", "https") or not hostname:
        raise UnsafeUrl(f"url: must be an http:// or https:// URL with a host, not {url!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl(f"url: cannot resolve {hostname}") from error
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not is_public(address):
            raise UnsafeUrl(
                f"url: {hostname} resolves to {address}, a private or local address "
                "(set GRADER_WEBHOOKS_ALLOW_PRIVATE=true to allow it)"
            )
