"""Staff exports: cases for a period, service or stage as CSV or XLSX, safe to open in Excel.

Three things differ from the data package, and only here: a cell that begins like a formula
(``= + - @ | %``, tab, CR, LF) gets a leading ``'`` so a spreadsheet shows it as text instead
of running it; CSV is UTF-8 with a byte-order mark, quoted throughout, so Excel keeps Welsh
letters (ŵ, ŷ) and cannot split a cell; and personal details appear only when asked for, with
an entry in the audit log. The data package itself is never changed: neutralising is done to
the copy being written.

Each case's state (stage, status, outcome, themes, dates) is its events folded in order by the
casework's own fold, so the export and the staff pages agree.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from forms_app.casework.flags import is_restricted
from forms_app.casework.state import Case, fold
from forms_app.procedures.profiles import ProcedureError, load_procedure
from forms_app.storage import EVENTS, PERSONAL, SUBMISSIONS
from forms_app.storage.table import fsync_directory

from . import audit

LONDON = ZoneInfo("Europe/London")
FORMATS = ("csv", "xlsx")
# OWASP CSV injection: what a spreadsheet may treat as the start of a formula or command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
# Characters an XLSX file cannot hold at all (XML 1.0): replaced in the export only.
_XML_ILLEGAL = {code: "\ufffd" for code in (*range(0, 9), 11, 12, *range(14, 32))}

SUBMISSION_COLUMNS = (
    "ref",
    "received",
    "kind",
    "service",
    "service_detail",
    "language",
    "channel",
    "procedure",
    "happened_on",
    "details",
    "outcome_wanted",
    "thank_who",
    "on_behalf",
    "relationship",
    "consent",
    "advocate",
    "anonymous",
)
STATE_COLUMNS = (
    ("stage", "Current stage"),
    ("status", "Status"),
    ("outcome", "Outcome"),
    ("themes", "Themes"),
    ("owner", "Handled by"),
    ("acknowledged", "Acknowledged"),
    ("responded", "Responded"),
    ("ombudsman_referred", "Referred to the ombudsman"),
    ("closed", "Closed"),
)


def neutralise(value: str) -> str:
    """The cell as it must be written to a spreadsheet: a leading ``'`` if it begins like a
    formula, otherwise unchanged."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


# -- case state -----------------------------------------------------------------------------


def case_states(parts, submissions: list[dict[str, str]], events: Iterable[dict[str, str]]):
    """Each case folded by ``casework.state.fold`` (the staff pages' own rules), so an export
    says exactly what the case page says."""
    by_ref: dict[str, list[dict[str, str]]] = {row["ref"]: [] for row in submissions}
    for event in events:
        if event["ref"] in by_ref:
            by_ref[event["ref"]].append(event)
    first_stages: dict[str, str] = {parts.procedure.code: parts.procedure.first_stage.code}

    def first_stage(code: str) -> str:
        if code not in first_stages:
            try:
                first_stages[code] = load_procedure(code).first_stage.code
            except ProcedureError:
                first_stages[code] = parts.procedure.first_stage.code
        return first_stages[code]

    return {
        row["ref"]: fold(row, by_ref[row["ref"]], first_stage(row["procedure"]))
        for row in submissions
    }


def state_columns(case: Case) -> dict[str, object]:
    """The case-state cells of one row: current stage, status, outcome, themes (codes), owner
    and the dates that matter to staff."""
    steps = [*case.stages.values()] if case.kind == "complaint" else [case.step]
    steps = [step for step in steps if step is not None]
    current = case.current
    acknowledged = [step.acknowledged for step in steps if step.acknowledged]
    return {
        "stage": case.stage,
        "status": case.status,
        # The current stage's: an earlier stage's outcome is not the case's (after a reopen,
        # the stage starts again without one).
        "outcome": current.outcome if current is not None else "",
        "themes": list(case.themes),
        "owner": case.owner,
        "acknowledged": min(acknowledged) if acknowledged else None,
        "responded": current.responded if current is not None else None,
        "ombudsman_referred": case.ombudsman_referred,
        "closed": case.closed_on if case.status != "open" else None,
    }


# -- choosing and shaping rows --------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilter:
    start: date | None = None
    end: date | None = None
    service: str | None = None
    stage: str | None = None

    def describe(self) -> str:
        parts = [
            f"from={self.start or 'any'}",
            f"to={self.end or 'any'}",
            f"service={self.service or 'any'}",
            f"stage={self.stage or 'any'}",
        ]
        return " ".join(parts)


@dataclass
class ExportResult:
    path: Path
    cases: int
    columns: list[str]


def export_cases(
    parts,
    output: Path,
    *,
    actor: str,
    selection: ExportFilter = ExportFilter(),
    fmt: str = "csv",
    include_personal: bool = False,
    keep: Callable[[Case], bool] | None = None,
) -> ExportResult:
    """Write the chosen cases to ``output`` (replaced atomically) and audit the export.
    ``keep``: only the cases it says yes to (for example those the person asking may see)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    store, contract = parts.store, parts.contract
    submissions = list(store.rows(SUBMISSIONS))
    states = case_states(parts, submissions, store.rows(EVENTS))
    # Restricted cases (UK GDPR Art 18, ``feedback records restrict``) are never exported.
    chosen = [
        row
        for row in submissions
        if _chosen(row, states[row["ref"]], selection)
        and not is_restricted(states[row["ref"]])
        and (keep is None or keep(states[row["ref"]]))
    ]
    chosen.sort(key=lambda row: (datetime.fromisoformat(row["received"]), row["ref"]))
    personal = {}
    if include_personal:
        wanted = {row["ref"] for row in chosen}
        personal = {row["ref"]: row for row in store.rows(PERSONAL) if row["ref"] in wanted}
    theme_names = {theme.code: theme.name for theme in parts.settings.themes}
    service_names = {service.code: service.name for service in parts.settings.services}

    headers = [contract.field("submissions", name)["title"] for name in SUBMISSION_COLUMNS]
    headers.insert(4, "Service name")
    headers += [title for _name, title in STATE_COLUMNS]
    if include_personal:
        headers += [contract.field("personal", name)["title"] for name in contract.personal_fields]

    def cells(row: dict[str, str]) -> list:
        case = states[row["ref"]]
        state = state_columns(case)
        out: list = []
        for name in SUBMISSION_COLUMNS:
            if name == "received":
                out.append(
                    datetime.fromisoformat(row[name]).astimezone(LONDON).replace(tzinfo=None)
                )
            elif name in ("kind", "service"):
                out.append(getattr(case, name))
            else:
                out.append(row[name])
        out.insert(4, service_names.get(case.service, ""))
        for name, _title in STATE_COLUMNS:
            value = state[name]
            if name == "themes":
                value = "; ".join(theme_names.get(code, code) for code in value)
            out.append("" if value is None else value)
        if include_personal:
            details = personal.get(row["ref"], {})
            out += [details.get(name, "") for name in contract.personal_fields]
        return out

    rows = (cells(row) for row in chosen)
    output = Path(output)
    if fmt == "csv":
        _write_atomically(output, lambda handle: _write_csv(handle, headers, rows))
    else:
        _write_atomically(output, lambda handle: _write_xlsx(handle, headers, rows))
    audit.record(
        parts.settings.data_dir,
        actor=actor,
        action="export",
        fields=list(contract.personal_fields) if include_personal else [],
        detail=(
            f"format={fmt} {selection.describe()} cases={len(chosen)} "
            f"personal={'yes' if include_personal else 'no'} file={output.name[:100]}"
        ),
    )
    return ExportResult(output, len(chosen), headers)


def _chosen(row: dict[str, str], case: Case, selection: ExportFilter) -> bool:
    received = datetime.fromisoformat(row["received"]).astimezone(LONDON).date()
    if selection.start and received < selection.start:
        return False
    if selection.end and received > selection.end:
        return False
    if selection.service and case.service != selection.service:
        return False
    return not (selection.stage and case.stage != selection.stage)


# -- writing --------------------------------------------------------------------------------


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def _write_csv(handle, headers: Sequence[str], rows: Iterable[list]) -> None:
    text = _TextWriter(handle)
    text.write("\ufeff")  # the byte-order mark that makes Excel read UTF-8
    # Every cell quoted (RFC 4180), CRLF as Excel writes it.
    writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    for row in rows:
        writer.writerow([_text(value) for value in row])


class _TextWriter:
    """Encodes text to UTF-8 into a binary file (csv.writer wants ``write(str)``)."""

    def __init__(self, handle):
        self.handle = handle

    def write(self, text: str) -> None:
        self.handle.write(text.encode("utf-8"))


def _write_xlsx(handle, headers: Sequence[str], rows: Iterable[list]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cases")
    sheet.freeze_panes = "B2"
    bold = Font(bold=True)

    def cell(value):
        if isinstance(value, datetime | date):
            made = WriteOnlyCell(sheet, value=value)
            made.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, datetime) else "yyyy-mm-dd"
            return made
        made = WriteOnlyCell(sheet, value=neutralise(value).translate(_XML_ILLEGAL))
        made.data_type = "s"  # text, whatever it looks like: never a formula or a number
        return made

    header_cells = []
    for header in headers:
        made = cell(header)
        made.font = bold
        header_cells.append(made)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([cell(value) for value in row])
    workbook.save(handle)


def _write_atomically(path: Path, write) -> None:
    """Write to a temporary file beside ``path`` (owner-only: it may hold personal details),
    fsync, then rename over ``path``: a reader never sees half an export."""
    path = path.resolve()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(path.parent)
