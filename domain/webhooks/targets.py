"""Where webhooks may be sent: a URL whose host resolves only to public addresses (no
private, loopback, link-local, multicast, reserved or unspecified address: a webhook must
not reach into the network Tessera runs in), over https; unless the host's addresses are in
networks the operator allowed (TESSERA_WEBHOOKS_ALLOW_NETWORKS, e.g. 127.0.0.0/8 for a
receiver on the same machine), where http is accepted too.

Checked when a subscription is saved and again before every request (the name may resolve
elsewhere by then)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
MAX_URL_LENGTH = 2_000


class TargetRefused(Exception):
    """The URL may not be a webhook's target; the message says why (for staff to read)."""


def resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to (a literal address is itself)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as error:  # gaierror is an OSError
        raise TargetRefused(f"The host {host[:100]!r} does not resolve.") from error
    return sorted({str(info[4][0]) for info in found})


def parse_networks(raw: str | None) -> tuple[IpNetwork, ...]:
    """The allowed networks of the setting: CIDRs separated by commas (ValueError names a
    bad one)."""
    return tuple(
        ipaddress.ip_network(part.strip()) for part in (raw or "").split(",") if part.strip()
    )


@dataclass(frozen=True)
class TargetPolicy:
    """The operator's allowed networks and the resolver used (a test's double of DNS)."""

    allowed_networks: tuple[IpNetwork, ...] = ()
    resolver: Resolver = field(default=resolve, compare=False)

    def check(self, url: str) -> str:
        """The URL, checked now; TargetRefused says why it may not be used."""
        if len(url) > MAX_URL_LENGTH:
            raise TargetRefused(f"A URL of at most {MAX_URL_LENGTH} characters.")
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise TargetRefused("Not a valid URL.") from error
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise TargetRefused("An https:// URL with a host.")
        if parts.username is not None or parts.password is not None:
            raise TargetRefused("No user or password in the URL (the signature authenticates).")
        addresses = [
            ipaddress.ip_address(a.split("%")[0]) for a in self.resolver(parts.hostname, port)
        ]
        if not addresses:
            raise TargetRefused(f"The host {parts.hostname[:100]!r} does not resolve.")
        allowed = [a for a in addresses if self._allowed(a)]
        for address in addresses:
            if address not in allowed and not is_public(address):
                raise TargetRefused(
                    f"The host resolves to {address}, a private, loopback, link-local or "
                    "reserved address: webhooks go to public addresses only."
                )
        if parts.scheme == "http" and len(allowed) < len(addresses):
            raise TargetRefused("An https:// URL (http only to an allowed private network).")
        return url

    async def check_async(self, url: str) -> str:
        """`check` on a thread: resolving a name blocks."""
        return await asyncio.to_thread(self.check, url)

    def _allowed(self, address: IpAddress) -> bool:
        return any(address in network for network in self.allowed_networks)


def is_public(address: IpAddress) -> bool:
    """Whether the address is one of the public internet's (ipaddress' classification; an
    IPv4-mapped IPv6 address is judged as its IPv4 address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )
