"""Rate limits count an IPv6 household by its /64: a home or office is given a whole /64 and
can send each request from a different address in it."""

from __future__ import annotations

import pytest

from forms_app.accounts.throttle import address_key
from forms_app.public.ratelimit import RateLimiter, Rule
from tests.support.walker import csrf_token

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address", "not an address"),
        ("", "unknown"),
    ],
)
def test_an_address_is_keyed_by_its_network(address, key):
    assert address_key(address) == key


def test_addresses_in_one_ipv6_64_share_one_limit(tmp_path):
    limiter = RateLimiter(tmp_path, "secret", {"send": Rule("send", 3, 600)})
    results = [
        limiter.hit("send", f"2001:db8:1:2:{n:x}:{n:x}:{n:x}:{n:x}", now=NOW + n) for n in range(6)
    ]
    assert results == [True, True, True, False, False, False]
    # Another /64, and an IPv4 address, each have their own window.
    assert limiter.hit("send", "2001:db8:1:3::1", now=NOW + 7)
    assert limiter.hit("send", "198.51.100.7", now=NOW + 7)


def test_an_ipv4_address_written_as_ipv6_shares_the_ipv4_limit(tmp_path):
    limiter = RateLimiter(tmp_path, "secret", {"send": Rule("send", 1, 600)})
    assert limiter.hit("send", "198.51.100.7", now=NOW)
    assert not limiter.hit("send", "::ffff:198.51.100.7", now=NOW + 1)


def test_sends_from_many_addresses_in_one_64_are_refused_after_the_limit(app):
    # The send limit is 20 in 10 minutes per address; each send here comes from a new address
    # in the same /64, as a client rotating privacy addresses would.
    statuses = []
    for n in range(22):
        client = app.test_client()
        address = f"2001:db8:77:1:{n + 1:x}::{n + 9:x}"
        page = client.get("/complaint/what-happened", environ_base={"REMOTE_ADDR": address})
        statuses.append(
            client.post(
                "/complaint/check-your-answers",
                data={"csrf_token": csrf_token(page.get_data(as_text=True))},
                environ_base={"REMOTE_ADDR": address},
            ).status_code
        )
    assert 429 not in statuses[:20], statuses
    assert statuses[20:] == [429, 429], statuses
