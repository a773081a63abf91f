"""What only the PostgreSQL engine has: the schemas' rules as constraints, the personal role,
durable commits whatever the database's default, and connections that survive a fork or a
dropped session. Against a real server (``tests/support/postgres.py``)."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import psycopg
import pytest

from forms_app.storage import StoreWriteError
from forms_app.storage.contract import Contract
from forms_app.storage.postgres import PostgresStore, RowRefused, grant_roles

CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}


def a_submission(**changes) -> dict[str, str]:
    row = {name: "" for name in CONTRACT.columns("submissions") if name not in ("ref", "crc")}
    row.update(
        idempotency_key="a-valid-key-000001",
        received="2026-11-30T09:15:00+00:00",
        kind="complaint",
        variant="standard",
        language="cy",
        channel="online",
        procedure="nhs-wales",
        details="Ni ddaeth y nyrs ddydd Sul.",
        anonymous="false",
        happened_on="2026-11-29",
    )
    row.update(changes)
    return row


def a_person(**changes) -> dict[str, str]:
    row = {name: "" for name in CONTRACT.columns("personal") if name not in ("ref", "crc")}
    row.update(name="Gwenllian Example", email="gwen@example.com", phone="07700 900123")
    row.update(changes)
    return row


@pytest.fixture
def store(postgres_url, tmp_path) -> PostgresStore:
    store = PostgresStore(postgres_url, tmp_path / "data", TABLES)
    store.recover()
    return store


def test_postgres_stores_a_valid_contract_row_and_gives_it_back_unchanged(store):
    ref, created = store.commit_submission(
        idempotency_key="a-valid-key-000001", submission=a_submission(), personal=a_person()
    )
    assert created
    assert store.find(ref) == {**a_submission(), "ref": ref}
    assert store.find_personal(ref) == {**a_person(), "ref": ref}


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "grumble"},  # not in the enum
        {"language": "fr"},
        {"variant": ""},  # required
        {"details": ""},
        {"received": "yesterday"},  # not a datetime
        {"happened_on": "2026-02-30"},  # the form of a date, but no day
        {"anonymous": "maybe"},  # not a boolean
        {"service": "Not A Code"},  # pattern
        {"details": "x" * 10001},  # maxLength
    ],
    ids=lambda changes: "-".join(f"{k}={v[:12]}" for k, v in changes.items()),
)
def test_postgres_refuses_a_submission_outside_the_schema_and_stores_nothing(store, changes):
    with pytest.raises(RowRefused) as refused:
        store.commit_submission(
            idempotency_key="a-valid-key-000001",
            submission=a_submission(**changes),
            personal=a_person(),
        )
    assert isinstance(refused.value, ValueError) and isinstance(refused.value, StoreWriteError)
    assert list(store.rows("submissions")) == [] and list(store.rows("personal")) == []


@pytest.mark.parametrize(
    "changes", [{"email": "not an address"}, {"preferred_contact": "pigeon"}, {"postcode": "X"}]
)
def test_postgres_refuses_personal_details_outside_the_schema(store, changes):
    with pytest.raises(RowRefused):
        store.commit_submission(
            idempotency_key="a-valid-key-000001",
            submission=a_submission(),
            personal=a_person(**changes),
        )
    assert list(store.rows("submissions")) == []


def test_postgres_refuses_a_bad_enum_even_from_sql_that_bypasses_the_service(store, postgres_url):
    ref, _ = store.commit_submission(
        idempotency_key="a-valid-key-000001", submission=a_submission(), personal=None
    )
    with psycopg.connect(postgres_url) as connection, pytest.raises(psycopg.errors.CheckViolation):
        connection.execute(
            "INSERT INTO events (event_id, ref, at, actor, type) VALUES (%s, %s, %s, %s, %s)",
            ("event-id-000001", ref, "2026-11-30T10:00:00Z", "olive", "not_an_event_type"),
        )
    with psycopg.connect(postgres_url) as connection, pytest.raises(psycopg.errors.UniqueViolation):
        connection.execute(
            "UPDATE submissions SET idempotency_key = 'another-key-000001'; "
            "INSERT INTO submissions (ref, idempotency_key, received, kind, variant, language, "
            "channel, procedure, details, anonymous) SELECT 'ACDE-FHJK', 'another-key-000001', "
            "received, kind, variant, language, channel, procedure, details, anonymous "
            "FROM submissions"
        )


def test_postgres_evidence_size_must_be_a_positive_whole_number(store):
    ref, _ = store.commit_submission(
        idempotency_key="a-valid-key-000001", submission=a_submission(), personal=None
    )
    row = {
        "id": "file-id-0000000001",
        "ref": ref,
        "name": "llun.jpg",
        "kind": CONTRACT.enum("evidence", "kind")[0],
        "size": "0",
        "sha256": "0" * 64,
        "scan": CONTRACT.enum("evidence", "scan")[0],
        "finding": "",
        "added_by": "person",
        "at": "2026-11-30T10:00:00Z",
    }
    with pytest.raises(RowRefused):
        store.append("evidence", [row])
    with pytest.raises(ValueError):
        store.append("evidence", [{**row, "size": "lots"}])
    store.append("evidence", [{**row, "size": "2048"}])
    assert [found["size"] for found in store.rows("evidence")] == ["2048"]


def test_postgres_commits_durably_even_when_the_database_default_is_not(store, postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        database = connection.info.dbname
        connection.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = off')
    fresh = PostgresStore(postgres_url, store.data_dir, TABLES)
    connection = fresh.connections.get()
    assert connection.execute("SHOW synchronous_commit").fetchone() == ("on",)
    with psycopg.connect(postgres_url) as plain:  # the database default really is off
        assert plain.execute("SHOW synchronous_commit").fetchone() == ("off",)


def test_postgres_personal_details_are_readable_only_with_the_personal_role(
    store, postgres_server, postgres_url
):
    ref, _ = store.commit_submission(
        idempotency_key="a-valid-key-000001", submission=a_submission(), personal=a_person()
    )
    database = postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_url, autocommit=True) as owner:
        grant_roles(
            owner,
            TABLES,
            app_role="feedback_app",
            personal_role="feedback_personal",
            reader_role="feedback_reader",
        )
        # Granted the case tables as the app is, but not the personal role.
        grant_roles(owner, [n for n in TABLES if n != "personal"], app_role="feedback_outsider",
                    personal_role="feedback_personal")  # fmt: skip

    as_app = PostgresStore(postgres_server.url(database, "feedback_app"), store.data_dir, TABLES)
    as_app.recover()  # the tables are there: nothing is created, so no right to create is needed
    assert as_app.find_personal(ref)["name"] == "Gwenllian Example"
    second, _ = as_app.commit_submission(
        idempotency_key="by-the-app-role-01", submission=a_submission(), personal=a_person()
    )
    assert as_app.find_personal(second)["email"] == "gwen@example.com"

    for role in ("feedback_reader", "feedback_outsider"):
        with psycopg.connect(postgres_server.url(database, role)) as connection:
            assert connection.execute("SELECT count(*) FROM submissions").fetchone() == (2,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute("SELECT name FROM personal")
    outsider = PostgresStore(
        postgres_server.url(database, "feedback_outsider"), store.data_dir, TABLES
    )
    assert outsider.find(ref)["ref"] == ref
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        outsider.find_personal(ref)


def test_postgres_a_dropped_session_costs_one_call_at_most(store, postgres_url):
    store.append_events([])
    pid = store.connections.get().info.backend_pid
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    ref = None
    for _ in range(2):
        try:
            ref, _created = store.commit_submission(
                idempotency_key="after-a-drop-00001", submission=a_submission(), personal=None
            )
            break
        except StoreWriteError:
            continue
    assert ref is not None and store.find(ref)["ref"] == ref
    assert store.connections.get().info.backend_pid != pid


def _commit_in_child(store, queue) -> None:
    try:
        ref, _ = store.commit_submission(
            idempotency_key="from-the-child-001", submission=a_submission(), personal=None
        )
        queue.put(ref)
    except BaseException as exc:
        queue.put(repr(exc))


def test_postgres_a_store_made_before_a_fork_gives_the_child_its_own_connection(store):
    parent_pid = store.connections.get().info.backend_pid
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_commit_in_child, args=(store, queue))
    child.start()
    ref = queue.get(timeout=60)
    child.join(timeout=30)
    assert child.exitcode == 0
    # The parent's session was neither used nor closed by the child.
    assert store.connections.get().info.backend_pid == parent_pid
    assert store.find(ref)["idempotency_key"] == "from-the-child-001"


def test_postgres_tables_are_made_once_by_stores_starting_together(postgres_url, tmp_path):
    stores = [PostgresStore(postgres_url, Path(tmp_path), TABLES) for _ in range(4)]
    errors = []

    def start(store):
        try:
            store.recover()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [report.table for report in stores[0].recover()] == list(TABLES)
