"""A change made on the staff pages and the same change typed into the shared sheet both queue
the person's update: they pass the same ``events.record``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from forms_app.messages.outbox import Outbox
from forms_app.sheets.layout import TRIAGE
from tests.support.fake_sheets import FakeClock, FakeSheets
from tests.support.sheets import make_staff, submit, worker_for
from tests.support.staff import csrf
from tests.support.walker import ANSWERS

from .test_acknowledgement import _walk


def _types(app_parts, ref):
    with Outbox(app_parts.messenger.path) as outbox:
        return [m.type for m in outbox.for_refs([ref])]


def test_acknowledging_on_the_staff_pages_tells_the_person(app, app_parts, signed_in):
    result = _walk(app.test_client(), "/complaint/", ANSWERS["complaint"])
    manager = signed_in("mina")
    url = f"/staff/cases/{result.reference}/do/acknowledge"
    form = manager.get(url).get_data(as_text=True)
    done = manager.post(url, data={"csrf_token": csrf(form)})
    assert done.status_code == 302
    assert _types(app_parts, result.reference) == ["acknowledgement", "acknowledged"]


@pytest.fixture
def sheet_clock():
    return FakeClock()


@pytest.fixture
def fake(sheet_clock):
    with FakeSheets(sheet_clock) as server:
        yield server


def test_acknowledging_and_assigning_in_the_sheet_tells_the_person(
    app_parts, data_dir, fake, sheet_clock
):
    make_staff(data_dir)
    worker = worker_for(app_parts, fake, sheet_clock)
    ref = submit(app_parts, sheet_clock)
    sheet_clock.advance(20)
    assert worker.step().ok
    today = datetime.fromtimestamp(sheet_clock.time(), ZoneInfo("Europe/London")).date()
    fake.staff_edit(TRIAGE, ref, "Owner", "olive", editor="olive@staff.example.org")
    fake.staff_edit(
        TRIAGE, ref, "Acknowledged on", today.strftime("%d/%m/%Y"), editor="olive@staff.example.org"
    )
    sheet_clock.advance(20)
    assert worker.step().ok
    assert sorted(_types(app_parts, ref)) == ["acknowledged", "assigned"]
