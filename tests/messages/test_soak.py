"""The outage soak: acknowledgements sent through 30 % failures (rate limits, errors before and
after Notify kept the message, replies slower than the client waits) and a 10-minute outage,
with the worker's clock simulated so hours of retries run in seconds. Counted at the stand-in
by reference: none lost, none sent twice."""

from __future__ import annotations

import time

from forms_app.messages import wording
from forms_app.messages.notify import NotifyProvider
from forms_app.messages.outbox import FAILED, QUEUED, SENDING, SENT, Message, Outbox
from forms_app.messages.sending import Sender
from tests.support.notify_standin import KEY, FakeClock, notify_config
from tests.support.tier import scaled

#: Faults per send request: 30 % in all.
RATES = {"500": 0.12, "429": 0.08, "500-after": 0.09, "slow-after": 0.01}
OUTAGE_START, OUTAGE_MINUTES = 60.0, 10


def _acknowledgement(n: int) -> Message:
    language = ("en", "cy")[n % 2]
    words = wording.VARIANTS[n % 3]
    channel = ("email", "sms")[n % 5 == 0]
    return Message(
        id=f"soak-{n:05d}",
        ref=f"SOAK-{n:04d}",
        type="acknowledgement",
        channel=channel,
        recipient="07700 900123" if channel == "sms" else f"person{n}@example.com",
        language=language,
        wording=words,
        values={
            "org_name": "Riverside",
            "reference": f"SOAK-{n:04d}",
            "next_steps": "What happens next: we will reply by 8 January 2027.",
            "advocacy": "",
            "copy": "What you wrote:\n\nThe carer did not come." if channel == "email" else "",
        },
    )


def test_no_acknowledgement_is_lost_or_sent_twice_through_failures_and_an_outage(
    tmp_path, notify, faults
):
    count = scaled(150, 1000)
    clock = FakeClock()
    start = clock.now()
    faults.clock = clock
    faults.rates = RATES
    faults.outage = (start + OUTAGE_START, start + OUTAGE_START + OUTAGE_MINUTES * 60)
    standin = notify.catcher.standin
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        # Queued as the outage begins, so every one of them meets it.
        outbox.queue([_acknowledgement(n) for n in range(count)], at=start + OUTAGE_START)
        config = notify_config(notify.url)
        sender = Sender(outbox, NotifyProvider(config, api_key=KEY), config.retry, clock=clock)
        began = time.monotonic()
        sender.run(
            until=lambda: (
                outbox.counts()[QUEUED] + outbox.counts()[SENDING] == 0
                or clock.now() - start > 48 * 3600
            )
        )
        seconds = time.monotonic() - began
        counts = outbox.counts()
    by_reference = standin.counts_by_reference()
    lost = [f"soak-{n:05d}" for n in range(count) if f"soak-{n:05d}" not in by_reference]
    twice = {ref: n for ref, n in by_reference.items() if n > 1}
    print(
        f"\nsoak: {count} acknowledgements, {standin.requests} requests, faults {faults.given}, "
        f"simulated {(clock.now() - start) / 60:.0f} min in {seconds:.1f} s; "
        f"outbox {counts}; lost {len(lost)}, sent twice {len(twice)}"
    )
    assert lost == [] and twice == {}
    assert counts[SENT] == count and counts[FAILED] == 0
    assert len(by_reference) == count
    assert faults.given.get("500", 0) > 0 and faults.given.get("500-after", 0) > 0
    assert faults.given.get("429", 0) > 0 and faults.given.get("outage", 0) > 0
    assert clock.now() - start > OUTAGE_START + OUTAGE_MINUTES * 60
