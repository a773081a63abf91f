"""Everything an installation keeps in its data directory, moved into PostgreSQL with the case
tables by ``feedback migrate-store --to``: after the move the app built on the database signs
the same staff in, carries the same audit chain on, and finds the queued message, the tracking
code, the request link and the questionnaire invitation it had. A database that holds any of
it already is refused, and nothing is moved into it.
"""

from __future__ import annotations

import json
import time
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from forms_app import create_app
from forms_app.accounts.users import UserBook, use_document
from forms_app.casework.request_links import Links
from forms_app.cli import main
from forms_app.demo.data import make_demo_data
from forms_app.messages.outbox import Message, Outbox, outbox_path
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.questionnaires.offers import Offers
from forms_app.questionnaires.store import OK as INVITED
from forms_app.questionnaires.store import Answers
from forms_app.records import audit
from forms_app.sheets.outbox import Outbox as SheetOutbox
from forms_app.sheets.outbox import outbox_path as sheet_outbox_path
from forms_app.storage.contract import Contract
from forms_app.storage.postgres import PostgresStore
from forms_app.storage.shared_database import use_database
from forms_app.tracking.access import OK, Access
from forms_app.web.parts import EXTENSION
from tests.support.staff import PEOPLE, make_people, sign_in

CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}


def feedback(data_dir: Path, *args: str):
    """Run the ``feedback`` command as a person would, with the example settings."""
    env = {
        "FORMS_APP_DATA_DIR": str(data_dir),
        "FORMS_APP_SETTINGS": str(EXAMPLE_SETTINGS),
        "FORMS_APP_STORE_URL": "",
    }
    return CliRunner().invoke(main, list(map(str, args)), env=env, catch_exceptions=False)


@pytest.fixture
def installation(app, app_parts):
    """A data directory as a live installation leaves it: demo cases, a member of staff, an
    audit trail, a queued message, a tracking code and secret, a request link and a
    questionnaire invitation, all in the data directory's files."""
    data_dir = app_parts.settings.data_dir
    make_demo_data(app_parts, count=30, seed=21)
    ref = next(iter(app_parts.store.rows("submissions")))["ref"]
    totp = make_people(data_dir, {"olive": PEOPLE["olive"]})["olive"]
    for action in ("case.view", "case.update", "export.cases"):
        audit.record(data_dir, actor="olive", action=action, ref=ref, fields=["service"])
    key = app.config["SECRET_KEY"]
    now = time.time()
    message = Message(
        id="move-1",
        ref=ref,
        type="acknowledgement",
        channel="email",
        recipient="alys.example@example.org",
        language="cy",
        wording="plain",
        values={"ref": ref},
    )
    with Outbox(outbox_path(data_dir)) as outbox:
        assert outbox.queue([message], at=now) == 1
    with Access(data_dir, key) as access:
        secret = access.make_secret(ref)
        code = access.make_code(ref, now=now)
    with Links(data_dir, key) as links:
        link = links.make("request-1", ref, expires=now + 86400, now=now)
    with Answers(data_dir, key) as answers:
        token = answers.invite("satisfaction", ref, now=now)
    with Offers(data_dir, key) as offers:
        offer = offers.make("equality", now=now)
    with closing(SheetOutbox(sheet_outbox_path(data_dir))) as sheet:
        assert sheet.enqueue("Cases", [(ref, now, None)]) == 1
        sheet.note(last_success=now)
    yield {
        "data_dir": data_dir,
        "ref": ref,
        "totp": totp,
        "key": key,
        "now": now,
        "secret": secret,
        "code": code,
        "link": link,
        "token": token,
        "offer": offer,
        "audit_lines": (data_dir / audit.LOG_NAME).read_text("utf-8").splitlines(),
    }
    use_database(data_dir, "")
    use_document(data_dir, None)


def _app_on(url: str, monkeypatch):
    """The app built on the database (``store_url``), over the same data directory."""
    monkeypatch.setenv("FORMS_APP_STORE_URL", url)
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    return app


def test_migrate_store_to_postgres_moves_accounts_audit_outbox_codes_links_and_invitations(
    installation, postgres_url, monkeypatch
):
    data_dir, ref, now = installation["data_dir"], installation["ref"], installation["now"]
    moved = feedback(data_dir, "migrate-store", "--to", postgres_url)
    assert moved.exit_code == 0, moved.output
    for said in (
        "submissions: 30 rows",
        "accounts: 1 accounts",
        f"audit: {len(installation['audit_lines'])} entries",
        "messages: 1 messages",
        "tracking: 2 secrets and codes",
        "questionnaires: 2 invitations",
        "sheet_outbox: 1 rows",
        "request_links: 1 links",
        "secret key",
    ):
        assert said in moved.output, said

    app = _app_on(postgres_url, monkeypatch)
    parts = app.extensions[EXTENSION]
    assert isinstance(parts.store, PostgresStore)
    assert app.config["SECRET_KEY"] == installation["key"], "the same key, from the data dir"

    # The member of staff signs in, with the same password and second factor.
    signed = sign_in(app.test_client(), "olive", installation["totp"])
    assert signed.status_code == 302 and "sign-in" not in signed.headers["Location"]

    # The chain verifies: the old entries, then the new ones chained to them.
    audit.record(data_dir, actor="olive", action="case.view", ref=ref, fields=["service"])
    report = audit.verify(data_dir)
    assert report.ok, report.problem
    with psycopg.connect(postgres_url) as db:
        lines = [
            line for (line,) in db.execute("SELECT line FROM feedback_audit ORDER BY position")
        ]
    old = installation["audit_lines"]
    assert lines[: len(old)] == old, "the old entries first, as they were"
    assert report.entries == len(lines) > len(old)
    assert json.loads(lines[len(old)])["prev"] == json.loads(old[-1])["hash"]
    assert json.loads(lines[-1])["action"] == "case.view"

    # The queued message waits in the database's outbox, as it was queued.
    with Outbox(outbox_path(data_dir)) as outbox:
        waiting = [m for m in outbox.due(now + 1) if m.id == "move-1"]
    assert len(waiting) == 1 and waiting[0].language == "cy" and waiting[0].ref == ref

    # The tracking code and secret, the request link and the invitation still match their
    # keyed hashes, now read from the database.
    key = app.config["SECRET_KEY"]
    with Access(data_dir, key) as access:
        assert type(access).__name__ == "DatabaseAccess"
        assert access.attempt(ref, installation["code"], now=now + 1).outcome == OK
        assert access.attempt(ref, installation["secret"], now=now + 2).outcome == OK
    with Links(data_dir, key) as links:
        found = links.find(installation["link"], now=now + 1)
    assert found is not None and (found.request, found.ref) == ("request-1", ref)
    with Answers(data_dir, key) as answers:
        assert answers.check(installation["token"], now=now + 1) == (INVITED, "satisfaction")
    with Offers(data_dir, key) as offers:
        assert offers.is_open(installation["offer"], "equality", now=now + 1)
    with closing(SheetOutbox(sheet_outbox_path(data_dir))) as sheet:
        assert type(sheet).__name__ == "DatabaseOutbox"
        assert sheet.pending("Cases") == [(ref, None)] and sheet.get("last_success") == now
    # Nothing is read from the files any more: the files are left as they were.
    assert (data_dir / "users.json").exists()


def test_migrate_store_to_a_postgres_database_holding_an_audit_log_refuses_and_moves_nothing(
    installation, postgres_url
):
    from forms_app.storage.postgres.audit import AuditTable

    AuditTable(postgres_url).append(lambda _last: ('{"made": "elsewhere"}', "0" * 64))
    refused = feedback(installation["data_dir"], "migrate-store", "--to", postgres_url)
    assert refused.exit_code == 1
    assert "nothing moved" in refused.output and "already holds audit" in refused.output
    assert list(PostgresStore(postgres_url, installation["data_dir"], TABLES).rows("events")) == []
    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT count(*) FROM feedback_audit").fetchone()[0] == 1
        for table in ("feedback_messages", "feedback_tracking_codes", "feedback_request_links"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        accounts = db.execute("SELECT body FROM feedback_documents WHERE name = 'users'")
        assert not (accounts.fetchone() or [{}])[0].get("users")


def test_migrate_store_refuses_an_audit_log_that_does_not_verify_and_moves_nothing(
    installation, postgres_url
):
    log = installation["data_dir"] / audit.LOG_NAME
    lines = log.read_text("utf-8").splitlines()
    entry = json.loads(lines[-1])
    lines[-1] = json.dumps({**entry, "actor": "oscar"})
    log.write_text("\n".join(lines) + "\n", "utf-8")
    refused = feedback(installation["data_dir"], "migrate-store", "--to", postgres_url)
    assert refused.exit_code == 1
    assert "nothing moved" in refused.output and "does not verify" in refused.output
    assert list(PostgresStore(postgres_url, installation["data_dir"], TABLES).rows("events")) == []


def test_migrate_store_from_postgres_brings_accounts_audit_outbox_codes_links_and_invitations_back(
    installation, postgres_url, tmp_path
):
    data_dir, ref, now = installation["data_dir"], installation["ref"], installation["now"]
    assert feedback(data_dir, "migrate-store", "--to", postgres_url).exit_code == 0
    back = tmp_path / "back"
    moved = feedback(back, "migrate-store", "--from", postgres_url, "--data-dir", back)
    assert moved.exit_code == 0, moved.output
    assert "accounts: 1 accounts" in moved.output and "messages: 1 messages" in moved.output

    assert json.loads((back / "users.json").read_text("utf-8")) == json.loads(
        (data_dir / "users.json").read_text("utf-8")
    )
    assert (back / audit.LOG_NAME).read_bytes() == (data_dir / audit.LOG_NAME).read_bytes()
    report = audit.verify(back)
    assert report.ok and report.entries == len(installation["audit_lines"]), report.problem
    audit.record(back, actor="olive", action="case.view", ref=ref, fields=["service"])
    assert audit.verify(back).ok, "the chain carries on in the files"

    with Outbox(outbox_path(back)) as outbox:
        assert [m.id for m in outbox.due(now + 1)] == ["move-1"]
    key = installation["key"]
    with Access(back, key) as access:
        assert access.attempt(ref, installation["code"], now=now + 1).outcome == OK
    with Links(back, key) as links:
        found = links.find(installation["link"], now=now + 1)
    assert found is not None and found.ref == ref
    with Answers(back, key) as answers:
        assert answers.check(installation["token"], now=now + 1) == (INVITED, "satisfaction")
    with Offers(back, key) as offers:
        assert offers.is_open(installation["offer"], "equality", now=now + 1)
    with closing(SheetOutbox(sheet_outbox_path(back))) as sheet:
        assert sheet.pending("Cases") == [(ref, None)] and sheet.get("last_success") == now

    again = feedback(back, "migrate-store", "--from", postgres_url, "--data-dir", back)
    assert again.exit_code == 1 and "nothing moved" in again.output


def test_migrate_store_from_postgres_into_a_data_directory_with_accounts_refuses_and_moves_nothing(
    installation, postgres_url, tmp_path
):
    assert feedback(installation["data_dir"], "migrate-store", "--to", postgres_url).exit_code == 0
    back = tmp_path / "back"
    make_people(back, {"oscar": PEOPLE["oscar"]})
    refused = feedback(back, "migrate-store", "--from", postgres_url, "--data-dir", back)
    assert refused.exit_code == 1
    assert "nothing moved" in refused.output and "already holds accounts" in refused.output
    assert (
        not (back / "submissions.csv").exists()
        or len((back / "submissions.csv").read_bytes().splitlines()) <= 1
    )
    assert not (back / audit.LOG_NAME).exists() and not outbox_path(back).exists()
    assert [user.username for user in UserBook(back).all()] == ["oscar"]
