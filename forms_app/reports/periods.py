"""Reporting periods: the UK financial year (1 April to 31 March), its quarters, or any dates.

``financial_year(2025)`` is 1 April 2025 to 31 March 2026, labelled ``2025-26``.
``quarter("2025Q3")`` is the third quarter of that financial year: 1 October to 31 December
2025 (Q1 is April to June), labelled ``2025-26 Q3``. ``custom(start, end)`` is any span of days.
Every period includes both its first and last day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from forms_app.language.welsh import MONTHS

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


class PeriodError(ValueError):
    """A period that cannot be reported on (bad text, end before start)."""


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end`` inclusive. ``kind`` is ``year``, ``quarter`` or ``custom``."""

    start: date
    end: date
    kind: str = "custom"

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError(f"the period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def slug(self) -> str:
        """The file name of the period's pages and data: ``2025-26``, ``2025-26-q3`` or
        ``2025-06-01-to-2025-09-30``."""
        if self.kind == "year":
            return f"{self.start.year}-{(self.start.year + 1) % 100:02d}"
        if self.kind == "quarter":
            return f"{self.fy_start_year}-{(self.fy_start_year + 1) % 100:02d}-q{self.quarter}"
        return f"{self.start.isoformat()}-to-{self.end.isoformat()}"

    @property
    def fy_start_year(self) -> int:
        """The first calendar year of the financial year the period starts in."""
        return self.start.year if self.start.month >= 4 else self.start.year - 1

    @property
    def quarter(self) -> int:
        return (self.start.month - 4) % 12 // 3 + 1

    def label(self, language: str = "en") -> str:
        """``2025-26``, ``2025-26 Q3`` (``2025-26 Ch3`` in Welsh) or ``1 June 2025 to 30
        September 2025``."""
        if self.kind == "year":
            return self.slug
        if self.kind == "quarter":
            q = "Ch" if language == "cy" else "Q"
            return f"{self.fy_start_year}-{(self.fy_start_year + 1) % 100:02d} {q}{self.quarter}"
        joiner = " i " if language == "cy" else " to "
        return long_date(self.start, language) + joiner + long_date(self.end, language)

    def span(self, language: str = "en") -> str:
        """``1 April 2025 to 31 March 2026``."""
        joiner = " i " if language == "cy" else " to "
        return long_date(self.start, language) + joiner + long_date(self.end, language)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.kind == "year":
            return financial_year(self.start.year - 1)
        if self.kind == "quarter":
            year, q = self.fy_start_year, self.quarter - 1
            if q == 0:
                year, q = year - 1, 4
            return fy_quarter(year, q)
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end, "custom")

    def quarters(self) -> list[Period]:
        """The financial-year quarters that overlap this period, clipped to it."""
        out = []
        year = self.fy_start_year
        q = fy_quarter(year, self.quarter)
        while q.start <= self.end:
            if q.end >= self.start:
                out.append(
                    q
                    if q.start >= self.start and q.end <= self.end
                    else Period(max(q.start, self.start), min(q.end, self.end), "custom")
                )
            q = _next_quarter(q)
        return out


def long_date(day: date, language: str = "en") -> str:
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def financial_year(year: int) -> Period:
    """1 April ``year`` to 31 March ``year + 1``."""
    return Period(date(year, 4, 1), date(year + 1, 3, 31), "year")


def fy_quarter(year: int, q: int) -> Period:
    """Quarter ``q`` (1 to 4) of the financial year starting in April ``year``."""
    if q not in (1, 2, 3, 4):
        raise PeriodError(f"a quarter is 1 to 4, not {q}")
    month = 4 + 3 * (q - 1)
    start_year = year + (month > 12)
    month = (month - 1) % 12 + 1
    start = date(start_year, month, 1)
    after = date(start_year + (month + 3 > 12), (month + 2) % 12 + 1, 1)
    return Period(start, after - timedelta(days=1), "quarter")


def _next_quarter(q: Period) -> Period:
    return fy_quarter(q.fy_start_year + (q.quarter == 4), q.quarter % 4 + 1)


def quarter(text: str) -> Period:
    """``2025Q3`` (or ``2025-Q3``, ``2025q3``): quarter 3 of financial year 2025-26."""
    match = _QUARTER.match(text or "")
    if not match:
        raise PeriodError(
            f"a quarter looks like 2025Q3 (financial year 2025-26, quarter 3), not {text!r}"
        )
    return fy_quarter(int(match.group(1)), int(match.group(2)))


def custom(start: date, end: date) -> Period:
    return Period(start, end, "custom")


def latest_complete_year(today: date) -> Period:
    """The last financial year that has ended by ``today``."""
    year = today.year - 1 if today.month >= 4 else today.year - 2
    return financial_year(year)


def choose(
    *,
    year: int | None = None,
    quarter_text: str | None = None,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> Period:
    """The period the command line asked for (one way only), or the latest complete year."""
    ways = sum(x is not None for x in (year, quarter_text)) + (start is not None or end is not None)
    if ways > 1:
        raise PeriodError("give one of --year, --quarter or --from/--to")
    if year is not None:
        return financial_year(year)
    if quarter_text is not None:
        return quarter(quarter_text)
    if start is not None or end is not None:
        if start is None or end is None:
            raise PeriodError("--from and --to go together")
        return custom(start, end)
    return latest_complete_year(today or date.today())
