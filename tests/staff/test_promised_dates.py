"""The case page shows staff both dates: the one the procedure sets and the one the person was
promised (a calendar-day date on a bank holiday is promised on the working day before)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from tests.support.staff import submit


def test_case_page_shows_the_statutory_and_the_promised_date(signed_in, app_parts):
    olive = signed_in("olive")
    # 28 days from Friday 4 December 2026 is New Year's Day 2027.
    ref = submit(app_parts, received=datetime(2026, 12, 4, 10, tzinfo=UTC))
    page = html.unescape(olive.get(f"/staff/cases/{ref}").text)
    assert "1 January 2027 by the procedure" in page
    assert "promised to the person by 31 December 2026" in page
