"""The store's contract, run against both engines: the data package on disk and PostgreSQL.

Every test here takes ``engine``, parametrised ``datapackage`` and ``postgres``, so the same
assertions hold whichever engine the settings choose (``pytest -k postgres`` runs the PostgreSQL
half, against a real server: ``tests/support/postgres.py``). The processes and kill tests are in
``test_engine_processes.py``; what only PostgreSQL has (constraints, roles) in
``test_postgres_schema.py``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from forms_app.storage import Store, StoreWriteError
from forms_app.storage.engines import open_store
from forms_app.storage.postgres import PostgresStore

TABLES = {
    "submissions": ["ref", "idempotency_key", "kind", "text", "crc"],
    "personal": ["ref", "name", "address", "crc"],
    "events": ["ref", "type", "detail", "crc"],
}

AWKWARD = [
    "plain",
    "",
    "line one\nline two\n\nline four",
    "textarea\r\nwith CRLF\r\nand a lone\rCR",
    'she said "no", then "yes"',
    "commas, everywhere, ,",
    '=HYPERLINK("http://example.invalid","click")',
    "Gwasanaeth iechyd ŵ ŷ â, emoji 😀👍🏽",
    "  leading and trailing spaces  ",
    "tab\there",
    "ŵ" * 2500 + "\n" + '"' * 100,
    "NULL",
    "\\N",
]


class Engine:
    """Makes stores of one engine over the same tables (each a separate view, as another
    process would have)."""

    def __init__(self, name: str, data_dir: Path, url: str | None):
        self.name, self.data_dir, self.url = name, data_dir, url

    def store(self, tables=TABLES):
        if self.url:
            store = PostgresStore(self.url, self.data_dir, tables)
        else:
            store = Store(self.data_dir, tables)
        store.recover()
        return store


@pytest.fixture(params=["datapackage", "postgres"])
def engine(request, tmp_path) -> Engine:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return Engine(request.param, tmp_path / "data", url)


@pytest.fixture
def store(engine: Engine):
    return engine.store()


def commit(store, key: str, text: str = "text", name: str | None = "Ffion Prydderch", **kw):
    return store.commit_submission(
        idempotency_key=key,
        submission={"kind": "complaint", "text": text},
        personal=None if name is None else {"name": name, "address": "1 Stryd Fawr\nTref"},
        **kw,
    )


def refs(rows) -> list[str]:
    return [row["ref"] for row in rows]


# -- writing and finding ----------------------------------------------------------------------


def test_a_submission_is_found_by_its_reference_with_its_key_filled_in(store):
    ref, created = commit(store, "key-one-0000000001")
    assert created
    assert store.find(ref) == {
        "ref": ref,
        "idempotency_key": "key-one-0000000001",
        "kind": "complaint",
        "text": "text",
    }


def test_the_same_key_twice_gives_the_same_reference_and_one_row(store):
    first = commit(store, "double-click-000001", text="first")
    second = commit(store, "double-click-000001", text="second")
    assert first[1] and not second[1]
    assert first[0] == second[0]
    assert [row["text"] for row in store.rows("submissions")] == ["first"]
    assert len(list(store.rows("personal"))) == 1


def test_another_store_on_the_same_tables_sees_committed_keys(engine, store):
    ref, _ = commit(store, "seen-elsewhere-0001")
    other = engine.store()
    assert other.commit_submission(
        idempotency_key="seen-elsewhere-0001", submission={"kind": "x", "text": "y"}, personal=None
    ) == (ref, False)
    assert other.find(ref)["idempotency_key"] == "seen-elsewhere-0001"


def test_find_forgives_typing_and_rejects_unknown(store):
    ref, _ = commit(store, "typed-by-hand-0001")
    typed = f" {ref.lower().replace('-', ' ')} "
    assert store.find(typed)["ref"] == ref
    assert store.find("ACDE-FHJK") is None
    assert store.find("") is None
    assert store.find(None) is None
    assert store.find("\udc80") is None


def test_find_by_key_gives_the_row_stored_with_that_key(store):
    ref, _ = commit(store, "found-by-key-00001")
    assert store.find_by_key("found-by-key-00001")["ref"] == ref
    assert store.find_by_key("never-stored-00001") is None
    assert store.find_by_key(None) is None


def test_find_personal_gives_the_persons_details_and_none_for_an_anonymous_case(store):
    ref, _ = commit(store, "with-a-person-0001", name="Ffion Prydderch")
    anonymous, _ = commit(store, "anonymous-case-001", name=None)
    assert store.find_personal(ref) == {
        "ref": ref,
        "name": "Ffion Prydderch",
        "address": "1 Stryd Fawr\nTref",
    }
    assert store.find_personal(anonymous) is None
    assert store.find(anonymous)["ref"] == anonymous


def test_awkward_values_come_back_exactly_with_line_ends_as_lf(store):
    made = {}
    for number, value in enumerate(AWKWARD):
        ref, _ = commit(store, f"awkward-value-{number:04d}", text=value, name=value)
        made[ref] = value.replace("\r\n", "\n").replace("\r", "\n")
    for row in store.rows("submissions"):
        assert row["text"] == made[row["ref"]]
    for row in store.rows("personal"):
        assert row["name"] == made[row["ref"]]


@pytest.mark.parametrize(
    ("submission", "error"),
    [
        ({"kind": "complaint"}, ValueError),  # a column missing
        ({"kind": "complaint", "text": "x", "extra": "y"}, ValueError),
        ({"kind": "complaint", "text": 5}, TypeError),
        ({"kind": "complaint", "text": "nul\x00inside"}, ValueError),
    ],
    ids=["missing", "unknown", "not-text", "nul"],
)
def test_rows_that_do_not_fit_are_refused_and_nothing_is_written(store, submission, error):
    with pytest.raises(error):
        store.commit_submission(
            idempotency_key="refused-row-000001", submission=submission, personal={"name": "A"}
        )
    assert list(store.rows("submissions")) == []
    assert list(store.rows("personal")) == []


def test_a_reference_already_used_is_never_given_again(store):
    first, _ = commit(store, "collision-one-0001")
    offered = iter([first, first, "ACDE-FHJK"])
    second, created = commit(store, "collision-two-0001", make_reference=lambda: next(offered))
    assert created and second == "ACDE-FHJK"


def test_a_malformed_reference_from_the_maker_is_refused(store):
    with pytest.raises(ValueError):
        commit(store, "malformed-ref-0001", make_reference=lambda: "not a ref")
    assert list(store.rows("submissions")) == []


def test_an_empty_idempotency_key_is_refused(store):
    with pytest.raises(ValueError):
        commit(store, "  ")


def test_events_are_appended_and_read_in_the_order_written(store):
    ref, _ = commit(store, "events-in-order-01")
    store.append_events([{"ref": ref, "type": "acknowledged", "detail": ""}])
    store.append_events([])
    store.append("events", [{"ref": ref, "type": f"note-{n}", "detail": "x"} for n in range(5)])
    assert [row["type"] for row in store.rows("events")] == [
        "acknowledged",
        *[f"note-{n}" for n in range(5)],
    ]


def test_submissions_and_personal_rows_are_written_only_by_a_commit(store):
    for table in ("submissions", "personal"):
        with pytest.raises(ValueError):
            store.append(table, [{"ref": "ACDE-FHJK"}])


def test_threads_sending_one_form_together_store_it_once(store):
    results, barrier = [], threading.Barrier(8)

    def send():
        barrier.wait()
        results.append(commit(store, "same-form-threads1"))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({ref for ref, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert len(list(store.rows("submissions"))) == 1


def test_recover_reports_every_table_and_changes_nothing(engine, store):
    commit(store, "recovered-case-001")
    reports = engine.store().recover()
    assert [report.table for report in reports] == list(TABLES)
    assert not any(report.changed for report in reports)
    assert len(list(store.rows("submissions"))) == 1


# -- following and reading columns ------------------------------------------------------------


def test_changes_since_gives_every_row_then_only_the_new_ones(engine, store):
    first, _ = commit(store, "changes-first-0001")
    store.append_events([{"ref": first, "type": "acknowledged", "detail": ""}])
    changes = store.changes_since(None)
    assert not changes.restart
    assert refs(changes.rows["submissions"]) == [first]
    assert [event["type"] for event in changes.rows["events"]] == ["acknowledged"]
    assert "personal" not in changes.rows

    again = store.changes_since(changes.cursor)
    assert again.rows == {"submissions": [], "events": []} and not again.restart

    other = engine.store()
    second, _ = commit(other, "changes-second-001")
    other.append_events([{"ref": second, "type": "closed", "detail": "done"}])
    later = store.changes_since(again.cursor)
    assert refs(later.rows["submissions"]) == [second]
    assert later.rows["events"] == [{"ref": second, "type": "closed", "detail": "done"}]
    assert not later.restart


def test_changes_since_starts_again_after_cases_are_removed(store):
    first, _ = commit(store, "removed-later-0001")
    second, _ = commit(store, "kept-afterwards-01")
    cursor = store.changes_since(None).cursor
    store.remove_cases([first])
    changes = store.changes_since(cursor)
    assert changes.restart
    assert refs(changes.rows["submissions"]) == [second]


def test_changes_since_follows_writers_in_other_threads_without_missing_a_row(engine, store):
    """A reader tailing while four writers commit sees every row exactly once."""
    seen: list[str] = []
    done = threading.Event()

    def write(worker):
        mine = engine.store()
        for number in range(25):
            commit(mine, f"tail-w{worker}-{number:04d}-x", name=None)

    def read():
        cursor = None
        while True:
            finished = done.is_set()
            changes = store.changes_since(cursor, ("submissions",))
            assert not changes.restart
            seen.extend(refs(changes.rows["submissions"]))
            cursor = changes.cursor
            if finished:
                return

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    assert len(seen) == 100
    assert sorted(seen) == sorted(refs(store.rows("submissions")))


def test_scan_reads_columns_in_the_order_asked(store):
    ref, _ = commit(store, "scanned-column-001", text="the text")
    assert list(store.scan("submissions", ("text", "ref"))) == [("the text", ref)]
    assert list(store.scan("submissions", ("ref",))) == [(ref,)]
    assert list(store.scan("submissions", ("ref", "no_such_column"))) == [(ref, "")]
    assert list(store.scan("submissions"))[0]["ref"] == ref


# -- imports, rewrites and removals -----------------------------------------------------------


def batch_rows(refs_and_keys):
    return {
        "submissions": [
            {"ref": ref, "idempotency_key": key, "kind": "complaint", "text": "imported"}
            for ref, key in refs_and_keys
        ],
        "personal": [
            {"ref": ref, "name": "Imported Person", "address": ""} for ref, _ in refs_and_keys
        ],
        "events": [{"ref": ref, "type": "imported", "detail": ""} for ref, _ in refs_and_keys],
    }


def test_commit_batch_writes_every_table_and_the_cases_are_found(store):
    counts = store.commit_batch(
        lambda: batch_rows(
            [("CMP/2021/0001", "import-key-000001"), ("CMP/2021/0002", "ik2-0000000000000")]
        )
    )
    assert counts == {"personal": 2, "submissions": 2, "events": 2}
    assert store.find("CMP/2021/0002")["text"] == "imported"
    assert store.find_by_key("import-key-000001")["ref"] == "CMP/2021/0001"
    assert store.find_personal("CMP/2021/0001")["name"] == "Imported Person"


def test_commit_batch_writes_nothing_when_decide_refuses(store):
    def decide():
        raise RuntimeError("the import found a problem")

    with pytest.raises(RuntimeError):
        store.commit_batch(decide)
    assert list(store.rows("submissions")) == []


def test_commit_batch_refuses_a_row_that_does_not_fit_before_writing(store):
    rows = batch_rows([("CMP/2021/0001", "import-key-000001")])
    rows["events"].append({"ref": "CMP/2021/0001", "type": "imported"})  # no detail
    with pytest.raises(ValueError):
        store.commit_batch(lambda: rows)
    for table in TABLES:
        assert list(store.rows(table)) == []


def test_commit_batch_refuses_an_unknown_table(store):
    with pytest.raises(ValueError):
        store.commit_batch(lambda: {"elsewhere": [{"ref": "x"}]})


def test_a_rewrite_keeps_the_rows_it_accepts_in_order(store):
    ref, _ = commit(store, "rewritten-case-001")
    store.append_events([{"ref": ref, "type": t, "detail": ""} for t in ("a", "b", "c", "d")])
    removed = store.rewrite("events", lambda row: row["type"] in ("a", "c"))
    assert removed == 2
    assert [row["type"] for row in store.rows("events")] == ["a", "c"]
    assert store.rewrite("events", lambda row: True) == 0
    assert store.rewrite("no_such_table", lambda row: False) == 0


def test_remove_cases_removes_every_row_of_the_cases_and_only_theirs(store):
    gone, _ = commit(store, "erased-case-000001")
    kept, _ = commit(store, "kept-case-00000001")
    store.append_events([{"ref": r, "type": "note", "detail": ""} for r in (gone, kept, gone)])
    counts = store.remove_cases([gone])
    assert counts == {"personal": 1, "submissions": 1, "events": 2}
    assert store.find(gone) is None and store.find_personal(gone) is None
    assert refs(store.rows("events")) == [kept]
    assert store.find_personal(kept)["name"] == "Ffion Prydderch"


def test_the_store_lock_keeps_other_writers_waiting_until_it_is_released(engine, store):
    stored = threading.Event()

    def write():
        commit(engine.store(), "waits-for-lock-001")
        stored.set()

    with store.lock():
        writer = threading.Thread(target=write)
        writer.start()
        assert not stored.wait(1.0), "a write went through while the lock was held"
    writer.join(timeout=30)
    assert stored.is_set()


def test_the_factory_chooses_the_engine_from_the_url(engine, monkeypatch):
    monkeypatch.delenv("FORMS_APP_STORE_URL", raising=False)
    chosen = open_store(engine.data_dir, TABLES, engine.url)
    assert isinstance(chosen, PostgresStore if engine.url else Store)
    chosen.recover()
    ref, _ = commit(chosen, "through-factory-01")
    assert engine.store().find(ref)["ref"] == ref


def test_a_write_to_an_unreachable_store_stores_nothing_and_says_so(engine, tmp_path):
    if engine.url:
        broken = PostgresStore("postgresql://nobody@127.0.0.1:1/none", tmp_path, TABLES)
    else:
        (tmp_path / "file").write_text("")
        broken = Store(tmp_path / "file" / "data", TABLES)  # a directory under a file
    with pytest.raises(StoreWriteError):
        broken.append_events([{"ref": "ACDE-FHJK", "type": "note", "detail": ""}])
