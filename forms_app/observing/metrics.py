"""``/metrics``: Prometheus metrics, for the people who run the service and nobody else.

Counted as requests are answered (every worker counting in its own files, see
``multiprocess``): ``feedback_http_request_duration_seconds`` (a histogram by route and
method) and ``feedback_http_errors_total`` (responses of 400 and above, by status class), each
also labelled ``organisation``: the code of the organisation that answered when one process
serves several (``web.hosting``), empty for a single installation (which Prometheus reads as
no label at all). The counters are the process's: on a deployment of several organisations
every organisation's ``/metrics`` shows every organisation's counters, told apart by that
label, so only the deployment's operators may read it.
Read from the data when scraped (``scrape``): submissions stored by kind and channel, rows
waiting for the sheet and how long the oldest has waited, drafts kept.

Only these may read the page: a request made directly from this machine (loopback) or from an
address in ``metrics_allow``, with no proxy header on it (through the proxy every request comes
from loopback), or a request carrying ``Authorization: Bearer <FORMS_APP_METRICS_TOKEN>`` from
anywhere. Anyone else is told the page does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading

from flask import Blueprint, Response, abort, request

from . import multiprocess
from .config import Monitoring
from .observed import observed
from .scrape import DataCollector

blueprint = Blueprint("observing_metrics", __name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


class Instruments:
    """This process's counters, made once (the Prometheus client allows one of each name)."""

    _made: Instruments | None = None
    _lock = threading.Lock()

    def __init__(self, folder: str | None):
        # Imported here, not at the top: multiprocess mode is chosen at the first import.
        from prometheus_client import Counter, Histogram, values

        if folder and not getattr(values.ValueClass, "_multiprocess", False):
            values.ValueClass = values.MultiProcessValue()  # imported before the folder was set
        self.folder = folder
        self.latency = Histogram(
            "feedback_http_request_duration_seconds",
            "Time to answer a request, by route (the page's rule) and method.",
            ("organisation", "route", "method"),
            buckets=LATENCY_BUCKETS,
            registry=None,
        )
        self.errors = Counter(
            "feedback_http_errors",
            "Responses with a status of 400 or above, by status class (4xx, 5xx).",
            ("organisation", "status_class"),
            registry=None,
        )

    @classmethod
    def for_process(cls, data_dir) -> Instruments:
        with cls._lock:
            if cls._made is None:
                folder = str(multiprocess.metrics_dir(data_dir)) if multiprocess.wanted() else None
                cls._made = cls(folder)
                if folder:
                    multiprocess.compact(folder)
            return cls._made

    def record(
        self, route: str, method: str, status: int, seconds: float, organisation: str = ""
    ) -> None:
        self.latency.labels(organisation, route, method).observe(seconds)
        if status >= 400:
            self.errors.labels(organisation, f"{status // 100}xx").inc()

    def exposition(self, collector: DataCollector) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess

        from . import multiprocess as folders

        registry = CollectorRegistry(auto_describe=False)
        registry.register(collector)
        if not self.folder:
            registry.register(self.latency)
            registry.register(self.errors)
            return generate_latest(registry)
        multiprocess.MultiProcessCollector(registry, self.folder)
        with folders.reading(self.folder):
            return generate_latest(registry)


@blueprint.get("/metrics")
def metrics():
    watched = observed()
    if not may_read(watched.monitoring):
        abort(404)
    from prometheus_client import CONTENT_TYPE_LATEST

    body = Instruments.for_process(watched.data_dir).exposition(watched.collector)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def may_read(monitoring: Monitoring) -> bool:
    """A bearer token from anywhere, or a direct request from loopback or the allow-list."""
    token = monitoring.metrics_token
    if token:
        sent = request.headers.get("Authorization", "")
        scheme, _, value = sent.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            return True
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return address.is_loopback or any(address in network for network in monitoring.metrics_allow)
