"""The client's address, as login throttling and the audit log see it.

It is whoever opened the connection (uvicorn's peer address), unless that
peer is one of `console.trusted_proxies`. X-Forwarded-For cannot be believed
from anyone else: a client writes what it likes there, so trusting it let a
password guesser pick a new address for every try and put forged addresses
into the audit log (security review M6).

Behind trusted proxies the header is read from the right: each proxy appends
the address it was connected from, and everything to the left of what our
own proxies appended was written by the client. The client is therefore the
right-most address that is not one of our proxies. An entry that is not an
address at all means the chain cannot be followed further; the last hop we
could trust is given instead, never the client's text.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, Optional, Sequence, Union

from bot.settings import IPNetwork

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
UNKNOWN = "unknown"


def client_address(peer: Optional[str], forwarded_for: Iterable[str], trusted: Sequence[IPNetwork]) -> str:
    """The client's address: `peer`, or, when `peer` is a trusted proxy, the right-most untrusted X-Forwarded-For hop.

    `forwarded_for` is every X-Forwarded-For header of the request, in order.
    """
    address = _address(peer or "")
    if address is None:
        return UNKNOWN
    if not _is_trusted(address, trusted):
        return str(address)
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        forwarded = _address(hop)
        if forwarded is None:
            # Written by someone we cannot vouch for: stop at the last trusted hop.
            return str(address)
        address = forwarded
        if not _is_trusted(address, trusted):
            return str(address)
    # Only our own proxies in the chain (or no header): the request came from one of them.
    return str(address)


def _address(text: str) -> Optional[IPAddress]:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)
