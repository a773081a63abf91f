"""A local stand-in for the Google Sheets v4 and Drive v3 endpoints the sync worker uses.

It is a real HTTP server on 127.0.0.1 (a free port), driven through gspread's real client:
``gspread.Client(auth=None, session=BaseURLSession(fake.base_url))`` sends every request that
gspread addresses to ``https://sheets.googleapis.com`` or ``https://www.googleapis.com`` here
instead (``forms_app.sheets.client``). Nothing is mocked inside gspread or requests.

What it implements, as Google documents it (request and response shapes, error bodies):

- ``spreadsheets.get`` (metadata; with ``ranges`` also the grid data: formatted values and
  notes), ``spreadsheets.batchUpdate`` (addSheet, updateSheetProperties, setDataValidation,
  add/deleteConditionalFormatRule, add/deleteProtectedRange, updateCells for notes,
  repeatCell for formats; atomic: all requests apply or none);
- ``values.get``, ``values.batchGet``, ``values.update``, ``values.batchUpdate``,
  ``values.append`` (table detection from the range's top left, ``insertDataOption``
  OVERWRITE or INSERT_ROWS), ``values.clear``, ``values.batchClear``;
- ``valueInputOption`` is required on every write and honoured: RAW stores the string as
  given; USER_ENTERED turns ``=...`` into a formula (read back evaluated: ``=HYPERLINK`` shows
  its label, anything else ``#ERROR!``), ``+44...`` into a number, and drops a leading ``'``;
- Drive ``files.get``, ``revisions.list`` (who changed the file and when: staff edits made
  through ``staff_edit`` and the service account's own writes, ``me: true``) and
  ``permissions.list``.

Faults, decided per request from a seeded RNG (``Faults``): 429 with ``Retry-After``, 500,
503, "applied, then 500" (the write happens, the client is told it failed), timeouts (the
response is held past the client's timeout; a write is applied first or not at all, each
half the time), total outages between times on an injected clock, statuses forced for the
next requests, and hanging every request. Every request is logged (time on the clock, API
method, read or write, status, body size, ``valueInputOption``) for quota and RAW checks.

Staff actions the tests need go through methods, not HTTP: ``staff_edit`` (refused on a
protected cell unless the editor may edit it; a strict dropdown refuses a value not in its
list unless ``paste=True``), ``staff_sort``, ``staff_insert_row``, ``staff_filter``.
"""

from __future__ import annotations

import copy
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

SERVICE_ACCOUNT = "feedback-sync@test-project.iam.gserviceaccount.com"
OWNER = "admin@example.org"
DEFAULT_ROWS, DEFAULT_COLS = 1000, 26


class FakeClock:
    """A clock that only moves when told to (``sleep`` moves it on at once)."""

    def __init__(self, start: float = 1_780_000_000.0):
        self._now = float(start)
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, float(seconds))

    advance = sleep


@dataclass
class Faults:
    """What goes wrong, as fractions of requests (decided in this order)."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_503: float = 0.0
    rate_ambiguous: float = 0.0  # the write is applied, then 500
    rate_timeout: float = 0.0  # the response is held for hold_seconds
    retry_after: str | None = "7"  # header sent with a 429 (None: no header)
    outages: list[tuple[float, float]] = field(default_factory=list)  # clock times, 503
    hold_seconds: float = 0.6
    hang_all: bool = False  # every request is held for hold_seconds (an API that hangs)
    seed: int = 1
    forced: list[int] = field(default_factory=list)  # statuses for the next requests (0: ok)


class APIFailure(Exception):
    def __init__(self, code: int, message: str, status: str):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _bad(message: str) -> APIFailure:
    return APIFailure(400, message, "INVALID_ARGUMENT")


STATUS_NAMES = {
    400: ("INVALID_ARGUMENT", "Invalid request."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: (
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per "
        "minute per user' of service 'sheets.googleapis.com'.",
    ),
    500: ("INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
}


# -- cells ----------------------------------------------------------------------------------


class Formula(str):
    """A cell holding a formula (only ever made by USER_ENTERED input)."""


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_HYPERLINK = re.compile(r'^=HYPERLINK\(\s*"[^"]*"\s*[,;]\s*"([^"]*)"\s*\)$', re.IGNORECASE)


def _user_entered(value):
    if not isinstance(value, str):
        return value
    if value.startswith("="):
        return Formula(value)
    if value.startswith("'"):
        return value[1:]
    if _NUMBER.match(value.strip()):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    return value


def _raw(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    return value


def _evaluated(cell):
    if isinstance(cell, Formula):
        match = _HYPERLINK.match(cell)
        return match.group(1) if match else "#ERROR!"
    return cell


def _formatted(cell) -> str:
    cell = _evaluated(cell)
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell)


def _render(cell, option: str):
    if option == "FORMULA":
        return str(cell) if isinstance(cell, Formula) else cell
    if option == "UNFORMATTED_VALUE":
        return _evaluated(cell)
    return _formatted(cell)


def _empty(cell) -> bool:
    return cell is None or cell == ""


# -- A1 notation ----------------------------------------------------------------------------

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _col_letters(index: int) -> str:
    index += 1
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_sheet(a1: str) -> tuple[str | None, str]:
    """('Sheet title' or None, 'A1:B2' or '')."""
    if a1.startswith("'"):
        i, title = 1, ""
        while i < len(a1):
            if a1[i] == "'":
                if i + 1 < len(a1) and a1[i + 1] == "'":
                    title += "'"
                    i += 2
                    continue
                break
            title += a1[i]
            i += 1
        rest = a1[i + 1 :]
        return title, rest[1:] if rest.startswith("!") else rest
    if "!" in a1:
        title, rest = a1.split("!", 1)
        return title, rest
    return None, a1  # a sheet's name or cells of the first sheet: Spreadsheet.locate decides


def parse_cells(text: str):
    """(r0, r1, c0, c1), zero-based, half open; None where unbounded."""
    if not text:
        return None, None, None, None
    parts = text.split(":")
    if len(parts) > 2:
        raise _bad(f"Unable to parse range: {text}")
    first = _CELL.match(parts[0])
    last = _CELL.match(parts[-1])
    if not first or not last or (not parts[0]) or (not parts[-1]):
        raise _bad(f"Unable to parse range: {text}")
    c_start, r_start = first.groups()
    c_end, r_end = last.groups()
    r0 = int(r_start) - 1 if r_start else None
    c0 = _col_index(c_start) if c_start else None
    r1 = int(r_end) if r_end else None
    c1 = _col_index(c_end) + 1 if c_end else None
    if len(parts) == 1 and r0 is not None and c0 is not None:
        r1, c1 = r0 + 1, c0 + 1
    return r0, r1, c0, c1


def a1(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    quoted = "'" + title.replace("'", "''") + "'" if not title.isalnum() else title
    return f"{quoted}!{_col_letters(c0)}{r0 + 1}:{_col_letters(c1 - 1)}{r1}"


# -- one sheet ------------------------------------------------------------------------------


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = DEFAULT_ROWS
    col_count: int = DEFAULT_COLS
    frozen_rows: int = 0
    rows: list[list] = field(default_factory=list)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    validations: list[dict] = field(default_factory=list)  # {range, rule}
    conditional_formats: list[dict] = field(default_factory=list)
    protected: list[dict] = field(default_factory=list)
    formats: list[dict] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)

    def properties(self) -> dict:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {
                "rowCount": self.row_count,
                "columnCount": self.col_count,
                **({"frozenRowCount": self.frozen_rows} if self.frozen_rows else {}),
            },
        }

    def cell(self, r: int, c: int):
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return ""

    def put(self, r: int, c: int, value) -> None:
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        while len(row) <= c:
            row.append("")
        row[c] = value
        self.row_count = max(self.row_count, r + 1)
        self.col_count = max(self.col_count, c + 1)

    def row_empty(self, r: int, c0: int = 0, c1: int | None = None) -> bool:
        if r >= len(self.rows):
            return True
        cells = self.rows[r][c0:c1]
        return all(_empty(x) for x in cells)

    def last_row(self) -> int:
        """Index after the last row holding anything."""
        n = len(self.rows)
        while n and self.row_empty(n - 1):
            n -= 1
        return n

    def bounded(self, r0, r1, c0, c1):
        return (
            0 if r0 is None else r0,
            self.row_count if r1 is None else r1,
            0 if c0 is None else c0,
            self.col_count if c1 is None else c1,
        )

    def values(self, r0, r1, c0, c1, option="FORMATTED_VALUE") -> list[list]:
        r0, r1, c0, c1 = self.bounded(r0, r1, c0, c1)
        out = []
        for r in range(r0, min(r1, len(self.rows))):
            row = [_render(self.cell(r, c), option) for c in range(c0, c1)]
            while row and _empty(row[-1]):
                row.pop()
            out.append(row)
        while out and not out[-1]:
            out.pop()
        return out

    def insert_rows(self, at: int, count: int) -> None:
        while len(self.rows) < at:
            self.rows.append([])
        for _ in range(count):
            self.rows.insert(at, [])
        self.notes = {
            ((r + count) if r >= at else r, c): text for (r, c), text in self.notes.items()
        }
        self.row_count += count

    def grid(self, gr: dict) -> tuple[int, int, int, int]:
        return (
            gr.get("startRowIndex", 0),
            gr.get("endRowIndex", self.row_count),
            gr.get("startColumnIndex", 0),
            gr.get("endColumnIndex", self.col_count),
        )


def _inside(r: int, c: int, box: tuple[int, int, int, int]) -> bool:
    r0, r1, c0, c1 = box
    return r0 <= r < r1 and c0 <= c < c1


# -- the spreadsheet ------------------------------------------------------------------------


@dataclass
class Logged:
    at: float
    method: str
    api: str
    write: bool
    status: int
    size: int
    value_input: str | None
    path: str
    fault: str = ""


class Spreadsheet:
    def __init__(self, spreadsheet_id: str, title: str):
        self.id = spreadsheet_id
        self.title = title
        self.sheets: list[Sheet] = [Sheet(0, "Sheet1", 0)]
        self.next_sheet_id = 1000
        self.next_protected_id = 5000

    def by_title(self, title: str | None) -> Sheet:
        if title is None:
            return self.sheets[0]
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise _bad(f"Unable to parse range: {title}")

    def by_id(self, sheet_id: int) -> Sheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise _bad(f"No grid with id: {sheet_id}")

    def locate(self, a1_range: str):
        title, cells = split_sheet(a1_range)
        if title is None and any(s.title == cells for s in self.sheets):
            title, cells = cells, ""
        sheet = self.by_title(title)
        return sheet, parse_cells(cells)


class FakeSheets:
    """The stand-in. ``with FakeSheets(clock) as fake:`` serves on ``fake.base_url``."""

    def __init__(
        self,
        clock: FakeClock | None = None,
        *,
        spreadsheet_id: str = "test-spreadsheet-key",
        title: str = "Feedback triage",
        service_account: str = SERVICE_ACCOUNT,
        faults: Faults | None = None,
    ):
        self.clock = clock or FakeClock()
        self.spreadsheet = Spreadsheet(spreadsheet_id, title)
        self.service_account = service_account
        self.faults = faults or Faults()
        self._rng = random.Random(self.faults.seed)
        self.lock = threading.RLock()
        self.log: list[Logged] = []
        self.revisions: list[dict] = []
        self.permissions: list[dict] = [
            {"id": "p-owner", "type": "user", "role": "owner", "emailAddress": OWNER},
            {"id": "p-sync", "type": "user", "role": "writer", "emailAddress": service_account},
        ]
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- serving --------------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSheets:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def set_faults(self, faults: Faults) -> None:
        with self.lock:
            self.faults = faults
            self._rng = random.Random(faults.seed)

    # -- what tests look at ---------------------------------------------------------------

    def sheet(self, title: str) -> Sheet:
        with self.lock:
            return self.spreadsheet.by_title(title)

    def titles(self) -> list[str]:
        with self.lock:
            return [s.title for s in self.spreadsheet.sheets]

    def values(self, title: str) -> list[list[str]]:
        """Everything in a tab as formatted text (what a person sees)."""
        with self.lock:
            sheet = self.spreadsheet.by_title(title)
            return sheet.values(None, None, None, None)

    def records(self, title: str) -> list[dict[str, str]]:
        """Rows under the header as {header: value}, skipping empty rows."""
        rows = self.values(title)
        if not rows:
            return []
        header = rows[0]
        out = []
        for row in rows[1:]:
            if not any(row):
                continue
            out.append({h: (row[i] if i < len(row) else "") for i, h in enumerate(header)})
        return out

    def keys(self, title: str) -> list[str]:
        """Column A under the header, non-empty cells only (cheap)."""
        with self.lock:
            sheet = self.spreadsheet.by_title(title)
            return [
                k for k in (_formatted(sheet.cell(r, 0)) for r in range(1, len(sheet.rows))) if k
            ]

    def note(self, title: str, row: int, col: int) -> str:
        """The note on a cell (row and col 1-based)."""
        with self.lock:
            return self.spreadsheet.by_title(title).notes.get((row - 1, col - 1), "")

    def find_row(self, title: str, key: str, col: int = 1) -> int:
        """1-based row number of the first row whose column ``col`` is ``key``."""
        with self.lock:
            sheet = self.spreadsheet.by_title(title)
            for r in range(len(sheet.rows)):
                if _formatted(sheet.cell(r, col - 1)) == key:
                    return r + 1
        raise KeyError(key)

    def requests(self, *, api: str | None = None, write: bool | None = None) -> list[Logged]:
        with self.lock:
            return [
                x
                for x in self.log
                if (api is None or x.api == api) and (write is None or x.write == write)
            ]

    # -- staff working in the sheet -------------------------------------------------------

    def _may_edit(self, sheet: Sheet, r: int, c: int, editor: str) -> bool:
        if editor == OWNER:
            return True
        for p in sheet.protected:
            box = sheet.grid(p.get("range", {}))
            if not _inside(r, c, box):
                continue
            if any(_inside(r, c, sheet.grid(u)) for u in p.get("unprotectedRanges", [])):
                continue
            if p.get("warningOnly"):
                continue
            if editor not in p.get("editors", {}).get("users", []):
                return False
        return True

    def staff_edit(
        self,
        title: str,
        key: str,
        column: str | int,
        value: str,
        *,
        editor: str = "olive@staff.example.org",
        paste: bool = False,
    ) -> None:
        """A person types ``value`` into the row whose column A is ``key``, in the column with
        this header (or 1-based number). Typed text is taken as USER_ENTERED, like the UI."""
        with self.lock:
            sheet = self.spreadsheet.by_title(title)
            r = self.find_row(title, key) - 1
            if isinstance(column, int):
                c = column - 1
            else:
                header = [_formatted(x) for x in (sheet.rows[0] if sheet.rows else [])]
                c = header.index(column)
            if not self._may_edit(sheet, r, c, editor):
                raise PermissionError(f"{editor} may not edit {title} row {r + 1} col {c + 1}")
            if not paste:
                for v in sheet.validations:
                    if _inside(r, c, sheet.grid(v["range"])) and v["rule"].get("strict"):
                        allowed = [
                            x.get("userEnteredValue", "")
                            for x in v["rule"]["condition"].get("values", [])
                        ]
                        if value not in allowed:
                            raise ValueError(f"{value!r} is not in the dropdown")
            text_format = any(
                _inside(r, c, sheet.grid(f["range"]))
                and f.get("numberFormat", {}).get("type") == "TEXT"
                for f in sheet.formats
            )
            sheet.put(r, c, value if text_format else _user_entered(value))
            self._revision(editor)

    def staff_sort(self, title: str, column: int, *, reverse: bool = False) -> None:
        """The owner sorts the rows under the header by a column (1-based)."""
        with self.lock:
            sheet = self.spreadsheet.by_title(title)
            body = [(sheet.rows[r], r) for r in range(1, len(sheet.rows))]
            notes = {}
            body.sort(
                key=lambda pair: _formatted(pair[0][column - 1 : column] and pair[0][column - 1]),
                reverse=reverse,
            )
            for new, (_row, old) in enumerate(body, start=1):
                for (r, c), text in sheet.notes.items():
                    if r == old:
                        notes[(new, c)] = text
            for (r, c), text in sheet.notes.items():
                if r == 0:
                    notes[(r, c)] = text
            sheet.rows[1:] = [row for row, _ in body]
            sheet.notes = notes
            self._revision(OWNER)

    def staff_insert_row(self, title: str, at_row: int) -> None:
        """The owner inserts an empty row at 1-based ``at_row``."""
        with self.lock:
            self.spreadsheet.by_title(title).insert_rows(at_row - 1, 1)
            self._revision(OWNER)

    def staff_filter(self, title: str, column: int, keep: str) -> None:
        """A basic filter: hides rows whose column is not ``keep`` (the API still returns
        them, as Google's does)."""
        with self.lock:
            sheet = self.spreadsheet.by_title(title)
            sheet.hidden_rows = {
                r
                for r in range(1, len(sheet.rows))
                if _formatted(sheet.cell(r, column - 1)) != keep
            }

    def share_with_anyone(self) -> None:
        with self.lock:
            self.permissions.append(
                {
                    "id": "anyoneWithLink",
                    "type": "anyone",
                    "role": "reader",
                    "allowFileDiscovery": False,
                }
            )

    def _revision(self, editor: str) -> None:
        self.revisions.append(
            {
                "id": str(len(self.revisions) + 1),
                "modifiedTime": time.strftime(
                    "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(self.clock.time())
                ),
                "lastModifyingUser": {
                    "kind": "drive#user",
                    "displayName": editor.split("@")[0],
                    "emailAddress": editor,
                    "me": editor == self.service_account,
                },
            }
        )

    # -- faults ---------------------------------------------------------------------------

    def _fault(self, write: bool) -> str:
        """'' (none), or 'hang', 'outage', 'forced:<code>', '429', '500', '503',
        'ambiguous', 'timeout-applied', 'timeout-dropped'."""
        with self.lock:
            f = self.faults
            if f.hang_all:
                return "hang"
            now = self.clock.time()
            if any(start <= now < end for start, end in f.outages):
                return "outage"
            if f.forced:
                code = f.forced.pop(0)
                if code:
                    return f"forced:{code}"
                return ""
            roll = self._rng.random()
            for name, rate in (
                ("429", f.rate_429),
                ("500", f.rate_500),
                ("503", f.rate_503),
                ("ambiguous", f.rate_ambiguous),
                ("timeout", f.rate_timeout),
            ):
                if roll < rate:
                    if name == "timeout":
                        if write and self._rng.random() < 0.5:
                            return "timeout-applied"
                        return "timeout-dropped"
                    return name
                roll -= rate
            return ""

    # -- the API --------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, body: bytes) -> tuple[int, dict, dict]:
        """(status, JSON body, extra headers). Raises _Hang to hold the response."""
        api, write, target = self._route(method, path)
        value_input = None
        payload = {}
        if body:
            try:
                payload = json.loads(body)
            except ValueError:
                return self._logged(
                    method,
                    path,
                    api,
                    write,
                    400,
                    len(body),
                    None,
                    "",
                    _error(400, "Invalid JSON payload received."),
                    {},
                )
        if write:
            value_input = _first(query, "valueInputOption") or payload.get("valueInputOption")
        fault = self._fault(write) if api != "unknown" else ""
        extra_headers = {}
        if fault in ("outage", "503"):
            return self._logged(
                method, path, api, write, 503, len(body), value_input, fault, _error(503), {}
            )
        if fault == "429":
            if self.faults.retry_after is not None:
                extra_headers["Retry-After"] = self.faults.retry_after
            return self._logged(
                method,
                path,
                api,
                write,
                429,
                len(body),
                value_input,
                fault,
                _error(429),
                extra_headers,
            )
        if fault == "500":
            return self._logged(
                method, path, api, write, 500, len(body), value_input, fault, _error(500), {}
            )
        if fault.startswith("forced:"):
            code = int(fault.split(":")[1])
            if code == 429 and self.faults.retry_after is not None:
                extra_headers["Retry-After"] = self.faults.retry_after
            return self._logged(
                method,
                path,
                api,
                write,
                code,
                len(body),
                value_input,
                fault,
                _error(code),
                extra_headers,
            )
        if fault in ("hang", "timeout-dropped"):
            self._logged(method, path, api, write, 0, len(body), value_input, fault, {}, {})
            raise _Hang(self.faults.hold_seconds)
        try:
            with self.lock:
                result = target(query, payload)
                if write:
                    self._revision(self.service_account)
        except APIFailure as failure:
            return self._logged(
                method,
                path,
                api,
                write,
                failure.code,
                len(body),
                value_input,
                fault,
                _error(failure.code, failure.message),
                {},
            )
        if fault == "timeout-applied":
            self._logged(method, path, api, write, 0, len(body), value_input, fault, {}, {})
            raise _Hang(self.faults.hold_seconds)
        if fault == "ambiguous":
            return self._logged(
                method, path, api, write, 500, len(body), value_input, fault, _error(500), {}
            )
        return self._logged(
            method, path, api, write, 200, len(body), value_input, fault, result, {}
        )

    def _logged(self, method, path, api, write, status, size, value_input, fault, body, headers):
        with self.lock:
            self.log.append(
                Logged(
                    self.clock.time(), method, api, write, status, size, value_input, path, fault
                )
            )
        return status, body, headers

    def _route(self, method: str, path: str):
        sid = re.escape(self.spreadsheet.id)
        routes = [
            ("GET", rf"^/v4/spreadsheets/{sid}$", "spreadsheets.get", False, self._get),
            (
                "POST",
                rf"^/v4/spreadsheets/{sid}:batchUpdate$",
                "spreadsheets.batchUpdate",
                True,
                self._batch_update,
            ),
            (
                "GET",
                rf"^/v4/spreadsheets/{sid}/values:batchGet$",
                "values.batchGet",
                False,
                self._values_batch_get,
            ),
            (
                "POST",
                rf"^/v4/spreadsheets/{sid}/values:batchUpdate$",
                "values.batchUpdate",
                True,
                self._values_batch_update,
            ),
            (
                "POST",
                rf"^/v4/spreadsheets/{sid}/values:batchClear$",
                "values.batchClear",
                True,
                self._values_batch_clear,
            ),
            (
                "POST",
                rf"^/v4/spreadsheets/{sid}/values/([^/]+):append$",
                "values.append",
                True,
                self._values_append,
            ),
            (
                "POST",
                rf"^/v4/spreadsheets/{sid}/values/([^/]+):clear$",
                "values.clear",
                True,
                self._values_clear,
            ),
            (
                "GET",
                rf"^/v4/spreadsheets/{sid}/values/([^/:]+)$",
                "values.get",
                False,
                self._values_get,
            ),
            (
                "PUT",
                rf"^/v4/spreadsheets/{sid}/values/([^/:]+)$",
                "values.update",
                True,
                self._values_update,
            ),
            (
                "GET",
                rf"^/drive/v3/files/{sid}/revisions$",
                "drive.revisions.list",
                False,
                self._revisions,
            ),
            (
                "GET",
                rf"^/drive/v3/files/{sid}/permissions$",
                "drive.permissions.list",
                False,
                self._permissions,
            ),
            ("GET", rf"^/drive/v3/files/{sid}$", "drive.files.get", False, self._file),
        ]
        for verb, pattern, api, write, handler in routes:
            match = re.match(pattern, path)
            if verb == method and match:
                groups = [unquote(g) for g in match.groups()]

                def target(query, payload, handler=handler, groups=groups):
                    return handler(*groups, query, payload)

                return api, write, target

        def missing(query, payload):
            raise APIFailure(404, "Requested entity was not found.", "NOT_FOUND")

        return "unknown", method != "GET", missing

    # spreadsheets.get
    def _get(self, query, payload):
        ss = self.spreadsheet
        ranges = query.get("ranges", [])
        sheets = []
        wanted = {}
        for r in ranges:
            sheet, box = ss.locate(r)
            wanted.setdefault(sheet.sheet_id, []).append(box)
        for sheet in ss.sheets:
            if ranges and sheet.sheet_id not in wanted:
                continue
            entry = {
                "properties": sheet.properties(),
                "protectedRanges": copy.deepcopy(sheet.protected),
                "conditionalFormats": [copy.deepcopy(x) for x in sheet.conditional_formats],
            }
            if ranges:
                entry["data"] = [self._grid_data(sheet, box) for box in wanted[sheet.sheet_id]]
            sheets.append(entry)
        return {
            "spreadsheetId": ss.id,
            "properties": {"title": ss.title, "locale": "en_GB", "timeZone": "Europe/London"},
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{ss.id}/edit",
        }

    def _grid_data(self, sheet: Sheet, box) -> dict:
        r0, r1, c0, c1 = sheet.bounded(*box)
        rows = []
        for r in range(
            r0, min(r1, max(len(sheet.rows), max((k[0] + 1 for k in sheet.notes), default=0)))
        ):
            values = []
            for c in range(c0, c1):
                cell = {}
                v = sheet.cell(r, c)
                if not _empty(v):
                    cell["formattedValue"] = _formatted(v)
                if (r, c) in sheet.notes:
                    cell["note"] = sheet.notes[(r, c)]
                values.append(cell)
            while values and not values[-1]:
                values.pop()
            rows.append({"values": values} if values else {})
        return {"startRow": r0, "startColumn": c0, "rowData": rows}

    # values.get / batchGet
    def _value_range(self, a1_range: str, query) -> dict:
        sheet, box = self.spreadsheet.locate(a1_range)
        option = _first(query, "valueRenderOption") or "FORMATTED_VALUE"
        values = sheet.values(*box, option=option)
        major = _first(query, "majorDimension") or "ROWS"
        if major == "COLUMNS":
            width = max((len(r) for r in values), default=0)
            values = [[r[i] if i < len(r) else "" for r in values] for i in range(width)]
        r0, r1, c0, c1 = sheet.bounded(*box)
        out = {"range": a1(sheet.title, r0, r1, c0, c1), "majorDimension": major}
        if values:
            out["values"] = values
        return out

    def _values_get(self, a1_range, query, payload):
        return self._value_range(a1_range, query)

    def _values_batch_get(self, query, payload):
        ranges = query.get("ranges", [])
        return {
            "spreadsheetId": self.spreadsheet.id,
            "valueRanges": [self._value_range(r, query) for r in ranges],
        }

    # writing values
    @staticmethod
    def _input(query, payload) -> str:
        option = _first(query, "valueInputOption") or payload.get("valueInputOption")
        if not option:
            raise _bad("'valueInputOption' is required but not specified")
        if option not in ("RAW", "USER_ENTERED"):
            raise _bad(f"Invalid value at 'value_input_option' ({option})")
        return option

    @staticmethod
    def _convert(value, option):
        if isinstance(value, (dict, list)):
            raise _bad("Invalid values: a cell must be a string, number or boolean")
        return _raw(value) if option == "RAW" else _user_entered(value)

    def _write(self, sheet: Sheet, box, values, option) -> dict:
        r0, r1, c0, c1 = box
        r0 = r0 or 0
        c0 = c0 or 0
        if r1 is not None and len(values) > r1 - r0:
            raise _bad(
                f"Requested writing within range [{sheet.title}], but tried writing to row "
                f"[{r0 + len(values)}]"
            )
        width = 0
        for i, row in enumerate(values):
            if c1 is not None and len(row) > c1 - c0:
                raise _bad(
                    f"Requested writing within range [{sheet.title}], but tried writing to "
                    f"column [{_col_letters(c0 + len(row) - 1)}]"
                )
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str) and len(value) > 50_000:
                    raise _bad(
                        "Your input contains more than the maximum of 50000 characters "
                        "in a single cell."
                    )
                sheet.put(r0 + i, c0 + j, self._convert(value, option))
            width = max(width, len(row))
        height = len(values)
        return {
            "spreadsheetId": self.spreadsheet.id,
            "updatedRange": a1(sheet.title, r0, r0 + max(height, 1), c0, c0 + max(width, 1)),
            "updatedRows": height,
            "updatedColumns": width,
            "updatedCells": sum(len(r) for r in values),
        }

    def _write_target(self, a1_range: str):
        """A range to write: a single cell is where the values start (as Google does)."""
        sheet, box = self.spreadsheet.locate(a1_range)
        if ":" not in split_sheet(a1_range)[1]:
            box = (box[0], None, box[2], None)
        return sheet, box

    def _values_update(self, a1_range, query, payload):
        option = self._input(query, payload)
        sheet, box = self._write_target(a1_range)
        return self._write(sheet, box, payload.get("values", []), option)

    def _values_batch_update(self, query, payload):
        option = self._input(query, payload)
        staged = copy.deepcopy(self.spreadsheet.sheets)
        saved = self.spreadsheet.sheets
        self.spreadsheet.sheets = staged
        try:
            responses = []
            for item in payload.get("data", []):
                sheet, box = self._write_target(item["range"])
                responses.append(self._write(sheet, box, item.get("values", []), option))
        except APIFailure:
            self.spreadsheet.sheets = saved
            raise
        return {
            "spreadsheetId": self.spreadsheet.id,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "responses": responses,
        }

    def _values_append(self, a1_range, query, payload):
        option = self._input(query, payload)
        insert = _first(query, "insertDataOption") or "OVERWRITE"
        sheet, (r0, r1, c0, c1) = self.spreadsheet.locate(a1_range)
        values = payload.get("values", [])
        c_start = c0 or 0
        # Table detection: the first non-empty row at or below the range's top, then down
        # while rows have something in them; the new rows go after the table.
        r = r0 or 0
        limit = len(sheet.rows)
        while r < limit and sheet.row_empty(r, c_start):
            r += 1
        table_start = r
        while r < limit and not sheet.row_empty(r, c_start):
            r += 1
        table_end = r
        start = table_end if table_end > table_start else (r0 or 0)
        if insert == "INSERT_ROWS" and start < len(sheet.rows):
            sheet.insert_rows(start, len(values))
        elif insert not in ("INSERT_ROWS", "OVERWRITE"):
            raise _bad(f"Invalid value at 'insert_data_option' ({insert})")
        update = self._write(sheet, (start, None, c_start, None), values, option)
        width = max((len(v) for v in values), default=1)
        return {
            "spreadsheetId": self.spreadsheet.id,
            "tableRange": a1(
                sheet.title, table_start, max(table_end, table_start + 1), c_start, c_start + width
            )
            if table_end > table_start
            else None,
            "updates": update,
        }

    def _values_clear(self, a1_range, query, payload):
        sheet, box = self.spreadsheet.locate(a1_range)
        self._clear(sheet, box)
        return {"spreadsheetId": self.spreadsheet.id, "clearedRange": a1_range}

    def _values_batch_clear(self, query, payload):
        for a1_range in payload.get("ranges", []):
            sheet, box = self.spreadsheet.locate(a1_range)
            self._clear(sheet, box)
        return {"spreadsheetId": self.spreadsheet.id, "clearedRanges": payload.get("ranges", [])}

    @staticmethod
    def _clear(sheet: Sheet, box) -> None:
        r0, r1, c0, c1 = sheet.bounded(*box)
        for r in range(r0, min(r1, len(sheet.rows))):
            for c in range(c0, min(c1, len(sheet.rows[r]))):
                sheet.rows[r][c] = ""

    # spreadsheets.batchUpdate: all or nothing
    def _batch_update(self, query, payload):
        requests = payload.get("requests")
        if not isinstance(requests, list) or not requests:
            raise _bad("Must specify at least one request.")
        saved = self.spreadsheet.sheets
        saved_next = (self.spreadsheet.next_sheet_id, self.spreadsheet.next_protected_id)
        self.spreadsheet.sheets = copy.deepcopy(saved)
        replies = []
        try:
            for i, request in enumerate(requests):
                if len(request) != 1:
                    raise _bad(f"Invalid requests[{i}]: exactly one kind of request is allowed")
                ((kind, body),) = request.items()
                handler = getattr(self, f"_req_{kind}", None)
                if handler is None:
                    raise _bad(f"Invalid requests[{i}]: unknown request {kind!r}")
                replies.append(handler(body) or {})
        except (APIFailure, KeyError, TypeError, ValueError) as error:
            self.spreadsheet.sheets = saved
            self.spreadsheet.next_sheet_id, self.spreadsheet.next_protected_id = saved_next
            if isinstance(error, APIFailure):
                raise
            raise _bad(f"Invalid request: {error}") from None
        return {"spreadsheetId": self.spreadsheet.id, "replies": replies}

    def _req_addSheet(self, body):
        props = body.get("properties", {})
        title = props.get("title") or f"Sheet{len(self.spreadsheet.sheets) + 1}"
        if any(s.title == title for s in self.spreadsheet.sheets):
            raise _bad(
                f'Invalid requests[0].addSheet: A sheet with the name "{title}" already exists. '
                "Please enter another name."
            )
        grid = props.get("gridProperties", {})
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = self.spreadsheet.next_sheet_id
            self.spreadsheet.next_sheet_id += 1
        sheet = Sheet(
            sheet_id,
            title,
            props.get("index", len(self.spreadsheet.sheets)),
            grid.get("rowCount", DEFAULT_ROWS),
            grid.get("columnCount", DEFAULT_COLS),
            grid.get("frozenRowCount", 0),
        )
        self.spreadsheet.sheets.append(sheet)
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_updateSheetProperties(self, body):
        props = body["properties"]
        fields = body.get("fields", "")
        if not fields:
            raise _bad("Invalid requests[0].updateSheetProperties: You must specify 'fields'")
        sheet = self.spreadsheet.by_id(props["sheetId"])
        for name in fields.split(","):
            name = name.strip()
            if name == "title":
                sheet.title = props["title"]
            elif name == "gridProperties.frozenRowCount":
                sheet.frozen_rows = props["gridProperties"]["frozenRowCount"]
            elif name == "gridProperties.rowCount":
                sheet.row_count = props["gridProperties"]["rowCount"]
            elif name == "gridProperties.columnCount":
                sheet.col_count = props["gridProperties"]["columnCount"]
            elif name == "index":
                sheet.index = props["index"]
            else:
                raise _bad(f"updateSheetProperties: unsupported field {name}")

    def _req_setDataValidation(self, body):
        rng = body["range"]
        sheet = self.spreadsheet.by_id(rng["sheetId"])
        box = sheet.grid(rng)
        sheet.validations = [v for v in sheet.validations if sheet.grid(v["range"]) != box]
        if body.get("rule"):
            sheet.validations.append({"range": copy.deepcopy(rng), "rule": body["rule"]})

    def _req_addConditionalFormatRule(self, body):
        rule = body["rule"]
        for rng in rule["ranges"]:
            self.spreadsheet.by_id(rng["sheetId"])
        sheet = self.spreadsheet.by_id(rule["ranges"][0]["sheetId"])
        index = body.get("index", len(sheet.conditional_formats))
        sheet.conditional_formats.insert(index, copy.deepcopy(rule))

    def _req_deleteConditionalFormatRule(self, body):
        sheet = self.spreadsheet.by_id(body["sheetId"])
        index = body["index"]
        if not 0 <= index < len(sheet.conditional_formats):
            raise _bad(f"No conditional format on sheet {sheet.sheet_id} at index {index}")
        removed = sheet.conditional_formats.pop(index)
        return {"deleteConditionalFormatRule": {"rule": removed}}

    def _req_addProtectedRange(self, body):
        pr = copy.deepcopy(body["protectedRange"])
        sheet = self.spreadsheet.by_id(pr["range"]["sheetId"])
        pr["protectedRangeId"] = self.spreadsheet.next_protected_id
        self.spreadsheet.next_protected_id += 1
        pr.setdefault("requestingUserCanEdit", True)
        sheet.protected.append(pr)
        return {"addProtectedRange": {"protectedRange": copy.deepcopy(pr)}}

    def _req_deleteProtectedRange(self, body):
        for sheet in self.spreadsheet.sheets:
            for i, pr in enumerate(sheet.protected):
                if pr["protectedRangeId"] == body["protectedRangeId"]:
                    sheet.protected.pop(i)
                    return None
        raise _bad(f"No protected range with id {body['protectedRangeId']}")

    def _req_updateCells(self, body):
        fields = body.get("fields", "")
        if not fields:
            raise _bad("updateCells: You must specify 'fields'")
        if "range" in body:
            sheet = self.spreadsheet.by_id(body["range"]["sheetId"])
            r0, _r1, c0, _c1 = sheet.grid(body["range"])
        else:
            start = body["start"]
            sheet = self.spreadsheet.by_id(start["sheetId"])
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        for i, row in enumerate(body.get("rows", [])):
            for j, cell in enumerate(row.get("values", [])):
                if "note" in fields.split(","):
                    note = cell.get("note", "")
                    if note:
                        sheet.notes[(r0 + i, c0 + j)] = note
                    else:
                        sheet.notes.pop((r0 + i, c0 + j), None)
                if "userEnteredValue" in fields:
                    value = cell.get("userEnteredValue", {})
                    text = value.get("stringValue", value.get("numberValue", ""))
                    sheet.put(r0 + i, c0 + j, text)

    def _req_repeatCell(self, body):
        rng = body["range"]
        sheet = self.spreadsheet.by_id(rng["sheetId"])
        fmt = body.get("cell", {}).get("userEnteredFormat", {})
        box = sheet.grid(rng)
        sheet.formats = [f for f in sheet.formats if sheet.grid(f["range"]) != box]
        sheet.formats.append({"range": copy.deepcopy(rng), **copy.deepcopy(fmt)})

    # Drive
    def _revisions(self, query, payload):
        size = int(_first(query, "pageSize") or 200)
        start = int(_first(query, "pageToken") or 0)
        page = self.revisions[start : start + size]
        out = {"kind": "drive#revisionList", "revisions": copy.deepcopy(page)}
        if start + size < len(self.revisions):
            out["nextPageToken"] = str(start + size)
        return out

    def _permissions(self, query, payload):
        return {"kind": "drive#permissionList", "permissions": copy.deepcopy(self.permissions)}

    def _file(self, query, payload):
        return {
            "id": self.spreadsheet.id,
            "name": self.spreadsheet.title,
            "createdTime": "2026-01-05T09:00:00.000Z",
            "modifiedTime": self.revisions[-1]["modifiedTime"] if self.revisions else None,
        }


def _first(query: dict, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _error(code: int, message: str | None = None) -> dict:
    status, default = STATUS_NAMES.get(code, ("UNKNOWN", "Error"))
    return {"error": {"code": code, "message": message or default, "status": status}}


class _Hang(Exception):
    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


class _Handler(BaseHTTPRequestHandler):
    owner: FakeSheets
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, as Google's do

    def log_message(self, *args) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            status, payload, headers = self.owner.handle(method, parts.path, query, body)
        except _Hang as hang:
            time.sleep(hang.seconds)
            self.close_connection = True
            return
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self):  # noqa: N802
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def do_PUT(self):  # noqa: N802
        self._serve("PUT")
