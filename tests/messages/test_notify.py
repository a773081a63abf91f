"""The worker and GOV.UK Notify's own client against the stand-in over real HTTP: the API key's
token, templates and placeholders checked as Notify does, and rate limits, errors and timeouts
that never lose a message or send one twice."""

from __future__ import annotations

import time

import jwt
import pytest
import requests

from forms_app.messages.config import messages_config
from forms_app.messages.notify import NotifyProvider
from forms_app.messages.outbox import FAILED, QUEUED, SENDING, SENT, Message, Outbox
from forms_app.messages.sending import Sender
from tests.support.notify_standin import KEY, FakeClock, notify_config

SERVICE, SECRET = KEY[-73:-37], KEY[-36:]


def _message(n: int = 1, **changes) -> Message:
    values = {"org_name": "Riverside", "reference": f"ABCD-{n:04d}"}
    fields = dict(
        id=f"message-{n}",
        ref=f"ABCD-{n:04d}",
        type="closed",
        channel="email",
        recipient="rhian.evans@example.com",
        language="en",
        wording="standard",
        values=values,
    )
    fields.update(changes)
    return Message(**fields)


@pytest.fixture
def world(tmp_path, notify, faults):
    clock = FakeClock()
    faults.clock = clock
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    sender = Sender(outbox, NotifyProvider(notify_config(notify.url), api_key=KEY), clock=clock)
    yield sender, outbox, notify.catcher.standin, clock
    outbox.close()


def _post(url, token, body=None):
    return requests.post(
        f"{url}/v2/notifications/email",
        json=body or {},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def _token(secret=SECRET, iss=SERVICE, iat=None):
    claims = {"iss": iss, "iat": int(time.time()) if iat is None else iat}
    return jwt.encode(claims, secret, algorithm="HS256", headers={"typ": "JWT"})


@pytest.mark.parametrize(
    "token, words",
    [
        (lambda: _token(secret="0" * 36), "signature"),
        (lambda: _token(iss="not-our-service-000000000000000000000"), "service not found"),
        (lambda: _token(iat=int(time.time()) - 45), "within 30 seconds"),
        (lambda: "not a token", "Invalid token"),
    ],
)
def test_the_stand_in_refuses_a_bad_api_token_as_notify_does(notify, token, words):
    reply = _post(notify.url, token())
    assert reply.status_code == 403
    body = reply.json()
    assert body["status_code"] == 403
    assert body["errors"][0]["error"] == "AuthError"
    assert words in body["errors"][0]["message"]


def test_a_good_token_from_the_real_client_is_accepted(world):
    sender, outbox, standin, _clock = world
    outbox.queue([_message()])
    assert sender.step().sent == 1
    (kept,) = standin.by_reference("message-1")
    assert kept["email_address"] == "rhian.evans@example.com"
    assert "ABCD-0001" in kept["subject"] and "Riverside" in kept["body"]
    assert outbox.for_refs(["ABCD-0001"])[0].state == SENT


def test_a_missing_placeholder_fails_the_message_with_notifys_reason(world):
    sender, outbox, standin, _clock = world
    outbox.queue([_message(values={"reference": "ABCD-0001"})])
    report = sender.step()
    assert report.failed == 1 and standin.notifications == []
    (failed,) = outbox.failed()
    assert failed.state == FAILED
    assert "400" in failed.reason and "Missing personalisation: org_name" in failed.reason
    assert "rhian" not in failed.reason


def test_an_unknown_template_fails_the_message(tmp_path, notify):
    config = messages_config(
        {
            "messages": {
                "provider": "notify",
                "notify": {
                    "base_url": notify.url,
                    "templates": {
                        "closed.en.standard.email": "11111111-2222-3333-4444-555555555555"
                    },
                },
            }
        }
    )
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        sender = Sender(outbox, NotifyProvider(config, api_key=KEY), clock=FakeClock())
        outbox.queue([_message()])
        sender.step()
        assert "Template not found" in outbox.failed()[0].reason


def test_a_rate_limit_pauses_the_worker_and_does_not_count_as_a_try(world, faults):
    sender, outbox, standin, clock = world
    outbox.queue([_message(1), _message(2)])
    faults.script = ["429"]
    report = sender.step()
    assert report.rate_limited and report.sent == 0
    assert all(m.state == QUEUED and m.attempts == 0 for m in outbox.for_refs(["ABCD-0001"]))
    assert sender.step().handled == 0  # still paused
    clock.sleep(120)
    assert sender.step().sent == 2
    assert standin.counts_by_reference() == {"message-1": 1, "message-2": 1}


@pytest.mark.parametrize("fault", ["500-after", "slow-after"])
def test_an_unclear_reply_is_looked_up_by_reference_and_not_sent_twice(world, faults, fault):
    sender, outbox, standin, clock = world
    outbox.queue([_message()])
    faults.script = [fault]
    assert sender.step().retrying == 1
    assert outbox.for_refs(["ABCD-0001"])[0].state == SENDING
    clock.sleep(3600)
    report = sender.step()
    assert report.found_sent == 1 and report.sent == 0
    assert standin.counts_by_reference() == {"message-1": 1}
    assert outbox.for_refs(["ABCD-0001"])[0].state == SENT


def test_a_500_before_anything_was_kept_is_sent_again_once(world, faults):
    sender, outbox, standin, clock = world
    outbox.queue([_message()])
    faults.script = ["500"]
    sender.step()
    clock.sleep(3600)
    report = sender.step()
    assert report.sent == 1
    assert standin.counts_by_reference() == {"message-1": 1}


def test_retries_wait_longer_each_time_with_jitter_up_to_a_ceiling(world):
    sender = world[0]
    delays = [sender.delay(n) for n in range(1, 12)]
    assert 15 <= delays[0] <= 30
    assert all(d <= 3600 for d in delays)
    assert delays[6] > delays[0] * 8
    assert len({round(sender.delay(3), 6) for _ in range(5)}) > 1


def test_a_message_out_of_tries_is_failed_with_the_last_reason(tmp_path, notify, faults):
    faults.rates = {"500": 1.0}  # every send fails; looking it up works
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        clock = FakeClock()
        config = notify_config(notify.url, max_attempts=2)
        sender = Sender(outbox, NotifyProvider(config, api_key=KEY), config.retry, clock=clock)
        outbox.queue([_message()])
        for _ in range(4):
            sender.step()
            clock.sleep(7200)
        (failed,) = outbox.failed()
        assert failed.reason.startswith("not sent after 2 tries")
