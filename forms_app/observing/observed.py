"""What the health checks, the request log and the metrics look at, kept on the app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from forms_app.organisation.settings import Settings
from forms_app.sheets.config import SheetsConfig
from forms_app.sheets.outbox import SENT, Outbox, outbox_exists, outbox_path
from forms_app.storage.store import Store

from .config import Monitoring

EXTENSION = "observing"


@dataclass(frozen=True)
class OutboxState:
    """Rows waiting to go to the sheet, per tab, and when the longest-waiting one was queued
    (None: nothing waits)."""

    waiting: dict[str, int]
    oldest_queued_at: float | None


@dataclass
class Observed:
    settings: Settings
    store: Store
    drafts_dir: Path
    monitoring: Monitoring
    #: The sheet's settings when a sheet is configured and turned on, else None.
    sheets: SheetsConfig | None
    #: What ``/metrics`` reads from the data (``scrape.DataCollector``), set by ``observe``.
    collector: Any = None

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def outbox_state(self) -> OutboxState | None:
        """None when there is no sheet, or its worker has not yet made its outbox."""
        path = outbox_path(self.data_dir)
        if self.sheets is None or not outbox_exists(path):
            return None
        outbox = Outbox(path)
        try:
            waiting: dict[str, int] = {}
            for tab, states in outbox.counts().items():
                waiting[tab] = sum(n for state, n in states.items() if state != SENT)
            return OutboxState(waiting, outbox.oldest_waiting())
        finally:
            outbox.close()


def observed() -> Observed:
    return current_app.extensions[EXTENSION]
