"""Where a webhook may be sent: checked when a subscription is added and before each send.

A target is an ``http`` or ``https`` URL whose host resolves only to public addresses.
Private, loopback, link-local, multicast, reserved and unspecified addresses (a local
service, a cloud metadata endpoint) are refused unless the host is listed in
``[webhooks] allowed_hosts`` of ``segmint.toml``. The check resolves the name each time
it is made: DNS can point a name elsewhere after it was added.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from segmint.core.errors import InputError, Location

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]


def resolve(host: str) -> list[str]:
    """Every address `host` resolves to now (an address resolves to itself)."""
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    return sorted({str(info[4][0]) for info in found})


def check(url: str, *, allowed_hosts: Sequence[str] = (), resolver: Resolver = resolve) -> str:
    """`url` if a webhook may be sent to it now; its host, resolved, must be public.

    Raises
    ------
    InputError
        ``webhook.bad_url`` (not an http(s) URL with a host), ``webhook.unresolved`` (the
        host resolves to nothing), ``webhook.private_address`` (an address not public and
        the host not allowed in ``[webhooks] allowed_hosts``).
    """
    where = Location(field="url")
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise InputError("webhook.bad_url", location=where, url=url)
    if host in allowed_hosts:
        return url
    addresses = resolver(host)
    if not addresses:
        raise InputError("webhook.unresolved", location=where, url=url, host=host)
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone is not an address
        if not _public(address):
            raise InputError(
                "webhook.private_address", location=where, url=url, host=host, address=text
            )
    return url


def _public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address.is_global and not address.is_multicast
