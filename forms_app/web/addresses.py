"""Which network a request comes from, for anything counted per address (rate limits, the
number of drafts one address may keep, sign-in throttling).

An IPv4 address is one network. An IPv6 address is keyed by its /64: a home or office is given
a whole /64 and can pick any of its 2^64 addresses for each request (privacy addresses change on
their own), so keying the full address would give one household unlimited tries. RFC 6177 and
RIPE-690 describe /64 (or wider) as the least a site is given. An IPv4 address written inside
IPv6 (``::ffff:192.0.2.1``, as a dual-stack listener reports it) is keyed as the IPv4 address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

IPV6_PREFIX = 64


@lru_cache(maxsize=4096)
def address_key(address: str | None) -> str:
    """The text that stands for ``address`` wherever addresses are counted: the IPv4 address
    itself, or the IPv6 /64 it is in (``2001:db8:1:2::/64``). Anything that is not an address
    (a Unix socket, a test's made-up name) is returned unchanged."""
    text = (address or "").strip()
    try:
        parsed = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return text or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        mapped = parsed.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)
