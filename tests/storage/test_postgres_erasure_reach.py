"""Subject access and erasure reach what the shared database holds about a case: its drafts
and its messages, not only the files a data directory would hold (against a real server)."""

from __future__ import annotations

import pytest

from forms_app.messages.outbox import Message, Outbox, outbox_path
from forms_app.records.retention import reach
from forms_app.storage.drafts import draft_owner, new_draft_id, open_drafts
from forms_app.storage.shared_database import use_database


@pytest.fixture
def data_dir(postgres_url, tmp_path):
    folder = tmp_path / "data"
    use_database(folder, postgres_url)
    yield folder
    use_database(folder, "")


def test_postgres_erasure_removes_drafts_holding_the_key_or_the_persons_name(
    data_dir, postgres_url
):
    drafts = open_drafts(data_dir / "drafts", postgres_url)
    owner = draft_owner("198.51.100.7", "secret")
    sent, named, other = (new_draft_id(owner) for _ in range(3))
    drafts.mark_sent(sent, {"complaint": "key-of-the-case"})
    drafts.save(named, {"answers": {"name": "Gwenllian Prydderch"}})
    drafts.save(other, {"answers": {"name": "Someone Else"}})
    assert reach.remove_drafts(data_dir, ["key-of-the-case"], ["gwenllian PRYDDERCH"]) == 2
    assert drafts.load(sent) == {} and drafts.load(named) == {}
    assert drafts.load(other) == {"answers": {"name": "Someone Else"}}


def test_postgres_subject_access_and_erasure_reach_the_message_outbox(data_dir):
    message = Message(
        id="m1", ref="AB12-CD34", type="acknowledgement", channel="email",
        recipient="person@example.com", language="en", wording="standard",
        values={"name": "Gwenllian"},
    )  # fmt: skip
    with Outbox(outbox_path(data_dir)) as outbox:
        outbox.queue([message])
    assert not outbox_path(data_dir).exists()
    found = reach.message_entries(data_dir, ["AB12-CD34"])
    assert found["AB12-CD34"][0]["to"] == "person@example.com"
    assert reach.forget_messages(data_dir, ["AB12-CD34"]) == 1
    assert reach.message_entries(data_dir, ["AB12-CD34"]) == {}
