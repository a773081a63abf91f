"""The app on a data directory upgraded from release 0.1.0: staff see the old cases, and a
learning action the first release stored by its words reads as it did."""

from __future__ import annotations

import pytest

from forms_app import create_app
from forms_app.migrations import migrate
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.storage.reading import read_rows

from .conftest import RELEASE_0_1


@pytest.fixture
def app(old_data, tmp_path):
    """Overrides the shared ``app``: the app on release 0.1.0's data, upgraded first."""
    migrate(old_data, backup_to=tmp_path / "backups")
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    return app


def test_staff_see_the_old_cases_after_the_upgrade(app, signed_in):
    mina = signed_in("mina")
    refs = [row["ref"] for row in read_rows(RELEASE_0_1 / "submissions.csv")]
    ended = {
        row["ref"]
        for row in read_rows(RELEASE_0_1 / "events.csv")
        if row["type"] in ("closed", "withdrawn")
    }
    still_open = [ref for ref in refs if ref not in ended]
    assert len(still_open) == 2
    listed = mina.get("/staff/cases").text
    assert [ref for ref in still_open if ref not in listed] == []
    for ref in refs:
        page = mina.get(f"/staff/cases/{ref}")
        assert page.status_code == 200 and ref in page.text, ref


def test_a_learning_action_from_release_0_1_reads_as_it_did(app, signed_in):
    mina = signed_in("mina")
    (event,) = [
        row
        for row in read_rows(RELEASE_0_1 / "events.csv")
        if row["type"] == "action_added" and row["ref"] == "W3HJ-4K9N"
    ]
    page = mina.get(f"/staff/cases/{event['ref']}").text
    assert "Review visit scheduling (Owner: service manager)" in page
