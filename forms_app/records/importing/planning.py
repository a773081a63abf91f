"""Turning source rows into the rows to store: submissions, personal details and events, every
one checked against the schemas, the procedure and the organisation's codes.

Nothing is written here. Every row is planned and every problem collected (row number, column,
what was expected), so one run shows everything to fix. Planning is deterministic: the same file
and mapping always give the same rows, byte for byte, which is what lets a second run of the same
import find everything already there.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from forms_app.migrations.learning_actions import give_learning_actions_identifiers
from forms_app.storage.contract import FieldProblem
from forms_app.storage.records import normalise_newlines

from .mapping import REQUIRED_ATTRIBUTES, EventRule, ImportMapping, Spec, match_key
from .messages import PATTERNS, expected
from .reading import Cell, SourceRow, SourceTable
from .vocabulary import Vocabulary

LONDON = ZoneInfo("Europe/London")
ACTOR = "import"
CHANNEL = "import"
_ECHO_LIMIT = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row (``row`` None: with the file as a whole)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row is not None else []
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where) or 'file'}: {self.message}"


@dataclass
class PlannedCase:
    """One source row as it will be stored."""

    row: int
    ref: str
    received: datetime
    submission: dict[str, str]
    personal: dict[str, str] | None
    events: list[dict[str, str]]


@dataclass
class Plan:
    rows: int = 0  # non-blank rows read
    skipped: int = 0  # rows left out by skip_when
    cases: list[PlannedCase] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def imported_idempotency_key(ref: str) -> str:
    """The idempotency key of an imported case: a function of its reference alone, so the same
    case imported twice is one case."""
    return "import-" + hashlib.sha256(f"import\x1f{ref}".encode()).hexdigest()[:40]


def imported_event_id(event: dict[str, str]) -> str:
    """An event's id from what it says, so re-running an import adds no event twice, while an
    export taken later (the case has since closed) adds just the events that are new."""
    parts = [event[name] for name in ("ref", "type", "at", "stage", "kind", "outcome", "value")]
    parts.append(event["note"])
    return "imp-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def plan_import(
    table: SourceTable,
    mapping: ImportMapping,
    vocabulary: Vocabulary,
    *,
    now: datetime | None = None,
) -> Plan:
    """Plan every row; problems are collected, never raised."""
    planner = _RowPlanner(mapping, vocabulary, now or datetime.now(LONDON))
    plan = Plan()
    first_row_of: dict[str, int] = {}
    for row in table.rows:
        plan.rows += 1
        if planner.skipped(row):
            plan.skipped += 1
            continue
        case, problems = planner.plan(row)
        if case is not None and case.ref in first_row_of:
            problems.append(
                Problem(
                    row.number,
                    mapping.reference.where,
                    f"{case.ref} is also the reference in row {first_row_of[case.ref]}: "
                    "expected each case once",
                )
            )
        elif case is not None:
            first_row_of[case.ref] = row.number
        plan.problems.extend(problems)
        if case is not None and not problems:
            plan.cases.append(case)
    return plan


class _RowPlanner:
    def __init__(self, mapping: ImportMapping, vocabulary: Vocabulary, now: datetime):
        self.mapping = mapping
        self.vocabulary = vocabulary
        self.contract = vocabulary.contract
        self.now = now
        self.personal_columns = mapping.personal_columns
        self.columns = {
            name: self.contract.columns(name) for name in ("submissions", "personal", "events")
        }

    def skipped(self, row: SourceRow) -> bool:
        return any(
            match_key(_text(row.cells[column])) in words
            for column, words in self.mapping.skip_when.items()
        )

    # -- one row ----------------------------------------------------------------------------

    def plan(self, row: SourceRow) -> tuple[PlannedCase | None, list[Problem]]:
        self.row = row
        self.problems: list[Problem] = []
        self.reported: set[str] = set()  # fields whose cell was already reported
        ref = self.reference()
        received = self.date(self.mapping.received, "received", required=True)
        if received is not None and received > self.now:
            self.fail(self.mapping.received, "is in the future: expected a date up to today")
        submission = self.submission(ref, received)
        personal = self.personal(ref)
        if "anonymous" not in self.mapping.submissions:
            # Nobody to write back to is what anonymous means in the schema.
            submission["anonymous"] = "false" if personal else "true"
        self.check("submissions", submission, self.mapping.submissions)
        if personal is not None:
            self.check("personal", personal, self.mapping.personal)
        # Planned even without a usable reference, to report their problems too.
        events = self.events(ref or "PENDING", received, submission["kind"])
        if ref is None or received is None:
            return None, self.problems
        case = PlannedCase(row.number, ref, received, submission, personal, events)
        return case, self.problems

    def reference(self) -> str | None:
        spec = self.mapping.reference
        text = _text(self.row.cells[spec.columns[0]]).strip()
        if not text:
            self.fail(spec, "is empty: expected the case's reference (it is required)")
            return None
        ref = self.mapping.reference_prefix + text
        if self.contract.check("submissions", {"ref": ref}, partial=True):
            self.fail(spec, _echo(ref) + " is not a reference: expected " + PATTERNS["ref"])
            return None
        return ref

    def submission(self, ref: str | None, received: datetime | None) -> dict[str, str]:
        row = {name: "" for name in self.columns["submissions"] if name != "crc"}
        row.update(
            ref=ref or "",
            idempotency_key=imported_idempotency_key(ref or ""),
            received=_timestamp(received) if received else "",
            channel=CHANNEL,
            procedure=self.vocabulary.procedure.code,
            variant="standard",
            language="en",
        )
        for name, spec in self.mapping.submissions.items():
            value = self.field("submissions", name, spec)
            if value is not None:
                row[name] = value
        return row

    def personal(self, ref: str | None) -> dict[str, str] | None:
        if not self.mapping.personal:
            return None
        row = {name: "" for name in self.columns["personal"] if name != "crc"}
        for name, spec in self.mapping.personal.items():
            value = self.field("personal", name, spec)
            if value is not None:
                row[name] = value
        if not any(row.values()):
            return None  # nobody named: an anonymous case
        row["ref"] = ref or ""
        return row

    def events(self, ref: str, received: datetime | None, kind: str) -> list[dict]:
        events = []
        for rule in self.mapping.events:
            if rule.kinds is not None and kind not in rule.kinds:
                continue
            at = self.date(rule.date, rule.type, required=False)
            if at is None:
                self.undated(rule)
                continue
            if received is not None and at.date() < received.date():
                self.fail(
                    rule.date,
                    f"{rule.type} on {at.strftime('%d/%m/%Y')} is before the case was received "
                    f"({received.strftime('%d/%m/%Y')}): expected a date on or after it",
                )
                continue
            if at > self.now:
                self.fail(rule.date, f"{rule.type} is in the future: expected a date up to today")
                continue
            events.extend(self.rule_events(rule, ref, at))
        unique = {}
        for event in events:
            # The same theme listed twice in one cell is one theme.
            unique.setdefault(event["event_id"], event)
        # Stable: events of the same moment keep the order the mapping lists them in.
        ordered = sorted(unique.values(), key=lambda event: datetime.fromisoformat(event["at"]))
        # An earlier system names a learning action by its words; stored cases name each by an
        # identifier with the words in the note, so imported actions get the same upgrade the
        # data directory's own old rows get from `feedback migrate`.
        return list(give_learning_actions_identifiers(ordered))

    def undated(self, rule: EventRule) -> None:
        """No date for an event: fine unless its column says it happened (an outcome with no
        date would otherwise vanish without a word)."""
        needed = rule.attributes.get(REQUIRED_ATTRIBUTES.get(rule.type, ""))
        if needed is None or not needed.columns:
            return
        if any(_text(self.row.cells[column]).strip() for column in needed.columns):
            name = REQUIRED_ATTRIBUTES[rule.type]
            self.values(needed, f"{rule.type} {name}", resource="events", field_name=name)
            self.fail(
                rule.date,
                f"is empty but {needed.where} is filled: expected the date of {rule.type} "
                "(or give the event's date more columns to fall back on)",
            )

    def rule_events(self, rule: EventRule, ref: str, at: datetime) -> list[dict]:
        base = {name: "" for name in self.columns["events"] if name != "crc"}
        base.update(ref=ref, at=_timestamp(at), actor=ACTOR, type=rule.type)
        split_name, split_values = None, [""]
        for name, spec in rule.attributes.items():
            values = self.values(spec, f"{rule.type} {name}", resource="events", field_name=name)
            if values is None:
                return []
            if not values:
                if spec.columns and name == REQUIRED_ATTRIBUTES.get(rule.type):
                    return []  # nothing in the column for this row: no such event happened
                continue
            if spec.split:
                split_name, split_values = name, values  # one event per value
            else:
                base[name] = values[0]
        events = []
        for value in split_values:
            event = {**base, split_name: value} if split_name else dict(base)
            problems = self.contract.check("events", {**event, "event_id": "x" * 8})
            for problem in problems:
                spec = rule.attributes.get(problem.field, rule.date)
                self.fail(spec, f"{rule.type} {problem.field}: expected " + self.say(problem))
            if not problems and self.allowed_event(rule, event):
                event["event_id"] = imported_event_id(event)
                events.append(event)
        return events

    # -- values -----------------------------------------------------------------------------

    def field(self, resource: str, name: str, spec: Spec) -> str | None:
        """One field's value as stored, or None after recording a problem."""
        schema_field = self.contract.field(resource, name)
        if schema_field["type"] in ("date", "datetime"):
            when = self.date(spec, name, required=False)
            if when is None:
                return ""
            return when.date().isoformat() if schema_field["type"] == "date" else _timestamp(when)
        values = self.values(spec, name, resource=resource, field_name=name)
        if values is None:
            self.reported.add(f"{resource}.{name}")
            return None
        return ";".join(values) if spec.split else (values[0] if values else "")

    def values(
        self,
        spec: Spec,
        label: str,
        *,
        resource: str,
        field_name: str,
    ) -> list[str] | None:
        """The value(s) a spec gives for this row: [] when empty, None after a problem."""
        if spec.fixed is not None:
            return [spec.fixed] if spec.fixed else []
        cells = [_text(self.row.cells[column]) for column in spec.columns]
        text = spec.join.join(cell for cell in cells if cell.strip())
        if not text.strip():
            return [spec.default] if spec.default else []
        coded = _is_coded(self.contract.field(resource, field_name))
        parts = [part for part in text.split(spec.split)] if spec.split else [text]
        out = []
        for part in parts:
            if not part.strip():
                continue
            if spec.values is not None:
                code = spec.values.get(match_key(part))
                if code is None:
                    words = ", ".join(spec.value_words)
                    self.fail(
                        spec,
                        f"{self.echo(spec, part.strip())} is not one of the words mapped for "
                        f"{label} ({words})",
                    )
                    return None
                part = code
            elif coded:
                part = part.strip()
            if part:
                out.append(part)
        return out

    def date(self, spec: Spec, label: str, *, required: bool) -> datetime | None:
        """The date in the first filled column of ``spec`` (later columns are fallbacks)."""
        cell: Cell = spec.fixed or ""
        for column in spec.columns:
            cell = self.row.cells[column]
            if not isinstance(cell, str) or cell.strip():
                break
        if isinstance(cell, datetime):
            return cell.replace(tzinfo=LONDON) if cell.tzinfo is None else cell
        if isinstance(cell, date):
            return datetime(cell.year, cell.month, cell.day, tzinfo=LONDON)
        text = cell.strip()
        if not text:
            if required:
                self.fail(spec, f"is empty: expected the {label} date (it is required)")
            return None
        for pattern in spec.formats:
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=LONDON)
            except ValueError:
                continue
        shown = " or ".join(_human_format(pattern) for pattern in spec.formats[:3])
        self.fail(spec, f"{self.echo(spec, text)} is not a date: expected {shown}")
        return None

    # -- checks -----------------------------------------------------------------------------

    def check(self, resource: str, row: dict[str, str], specs: dict[str, Spec]) -> None:
        placeholder = {"ref": row.get("ref") or "PENDING"}
        if resource == "submissions":
            placeholder["idempotency_key"] = row["idempotency_key"]
        for problem in self.contract.check(resource, {**row, **placeholder}):
            if (
                problem.field in ("ref", "received")
                or f"{resource}.{problem.field}" in self.reported
            ):
                continue  # reported already, with the cell that caused it
            spec = specs.get(problem.field)
            self.fail(spec, f"{problem.field}: expected {self.say(problem, resource)}")
        allowed = self.vocabulary.allowed(resource, "service")
        service = row.get("service")
        if resource == "submissions" and service and service not in allowed:
            spec = specs.get("service")
            self.fail(
                spec,
                f"{self.echo(spec, service)} is not a service: expected one of the "
                f"codes in the settings: {', '.join(allowed)}",
            )

    def allowed_event(self, rule: EventRule, event: dict[str, str]) -> bool:
        checks = [("stage", self.vocabulary.stages)]
        value_codes = self.vocabulary.event_values(rule.type)
        if value_codes is not None:
            checks.append(("value", value_codes))
        ok = True
        for name, codes in checks:
            if event[name] and event[name] not in codes:
                spec = rule.attributes.get(name, rule.date)
                what = "a stage of " + self.vocabulary.procedure.code if name == "stage" else name
                self.fail(
                    spec,
                    f"{self.echo(spec, event[name])} is not {what}: expected one of "
                    f"{', '.join(codes)}",
                )
                ok = False
        return ok

    def say(self, problem: FieldProblem, resource: str = "events") -> str:
        return expected(self.contract, resource, problem)

    def fail(self, spec: Spec | None, message: str) -> None:
        column = spec.where if spec is not None else "(set by the import)"
        self.problems.append(Problem(self.row.number, column, message))

    def echo(self, spec: Spec | None, text: str) -> str:
        """The cell in quotes, unless it came from a personal column (never shown)."""
        if spec is not None and set(spec.columns) & self.personal_columns:
            return "the value"
        return _echo(text)


def _echo(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _ECHO_LIMIT:
        text = text[: _ECHO_LIMIT - 1] + "…"
    return repr(text)


def _text(cell: Cell) -> str:
    """A cell as the text to store: NFC (how Welsh letters are compared and searched), line
    ends as the store keeps them; dates from a spreadsheet as ISO dates."""
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return normalise_newlines(unicodedata.normalize("NFC", cell))


def _is_coded(schema_field: dict) -> bool:
    """True for fields holding codes (trimmed), False for free text (kept exactly)."""
    constraints = schema_field.get("constraints", {})
    return schema_field["type"] != "string" or "enum" in constraints or "pattern" in constraints


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _human_format(pattern: str) -> str:
    for code, words in (("%d", "dd"), ("%m", "mm"), ("%Y", "yyyy"), ("%y", "yy")):
        pattern = pattern.replace(code, words)
    return pattern.replace("%H", "hh").replace("%M", "mm").replace("%S", "ss")
