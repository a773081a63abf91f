"""Metrics read from the data each time ``/metrics`` is scraped, so they are right whichever
worker answers and however long it has run: submissions stored (a counter, by kind and
channel), rows waiting for the sheet per tab and the age of the oldest (the sheet's lag), and
drafts kept. Submissions are counted from the rows appended since the last scrape, so a scrape
costs the same with a thousand cases or a hundred thousand.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from forms_app.storage.drafts import count_drafts
from forms_app.storage.store import SUBMISSIONS

from .observed import Observed


class DataCollector:
    """A Prometheus collector (it has ``collect``) over one app's data."""

    def __init__(self, watched: Observed):
        self.watched = watched
        self._lock = threading.Lock()
        self._cursor: object = None
        self._submissions: Counter[tuple[str, str]] = Counter()

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        submissions = CounterMetricFamily(
            "feedback_submissions",
            "Submissions stored, by kind and channel (read from the store).",
            labels=("kind", "channel"),
        )
        for (kind, channel), count in sorted(self.submissions().items()):
            submissions.add_metric((kind, channel), count)
        yield submissions

        state = self.watched.outbox_state()
        if state is not None:
            depth = GaugeMetricFamily(
                "feedback_sheet_outbox_depth",
                "Rows waiting to reach the shared sheet, by tab.",
                labels=("tab",),
            )
            for tab, waiting in sorted(state.waiting.items()):
                depth.add_metric((tab,), waiting)
            yield depth
            lag = 0.0
            if state.oldest_queued_at is not None:
                lag = max(0.0, time.time() - state.oldest_queued_at)
            yield GaugeMetricFamily(
                "feedback_sheet_lag_seconds",
                "How long the longest-waiting row has waited to reach the sheet (0: none).",
                value=lag,
            )

        yield GaugeMetricFamily(
            "feedback_drafts",
            "Drafts kept (answers not yet sent).",
            value=self.drafts(),
        )

    def submissions(self) -> Counter[tuple[str, str]]:
        """Stored submissions by (kind, channel), brought up to date from the new rows."""
        with self._lock:
            changes = self.watched.store.changes_since(self._cursor, (SUBMISSIONS,))
            if changes.restart:  # the table was rewritten (an erasure, a retention purge)
                self._submissions.clear()
            for row in changes.rows.get(SUBMISSIONS, []):
                self._submissions[(row.get("kind", ""), row.get("channel", ""))] += 1
            self._cursor = changes.cursor
            return Counter(self._submissions)

    def drafts(self) -> int:
        return count_drafts(self.watched.drafts_dir)
