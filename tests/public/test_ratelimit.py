"""The rate limiter's slot file: windows, torn slots and crowded neighbourhoods."""

from __future__ import annotations

import os

from forms_app.public import ratelimit
from forms_app.public.ratelimit import PROBE, SLOT, SLOTS, SLOTS_NAME, RateLimiter, Rule

NOW = 1_800_000_000.0


def limiter(tmp_path, limit=3, seconds=600):
    return RateLimiter(tmp_path, "secret", {"send": Rule("send", limit, seconds)})


def test_limit_then_refuse_then_a_new_window(tmp_path):
    rl = limiter(tmp_path)
    assert [rl.hit("send", "198.51.100.7", now=NOW + i) for i in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert rl.hit("send", "198.51.100.8", now=NOW + 5)  # another address has its own window
    assert rl.hit("send", "198.51.100.7", now=NOW + 601)  # the window is over


def test_the_file_holds_no_address_and_keeps_its_size(tmp_path):
    rl = limiter(tmp_path, limit=1000)
    for i in range(2000):
        rl.hit("send", f"203.0.113.{i % 250}:{i}", now=NOW)
    data = (tmp_path / SLOTS_NAME).read_bytes()
    assert b"203.0.113" not in data
    assert len(data) <= SLOTS * SLOT.size


def test_a_torn_slot_never_shuts_anyone_out(tmp_path):
    rl = limiter(tmp_path, limit=1)
    assert rl.hit("send", "198.51.100.7", now=NOW)
    assert not rl.hit("send", "198.51.100.7", now=NOW + 1)
    # A crash left garbage over the whole file: a window far in the future, absurd lengths.
    path = tmp_path / SLOTS_NAME
    size = path.stat().st_size
    garbage = SLOT.pack(b"\xff" * 16, 1e300, 2**32 - 1, 2**32 - 1)
    path.write_bytes(os.urandom(size // 2) + garbage * ((size - size // 2) // SLOT.size))
    results = [rl.hit("send", f"198.51.100.{n}", now=NOW + 2) for n in range(50)]
    assert all(results), results.count(False)


def test_a_crowded_neighbourhood_gives_way_to_the_window_ending_soonest(tmp_path, monkeypatch):
    # Every address hashes to the same run of slots: PROBE windows fill it, the next takes over
    # the one that ends soonest (fail open for that one), and the run never overflows.
    monkeypatch.setattr(RateLimiter, "_key", lambda self, rule, address: address.encode()[:16])
    rl = limiter(tmp_path, limit=1)
    addresses = [f"a{n:015d}" for n in range(PROBE + 1)]
    for n, address in enumerate(addresses):
        assert rl.hit("send", address, now=NOW + n)
    assert not rl.hit("send", addresses[-1], now=NOW + PROBE + 1)
    assert rl.hit("send", addresses[0], now=NOW + PROBE + 2)  # its window was given away
    assert not rl.hit("send", addresses[5], now=NOW + PROBE + 3)  # the others still hold


def test_rules_from_settings_overrides_defaults():
    rules = ratelimit.rules_from({"rate_limits": {"send": {"limit": 5}}})
    assert rules["send"] == Rule("send", 5, 600)
    assert rules["post"] == Rule("post", 300, 300)
