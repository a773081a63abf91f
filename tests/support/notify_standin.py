"""The demo's Notify stand-in and SMTP catcher (``forms_app.demo``) served on free ports for
tests, with faults on demand and a clock tests can move."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from forms_app.demo.catcher import Catcher, Served
from forms_app.demo.notify_standin import DEMO_API_KEY, NotifyStandIn
from forms_app.messages.config import messages_config
from tests.support.served import free_port

KEY = DEMO_API_KEY


class FakeClock:
    """The worker's time: ``sleep`` moves it on at once."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.t = start
        self.stopping = threading.Event()

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(seconds, 0.0)


@dataclass
class Faults:
    """What the stand-in does to each request: ``script`` answers first (one fault per
    request, None for a normal answer), then ``outage`` (a (start, end) of ``clock`` time
    during which every request gets a 500), then random faults at ``rates``."""

    clock: FakeClock | None = None
    script: list = field(default_factory=list)
    outage: tuple[float, float] | None = None
    rates: dict = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(18))
    given: dict = field(default_factory=dict)

    def __call__(self, kind: str):
        fault = self._choose(kind)
        if fault:
            self.given[fault] = self.given.get(fault, 0) + 1
        return "500" if fault == "outage" else fault

    def _choose(self, kind: str):
        if self.script:
            return self.script.pop(0)
        if self.outage and self.clock and self.outage[0] <= self.clock.now() < self.outage[1]:
            return "outage"
        if kind != "send":
            return None
        roll = self.rng.random()
        for fault, rate in self.rates.items():
            if roll < rate:
                return fault
            roll -= rate
        return None


def serve(*, smtp: bool = False, faults=None) -> Served:
    standin = NotifyStandIn(api_key=KEY, fault=faults, slow_seconds=0.6)
    return Served(Catcher(standin), free_port(), free_port() if smtp else None).start()


def notify_config(url: str, **retry):
    return messages_config(
        {
            "messages": {
                "provider": "notify",
                "notify": {"base_url": url, "timeout": 0.3},
                "retry": retry or {},
            }
        }
    )
