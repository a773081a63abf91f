"""Complaints procedures as data, and the working-day arithmetic their deadlines need.

A procedure profile is a YAML file in ``forms_app/procedures/`` (file stem = code). It says which
stages a complaint goes through, how fast each must be acknowledged and answered, who handles it,
where the person can go afterwards, and whose bank holidays count. ``load_procedure`` reads and
validates one; ``Procedure.due`` and ``Procedure.hear_back_by`` turn its targets into dates.

Two dates for each target. The **statutory** date (``Procedure.due``) is the target counted as
the procedure says. The **promised** date (``Procedure.promise``) is the one a person is told:
a calendar-day target whose last day is a weekend, a bank holiday or a closure day is promised
on the last working day before it, so nobody is told to expect a reply on a day the office is
shut; a working-day target already ends on a working day, so both dates are the same.

Counting rule ("day 0"): the day something is received is day 0 and the next working day is
day 1. Something received on a weekend, bank holiday or closure day counts from the next working
day as day 0. So 3 working days from a Friday is the Wednesday, and from a Saturday the Thursday.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import holidays
import yaml

from forms_app.storage.vocabulary import KINDS

from .working_days import WorkingDayTable, table_for

PROCEDURES_DIR = Path(__file__).parent
NATIONS = ("ENG", "WLS", "SCT", "NIR")  # holidays.UK subdivision codes
UNITS = ("working", "calendar")
DAY_ZERO = ("receipt", "acknowledgement")
_LONDON = ZoneInfo("Europe/London")
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ProcedureError(ValueError):
    """A procedure profile is missing, unreadable or invalid."""


@dataclass(frozen=True)
class Target:
    """A time limit: ``days`` working or calendar days."""

    days: int
    unit: Literal["working", "calendar"]

    def __str__(self) -> str:
        return f"{self.days} {self.unit} day{'s' if self.days != 1 else ''}"


@dataclass(frozen=True)
class Stage:
    """One stage of a complaints procedure.

    ``acknowledge`` / ``respond`` are None when the procedure sets no fixed time (the time is
    agreed with the person). ``extension`` says in words what may happen when more time is
    needed; ``extension_limit`` is the extra time as a Target when the profile gives a number.
    ``handler_rule`` says in words who handles the stage, for people; where that rule is one
    the service enforces, it is also a field: ``independent_of_previous_stage`` means the owner
    at this stage must not be the person who owned the stage before it.
    """

    code: str
    name: str
    acknowledge: Target | None
    respond: Target | None
    extension: str | None
    handler_rule: str | None
    extension_limit: Target | None = None
    independent_of_previous_stage: bool = False
    #: How long after the stage before it has responded the person may ask for this stage
    #: (None: the profile does not say).
    ask_within: Target | None = None


def local_date(value: date | datetime) -> date:
    """The UK calendar date of a date or datetime (aware datetimes are converted to London time)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_LONDON)
        return value.date()
    return value


def closure_years(around: date | None = None) -> range:
    """The years whose closure days (``Settings.closure_dates``) a working calendar is given:
    from 15 years before the year of ``around`` (today when not given) to 2 years after it."""
    year = (around or date.today()).year
    # Back far enough for the oldest cases an earlier system hands over on import; forward past
    # the last deadline, extensions included, of a case received in that year.
    return range(year - 15, year + 3)


@functools.lru_cache(maxsize=512)
def _bank_holidays(nation: str, year: int) -> frozenset[date]:
    # One holidays call per nation and year for the life of the process: the per-request
    # arithmetic is then only set look-ups.
    return frozenset(holidays.UK(subdiv=nation, years=year))


class WorkingCalendar:
    """Working days of one UK nation: Monday to Friday, less its bank holidays (including
    substitute days and one-offs, from the ``holidays`` package) and the organisation's own
    closure days (such as 24 December)."""

    def __init__(self, nation: str, closure_days: Iterable[date] = ()):
        if nation not in NATIONS:
            raise ValueError(f"nation must be one of {', '.join(NATIONS)}, not {nation!r}")
        self.nation = nation
        self.closure_days = frozenset(local_date(d) for d in closure_days)
        self._working_day_table: WorkingDayTable | None = None

    def is_working_day(self, d: date) -> bool:
        """True unless ``d`` is a weekend, a bank holiday of the nation or a closure day."""
        d = local_date(d)
        return (
            d.weekday() < 5
            and d not in _bank_holidays(self.nation, d.year)
            and d not in self.closure_days
        )

    def _table(self) -> WorkingDayTable:
        # Made (or found among the shared tables) on first use, not when the calendar is made.
        table = self._working_day_table
        if table is None:
            table = table_for(self.nation, self.closure_days, date.today().year)
            self._working_day_table = table
        return table

    def working_day_on_or_before(self, d: date) -> date:
        """``d`` if it is a working day, else the last working day before it."""
        d = local_date(d)
        found = self._table().on_or_before(d)
        return found if found is not None else self._on_or_before_by_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start`` (day 0).

        If ``start`` is not a working day, counting starts from the next working day, which is
        then day 0 (it does not count as day 1).
        """
        if n < 0:
            raise ValueError("n must not be negative")
        start = local_date(start)
        found = self._table().add(start, n)
        return found if found is not None else self._add_by_day(start, n)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if ``end`` <= ``start``).

        Uses the same day-0 rule as ``add_working_days`` (a non-working ``start`` counts from
        the next working day), so ``working_days_between(s, add_working_days(s, n)) == n``
        always: a case answered on its due date is never counted as late.
        """
        start, end = local_date(start), local_date(end)
        if end <= start:
            return 0
        count = self._table().between(start, end)
        return count if count is not None else self._between_by_day(start, end)

    # The same three answers worked out a day at a time: used for dates outside the table's
    # span of years (``working_days``), and the rule the table must agree with.

    def _on_or_before_by_day(self, d: date) -> date:
        while not self.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def _day_zero(self, d: date) -> date:
        # Received on a non-working day: the next working day is day 0.
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def _add_by_day(self, start: date, n: int) -> date:
        d = self._day_zero(start)
        while n:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    def _between_by_day(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        d, count = self._day_zero(start), 0
        while d < end:
            d += timedelta(days=1)
            count += self.is_working_day(d)
        return count


@dataclass(frozen=True)
class Procedure:
    """A complaints procedure profile (see the module docstring and ``forms_app/procedures``).

    ``kinds`` maps concern / enquiry / compliment / comment to ``{"acknowledge": Target | None,
    "respond": Target | None}``. ``day_zero`` is ``receipt`` (targets count from the day of
    receipt) or ``acknowledgement`` (a stage's response target counts from its acknowledgement).
    Treat ``escalation`` and ``kinds`` as read-only.
    """

    code: str
    name: str
    nation: str
    legal_basis: str
    time_limit_to_complain_months: int | None
    stages: tuple[Stage, ...]
    escalation: dict
    kinds: dict[str, dict[str, Target | None]]
    day_zero: str = "receipt"

    def stage(self, code: str) -> Stage:
        """The stage with this code; KeyError naming the known codes if there is none."""
        for stage in self.stages:
            if stage.code == code:
                return stage
        known = ", ".join(s.code for s in self.stages)
        raise KeyError(f"procedure {self.code!r} has no stage {code!r} (it has: {known})")

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]

    def calendar(self, closure_days: Iterable[date] = ()) -> WorkingCalendar:
        """The working calendar of this procedure's nation plus the organisation's closures."""
        return WorkingCalendar(self.nation, closure_days)

    def due(self, start: date | datetime, target: Target, calendar: WorkingCalendar) -> date:
        """The date by which ``target`` is met, counting from ``start`` (day 0).

        This is the statutory date. Working days follow the day-0 rule of
        ``WorkingCalendar.add_working_days``. Calendar days are simply ``start + days``: if that
        lands on a weekend or bank holiday this date is NOT moved, because the policies that use
        calendar days (e.g. "within 28 days") say nothing about moving it. What a person is told
        is ``promise`` of it.
        """
        start = local_date(start)
        if target.unit == "working":
            return calendar.add_working_days(start, target.days)
        return start + timedelta(days=target.days)

    def promise(
        self, due_on: date | None, target: Target | None, calendar: WorkingCalendar
    ) -> date | None:
        """The date promised to a person for a ``target`` whose statutory date is ``due_on``.

        The one home of the rule: a calendar-day target ending on a weekend, a bank holiday or
        a closure day is promised on the last working day before it (never later than the
        statutory date, so keeping the promise always meets the procedure). A working-day
        target, or no target (a date agreed with the person), is promised as it is.
        """
        if due_on is None or target is None or target.unit == "working":
            return due_on
        return calendar.working_day_on_or_before(due_on)

    def promised_by(
        self, start: date | datetime, target: Target, calendar: WorkingCalendar
    ) -> date:
        """The date promised to a person for ``target`` counted from ``start``."""
        return self.promise(self.due(start, target, calendar), target, calendar)

    def hear_back_by(
        self, kind: str, received: date | datetime, calendar: WorkingCalendar
    ) -> dict[str, date | None]:
        """When a person should hear back: ``{"acknowledge": date|None, "respond": date|None}``,
        as promised to them (``promise``: never a weekend, bank holiday or closure day).

        A complaint uses the first stage's targets; other kinds use ``kinds``. None means no
        reply is promised, or the time is agreed with the person. With ``day_zero:
        acknowledgement`` the response date counts from the acknowledgement due date, i.e. it
        is the latest date that still meets both targets (counted from the statutory
        acknowledgement date, as the procedure counts it).
        """
        if kind == "complaint":
            targets = {
                "acknowledge": self.first_stage.acknowledge,
                "respond": self.first_stage.respond,
            }
        elif kind in self.kinds:
            targets = self.kinds[kind]
        else:
            raise KeyError(
                f"unknown kind of feedback {kind!r} (expected one of {', '.join(KINDS)})"
            )
        ack, respond = targets["acknowledge"], targets["respond"]
        ack_by = self.due(received, ack, calendar) if ack is not None else None
        respond_from = received
        if kind == "complaint" and self.day_zero == "acknowledgement" and ack_by is not None:
            respond_from = ack_by
        return {
            "acknowledge": self.promise(ack_by, ack, calendar),
            "respond": self.promised_by(respond_from, respond, calendar)
            if respond is not None
            else None,
        }


# ---- loading and validation -------------------------------------------------------------


def available_procedures(directory: str | Path | None = None) -> list[str]:
    """Codes of the profiles shipped (or in ``directory``), sorted."""
    return sorted(p.stem for p in Path(directory or PROCEDURES_DIR).glob("*.yaml"))


def load_procedure(code: str, directory: str | Path | None = None) -> Procedure:
    """Read and validate ``<directory>/<code>.yaml`` (default: the shipped profiles).

    Raises ProcedureError naming the file and the problem: unknown or missing keys, a bad
    unit, negative days, an unknown nation, and so on.
    """
    directory = Path(directory or PROCEDURES_DIR)
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise ProcedureError(f"invalid procedure code {code!r}")  # also stops path tricks
    path = directory / f"{code}.yaml"
    try:
        stat = path.stat()
    except FileNotFoundError:
        known = ", ".join(available_procedures(directory)) or "none"
        raise ProcedureError(f"no procedure {code!r} in {directory} (available: {known})") from None
    data = _read_yaml(str(path), stat.st_mtime_ns, stat.st_size)
    return _Validator(path.name).procedure(data, code)


@functools.lru_cache(maxsize=64)
def _read_yaml(path: str, _mtime_ns: int, _size: int) -> Any:
    # Cached by modification time and size, so an edited profile is re-read. The parsed data is
    # never handed out: the validator builds fresh objects from it each time.
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        raise ProcedureError(f"{Path(path).name}: cannot read YAML: {exc}") from exc


class _Validator:
    """Turns parsed YAML into a Procedure, raising ProcedureError at the first problem."""

    def __init__(self, filename: str):
        self.filename = filename

    def fail(self, where: str, problem: str):
        raise ProcedureError(f"{self.filename}: {where}: {problem}")

    def mapping(self, value, where, required, optional=()) -> Mapping:
        if not isinstance(value, Mapping):
            self.fail(where, f"must be a mapping, not {type(value).__name__}")
        unknown = sorted(set(value) - set(required) - set(optional), key=str)
        if unknown:
            self.fail(where, f"unknown key(s) {', '.join(map(str, unknown))}")
        missing = [k for k in required if k not in value]
        if missing:
            self.fail(where, f"missing key(s) {', '.join(missing)}")
        return value

    def text(self, value, where, nullable=False) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "must be non-empty text" + (" or null" if nullable else ""))
        return value.strip()

    def days(self, value, where) -> int:
        # bool is an int in Python: `days: yes` must not pass as 1.
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"must be a whole number, not {value!r}")
        if value < 0:
            self.fail(where, f"must not be negative ({value})")
        return value

    def target(self, value, where, extra=()) -> Target | None:
        if value is None:
            return None
        value = self.mapping(value, where, ("days", "unit"), extra)
        unit = value["unit"]
        if unit not in UNITS:
            self.fail(f"{where}.unit", f"must be 'working' or 'calendar', not {unit!r}")
        return Target(self.days(value["days"], f"{where}.days"), unit)

    def stage(self, value, where) -> Stage:
        keys = ("code", "name", "acknowledge", "respond", "extension", "handler_rule")
        value = self.mapping(
            value, where, keys, optional=("independent_of_previous_stage", "ask_within")
        )
        code = self.text(value["code"], f"{where}.code")
        if not _CODE_RE.match(code):
            self.fail(f"{where}.code", f"{code!r} must be lower case letters, digits, - or _")
        where = f"{where} ({code})"
        extension, limit = value["extension"], None
        if isinstance(extension, Mapping):
            # {days, unit[, note]}: the extra time as a number, and the words for letters.
            limit = self.target(extension, f"{where}.extension", extra=("note",))
            note = self.text(extension.get("note"), f"{where}.extension.note", nullable=True)
            extension = f"Up to {limit} more" + (f". {note}" if note else "")
        else:
            extension = self.text(extension, f"{where}.extension", nullable=True)
        return Stage(
            code=code,
            name=self.text(value["name"], f"{where}.name"),
            acknowledge=self.target(value["acknowledge"], f"{where}.acknowledge"),
            respond=self.target(value["respond"], f"{where}.respond"),
            extension=extension,
            handler_rule=self.text(value["handler_rule"], f"{where}.handler_rule", nullable=True),
            extension_limit=limit,
            independent_of_previous_stage=self.flag(
                value.get("independent_of_previous_stage", False),
                f"{where}.independent_of_previous_stage",
            ),
            ask_within=self.target(value.get("ask_within"), f"{where}.ask_within"),
        )

    def flag(self, value, where) -> bool:
        if not isinstance(value, bool):
            self.fail(where, f"must be true or false, not {value!r}")
        return value

    def procedure(self, data, expected_code: str) -> Procedure:
        keys = (
            "code",
            "name",
            "nation",
            "legal_basis",
            "time_limit_to_complain_months",
            "stages",
            "escalation",
            "kinds",
        )
        data = self.mapping(data, "profile", keys, optional=("day_zero",))
        code = self.text(data["code"], "code")
        if code != expected_code:
            self.fail("code", f"{code!r} must match the file name ({expected_code!r})")
        nation = data["nation"]
        if nation not in NATIONS:
            self.fail("nation", f"must be one of {', '.join(NATIONS)}, not {nation!r}")
        months = data["time_limit_to_complain_months"]
        if months is not None:
            months = self.days(months, "time_limit_to_complain_months")
        day_zero = data.get("day_zero", "receipt")
        if day_zero not in DAY_ZERO:
            self.fail("day_zero", f"must be one of {', '.join(DAY_ZERO)}, not {day_zero!r}")

        raw_stages = data["stages"]
        if not isinstance(raw_stages, list) or not raw_stages:
            self.fail("stages", "must be a non-empty list")
        stages = tuple(self.stage(s, f"stages[{i}]") for i, s in enumerate(raw_stages))
        codes = [s.code for s in stages]
        if len(set(codes)) != len(codes):
            self.fail("stages", f"stage codes must be unique ({', '.join(codes)})")
        if stages[0].independent_of_previous_stage:
            self.fail(
                f"stages[0] ({codes[0]}).independent_of_previous_stage",
                "the first stage has no stage before it",
            )

        esc = self.mapping(data["escalation"], "escalation", ("name", "url", "phone"), ("note",))
        escalation = {
            k: self.text(esc.get(k), f"escalation.{k}", nullable=k == "note") for k in esc
        }
        if not escalation["url"].startswith("https://"):
            self.fail("escalation.url", "must start with https://")

        other_kinds = KINDS[1:]  # a complaint follows the stages
        raw_kinds = self.mapping(data["kinds"], "kinds", other_kinds)
        kinds = {}
        for kind in other_kinds:
            targets = raw_kinds[kind] or {}
            self.mapping(targets, f"kinds.{kind}", (), ("acknowledge", "respond"))
            kinds[kind] = {
                step: self.target(targets.get(step), f"kinds.{kind}.{step}")
                for step in ("acknowledge", "respond")
            }

        return Procedure(
            code=code,
            name=self.text(data["name"], "name"),
            nation=nation,
            legal_basis=self.text(data["legal_basis"], "legal_basis"),
            time_limit_to_complain_months=months,
            stages=stages,
            escalation=escalation,
            kinds=kinds,
            day_zero=day_zero,
        )
