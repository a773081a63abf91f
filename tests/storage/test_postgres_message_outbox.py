"""The message outbox behaves the same in its SQLite file and in PostgreSQL: the same steps on
both engines give the same answers, and ``Outbox(path)`` gives the database one only for a data
directory told to use a database."""

from __future__ import annotations

import pytest

from forms_app.messages import outbox as outbox_module
from forms_app.messages.database_outbox import DatabaseOutbox
from forms_app.messages.outbox import Message, Outbox, outbox_path


@pytest.fixture(params=["files", "postgres"])
def engine(request, tmp_path):
    """An outbox path, on the file or (``postgres`` in the id) in a fresh database."""
    data_dir = tmp_path / "data"
    if request.param == "postgres":
        outbox_module.use_database(data_dir, request.getfixturevalue("postgres_url"))
    yield request.param, outbox_path(data_dir)
    outbox_module.use_database(data_dir, "")


def _message(number: int, ref: str = "AB12-CD34", channel: str = "email", **values) -> Message:
    recipient = {"email": "person@example.com", "sms": "07700 900123"}.get(channel, "1 Stryd\n")
    return Message(
        id=f"m{number}",
        ref=ref,
        type="acknowledgement",
        channel=channel,
        recipient=recipient,
        language="cy",
        wording="standard",
        values={"name": "Siân", **values},
    )


def test_postgres_message_outbox_is_chosen_only_for_a_database_data_directory(engine):
    kind, path = engine
    with Outbox(path) as outbox:
        assert isinstance(outbox, DatabaseOutbox) == (kind == "postgres")
    assert path.exists() == (kind == "files")


def test_postgres_message_outbox_steps_give_the_same_answers_on_both_engines(engine):
    _, path = engine
    with Outbox(path) as outbox:
        assert outbox.queue([_message(1), _message(2)], at=100.0) == 2
        assert outbox.queue([_message(1), _message(3, ref="ZZ99-YY88")], at=101.0) == 1
        assert outbox.known(["m1", "m3", "m9"]) == {"m1", "m3"}
        assert [m.id for m in outbox.due(100.5)] == ["m1", "m2"]
        assert outbox.next_due() == 100.0 and outbox.oldest_waiting() == 100.0
        outbox.mark_sending("m1")
        outbox.later("m1", 200.0, "timeout", unsure=True)
        assert outbox.one("m1").state == "sending" and outbox.one("m1").attempts == 1
        outbox.not_counted("m1")
        outbox.not_counted("m1")
        assert outbox.one("m1").attempts == 0, "never below nought"
        outbox.mark_sent("m1", 201.0, "notify-1")
        outbox.mark_failed("m2", "refused")
        assert [m.id for m in outbox.failed()] == ["m2"]
        assert outbox.send_again("m2", 300.0) and not outbox.send_again("m2", 300.0)
        assert outbox.counts() == {
            "queued": 2, "sending": 0, "sent": 1, "failed": 0, "to_post": 0,
        }  # fmt: skip
        assert [m.values["name"] for m in outbox.for_refs(["AB12-CD34"])] == ["Siân", "Siân"]
        outbox.set(dropdowns="abc", turned_on=True)
        assert outbox.get("dropdowns") == "abc" and outbox.get("missing", 5) == 5
        assert outbox.get("created_at") > 0


def test_postgres_message_outbox_forgets_a_letter_tracking_secret_once_posted(engine):
    _, path = engine
    with Outbox(path) as outbox:
        outbox.queue([_message(7, channel="letter", tracking="secret-words")], at=1.0)
        outbox.mark_to_post("m7", "no letter service")
        assert [m.id for m in outbox.to_post()] == ["m7"]
        assert outbox.one("m7").values["tracking"] == "secret-words"
        assert outbox.mark_posted("m7", 5.0, "amara.okafor")
        assert not outbox.mark_posted("m7", 6.0, "amara.okafor"), "posted once only"
        posted = outbox.one("m7")
        assert posted.state == "sent" and posted.values["tracking"] == ""
        assert posted.provider_id == "posted by amara.okafor"


def test_postgres_message_outbox_erasure_removes_every_message_of_a_case(engine):
    _, path = engine
    with Outbox(path) as outbox:
        outbox.queue([_message(1), _message(2), _message(3, ref="ZZ99-YY88")], at=1.0)
        assert outbox.forget(["AB12-CD34"]) == 2
        assert outbox.for_refs(["AB12-CD34"]) == [] and outbox.known(["m3"]) == {"m3"}
