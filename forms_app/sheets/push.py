"""Sending rows in as few requests as Google's limits allow, and each row exactly once.

- One ``append_rows`` call (``values.append``, value input RAW, INSERT_ROWS) carries up to
  ``max_rows`` rows and stays under ``BODY_LIMIT`` bytes (Google advises about 2 MB).
- Before an append is sent, its keys are marked ``maybe`` in the outbox (committed); after the
  reply they are ``sent``. If the reply never comes or is an error that may hide a landed
  write, the keys stay ``maybe`` until the worker reads the tab's key column (``resolve``).
- Row updates (``values.batchUpdate``) and notes (``spreadsheets.batchUpdate``) are
  idempotent: writing the same cells twice is harmless, so they are retried in place.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence

from gspread.utils import ValueInputOption

from .layout import a1

BODY_LIMIT = 1_800_000  # bytes of JSON per request: under Google's ~2 MB with room to spare
RAW = ValueInputOption.raw


def size_of(row) -> int:
    return len(json.dumps(row, ensure_ascii=False).encode("utf-8")) + 2


def chunks(
    items: Sequence, max_rows: int, limit: int = BODY_LIMIT, *, size=lambda i: size_of(i[1])
):
    """Split ``items`` into runs of at most ``max_rows`` whose JSON stays under ``limit``."""
    batch, used = [], 64
    for item in items:
        n = size(item)
        if batch and (len(batch) >= max_rows or used + n > limit):
            yield batch
            batch, used = [], 64
        batch.append(item)
        used += n
    if batch:
        yield batch


class Pusher:
    def __init__(self, outbox, retrier, writes, clock, *, max_rows: int):
        self.outbox = outbox
        self.retrier = retrier
        self.writes = writes
        self.clock = clock
        self.max_rows = max_rows
        self.appended = 0  # rows, in all
        self.append_calls = 0
        self.largest_body = 0

    def append(
        self,
        worksheet,
        tab: str,
        items: list[tuple[str, list[str]]],
        before_send=None,
        placed=None,
    ) -> int:
        """Append (key, row) items to ``worksheet`` (its tab is ``tab``), exactly once.
        ``before_send(keys)`` runs after the keys are marked maybe (to record what staff will
        see); ``placed(keys, rows, reply)`` after each reply (to learn where the rows went).
        Raises SyncFailure at the first append that fails; what was sent stays sent."""
        sent = 0
        for batch in chunks(items, self.max_rows):
            keys = [key for key, _row in batch]
            values = [row for _key, row in batch]
            batch_id = secrets.token_hex(8)
            self.outbox.mark_maybe(tab, keys, batch_id)
            if before_send is not None:
                before_send(keys)
            body = size_of({"values": values})
            self.largest_body = max(self.largest_body, body)
            reply = self.retrier.call(
                lambda values=values: worksheet.append_rows(
                    values,
                    value_input_option=RAW,
                    insert_data_option="INSERT_ROWS",
                    table_range="A1",
                ),
                idempotent=False,
                limiter=self.writes,
            )
            self.append_calls += 1
            self.outbox.mark_sent(tab, batch_id, self.clock.time())
            if placed is not None:
                placed(keys, values, reply)
            sent += len(batch)
            self.appended += len(batch)
        return sent

    def update_rows(self, spreadsheet, tab: str, rows: list[tuple[int, list[str]]]) -> int:
        """Write whole rows in place: (1-based row number, values). Returns requests made."""
        requests = 0
        data = [
            {"range": a1(tab, f"A{number}:{_last_col(len(values))}{number}"), "values": [values]}
            for number, values in rows
        ]
        for batch in chunks(data, 10_000, size=size_of):
            body = {"valueInputOption": RAW, "data": batch}
            self.largest_body = max(self.largest_body, size_of(body))
            self.retrier.call(
                lambda body=body: spreadsheet.values_batch_update(body),
                idempotent=True,
                limiter=self.writes,
            )
            requests += 1
        return requests

    def clear_rows(self, spreadsheet, tab: str, numbers: list[int], width: int) -> None:
        if not numbers:
            return
        body = {"ranges": [a1(tab, f"A{n}:{_last_col(width)}{n}") for n in numbers]}
        self.retrier.call(
            lambda: spreadsheet.values_batch_clear(body=body), idempotent=True, limiter=self.writes
        )

    def notes(self, spreadsheet, sheet_id: int, notes: list[tuple[int, int, str]]) -> None:
        """Set (or with "" clear) notes: (1-based row, 1-based column, text)."""
        if not notes:
            return
        requests = [
            {
                "updateCells": {
                    "range": {
                        "sheetId": sheet_id,
                        "startRowIndex": row - 1,
                        "endRowIndex": row,
                        "startColumnIndex": col - 1,
                        "endColumnIndex": col,
                    },
                    "rows": [{"values": [{"note": text}]}],
                    "fields": "note",
                }
            }
            for row, col, text in notes
        ]
        for batch in chunks(requests, 5_000, size=size_of):
            self.retrier.call(
                lambda batch=batch: spreadsheet.batch_update({"requests": batch}),
                idempotent=True,
                limiter=self.writes,
            )


def _last_col(width: int) -> str:
    from .layout import col_letter

    return col_letter(width - 1)
