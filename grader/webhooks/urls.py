"""Refuse webhook targets that would let a registrant reach inside our network (SSRF)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from grader.errors import GraderError


class UnsafeUrl(GraderError):
    """A webhook URL that is malformed or points at a private, loopback or local address."""


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise :class:`UnsafeUrl` unless ``url`` is http(s) and resolves to public addresses only."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl(f"url: must be an http:// or https:// URL with a host, not {url!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise UnsafeUrl(f"url: cannot resolve {parts.hostname}") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeUrl(
                f"url: {parts.hostname} resolves to {address}, a private or local address "
                "(set GRADER_WEBHOOKS_ALLOW_PRIVATE=true to allow it)"
            )
