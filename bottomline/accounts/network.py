"""The client's address, resolved once per request: the login lockout, the portal's limits and the audit use it.

Behind a reverse proxy every request comes from the proxy's address. The address of the client is then in
``X-Forwarded-For``, which each proxy extends with the address it received the request from. Anyone can send
that header, so it is believed only from the proxies listed in ``TRUSTED_PROXIES``, and read from the right:
each hop that is itself a trusted proxy passes the question on, and the first one that is not is the client.
Whatever a client wrote into the header itself sits to the left of that and is never reached.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Where the resolved address is kept on the request, so that every reader gets the same answer.
_RESOLVED = "_bottomline_client_address"


@lru_cache(maxsize=4)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def trusted_networks() -> tuple[Network, ...]:
    """The networks of the reverse proxies whose ``X-Forwarded-For`` is believed (settings.TRUSTED_PROXIES)."""
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _address(value: str | None) -> Address | None:
    if not value:
        return None
    text = value.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443", as some proxies write IPv6
        text = text[1 : text.index("]")]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # "::ffff:10.0.0.1" from a dual-stack socket is 10.0.0.1
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def address_resolve(*, peer: str | None, forwarded: str | None, networks: tuple[Network, ...]) -> str | None:
    """The client's address from the connection's ``peer`` and the ``forwarded`` header (X-Forwarded-For)."""
    address = _address(peer)
    if address is None:
        return None
    if not forwarded or not _trusted(address, networks):
        return str(address)
    for hop in reversed(forwarded.split(",")):
        previous = _address(hop)
        if previous is None:
            break  # a hop we cannot read: the last address we can vouch for is the answer
        address = previous
        if not _trusted(address, networks):
            break
    return str(address)


def client_address(request: HttpRequest) -> str | None:
    """The address of the client that sent ``request`` (None when the server gives none)."""
    if hasattr(request, _RESOLVED):
        resolved: str | None = getattr(request, _RESOLVED)
        return resolved
    resolved = address_resolve(
        peer=request.META.get("REMOTE_ADDR"),
        forwarded=request.META.get("HTTP_X_FORWARDED_FOR"),
        networks=trusted_networks(),
    )
    setattr(request, _RESOLVED, resolved)
    return resolved


def peer_trusted(request: HttpRequest) -> bool:
    """Whether the request came straight from one of the trusted reverse proxies."""
    peer = _address(request.META.get("REMOTE_ADDR"))
    return peer is not None and _trusted(peer, trusted_networks())
