"""Health, logs and metrics: what the people who run the service watch it with.

``observe(app, ...)`` gives the app ``/healthz`` and ``/readyz`` (``health``), JSON log lines
on standard output with one line per request (``logs``), ``/metrics`` for Prometheus
(``metrics``, ``scrape``, ``multiprocess``) and, only when ``SENTRY_DSN`` is set, error
reports to Sentry with personal data removed (``sentry``). What it reads is in ``config``.
Gunicorn's hooks for the metrics are in ``multiprocess``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from forms_app.organisation.settings import Settings
from forms_app.sheets.config import sheets_config
from forms_app.storage.store import Store

from .config import monitoring_settings
from .health import blueprint as health_pages
from .logs import json_logs_wanted, setup_json_logs, setup_request_log
from .metrics import Instruments
from .metrics import blueprint as metrics_page
from .observed import EXTENSION, Observed
from .scrape import DataCollector
from .sentry import setup_sentry


def observe(
    app: Flask, settings: Settings, store: Store, drafts_dir: Path, *, production: bool
) -> None:
    """Register the pages, the request log and the metrics (JSON logs in production, see
    ``logs``). Call it first among the parts that add ``before_request`` steps, so that a
    request's time counts from the start."""
    if json_logs_wanted(production):
        setup_json_logs(app)
    config = sheets_config(settings)
    watched = Observed(
        settings=settings,
        store=store,
        drafts_dir=Path(drafts_dir),
        monitoring=monitoring_settings(settings),
        sheets=config if config is not None and config.enabled else None,
    )
    watched.collector = DataCollector(watched)
    app.extensions[EXTENSION] = watched
    instruments = Instruments.for_process(settings.data_dir)
    setup_request_log(app, on_response=instruments.record)
    app.register_blueprint(health_pages)
    app.register_blueprint(metrics_page)
    setup_sentry()
