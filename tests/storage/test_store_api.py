"""The store's methods for the rest of the service: following what was appended
(``changes_since``), one person's details (``find_personal``), reading columns (``scan``), an
import's all-or-nothing commit (``commit_batch``) and removing rows by atomic rewrite
(``rewrite``, ``remove_cases``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_app.storage import Store, StoreWriteError, Table, open_for_reading
from forms_app.storage.rewriting import TEMP_SUFFIX
from tests.support.oracle import oracle_rows

TABLES = {
    "submissions": ["ref", "idempotency_key", "kind", "text", "crc"],
    "personal": ["ref", "name", "crc"],
    "events": ["ref", "type", "detail", "crc"],
}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Store:
    store = Store(data_dir, TABLES)
    store.recover()
    return store


def commit(store: Store, key: str, name: str | None = None) -> str:
    ref, created = store.commit_submission(
        idempotency_key=key,
        submission={"kind": "complaint", "text": f"text of {key}, with a comma"},
        personal=None if name is None else {"name": name},
    )
    assert created
    return ref


def refs(rows) -> list[str]:
    return [row["ref"] for row in rows]


# changes_since -------------------------------------------------------------------------------


def test_changes_since_gives_every_row_then_only_the_new_ones(store, data_dir):
    first = commit(store, "k1", "Ffion Prydderch")
    store.append_events([{"ref": first, "type": "acknowledged", "detail": ""}])
    changes = store.changes_since(None)
    assert not changes.restart
    assert refs(changes.rows["submissions"]) == [first]
    assert [e["type"] for e in changes.rows["events"]] == ["acknowledged"]
    assert "personal" not in changes.rows  # only the tables asked for

    again = store.changes_since(changes.cursor)
    assert again.rows == {"submissions": [], "events": []} and not again.restart

    # Appended by another process (another store on the same directory).
    other = Store(data_dir, TABLES)
    second = commit(other, "k2")
    other.append_events([{"ref": second, "type": "closed", "detail": "done"}])
    later = store.changes_since(again.cursor)
    assert refs(later.rows["submissions"]) == [second]
    assert later.rows["events"] == [{"ref": second, "type": "closed", "detail": "done"}]
    assert not later.restart


def test_changes_since_starts_again_after_a_rewrite(store):
    first, second = commit(store, "k1"), commit(store, "k2")
    store.append_events([{"ref": first, "type": "note", "detail": "x"}])
    cursor = store.changes_since(None).cursor
    store.remove_cases([first])
    changes = store.changes_since(cursor)
    assert changes.restart
    assert refs(changes.rows["submissions"]) == [second]
    assert changes.rows["events"] == []
    assert not store.changes_since(changes.cursor).restart


def test_changes_since_starts_again_when_only_the_events_were_rewritten(store):
    first = commit(store, "k1")
    store.append_events([{"ref": first, "type": "note", "detail": "x"}])
    cursor = store.changes_since(None).cursor
    store.rewrite("events", lambda row: False)
    changes = store.changes_since(cursor)
    # Everything again, not only the events: the reader drops what it built.
    assert changes.restart
    assert refs(changes.rows["submissions"]) == [first] and changes.rows["events"] == []


def test_changes_since_reads_only_the_tables_the_store_has(data_dir):
    store = Store(data_dir, {"submissions": TABLES["submissions"]})
    ref = commit(store, "k1")
    changes = store.changes_since(None)
    assert list(changes.rows) == ["submissions"] and refs(changes.rows["submissions"]) == [ref]


# find_personal and scan ----------------------------------------------------------------------


def test_find_personal_follows_appends_and_rewrites(store, data_dir):
    first = commit(store, "k1", "Ffion Prydderch")
    assert store.find_personal(first) == {"ref": first, "name": "Ffion Prydderch"}
    second = commit(Store(data_dir, TABLES), "k2", "Iolo Tregarth")
    assert store.find_personal(second)["name"] == "Iolo Tregarth"
    store.remove_cases([first])
    assert store.find_personal(first) is None
    assert store.find_personal(second)["name"] == "Iolo Tregarth"
    assert store.find_personal("NOPE-NOPE") is None


def test_scan_reads_columns_in_the_order_asked(store, data_dir):
    first, second = commit(store, "k1"), commit(store, "k2")
    assert list(store.scan("submissions", ("idempotency_key", "ref"))) == [
        ("k1", first),
        ("k2", second),
    ]
    assert list(store.scan("submissions", ("ref",))) == [(first,), (second,)]
    assert list(store.scan("submissions", ("ref", "no_such"))) == [(first, ""), (second, "")]
    assert list(store.scan("submissions")) == list(store.rows("submissions"))
    # The reader without the app reads the same.
    reader = open_for_reading(data_dir)
    assert list(reader.scan("submissions", ("idempotency_key", "ref"))) == [
        ("k1", first),
        ("k2", second),
    ]


# commit_batch --------------------------------------------------------------------------------


def batch(*refs_: str) -> dict[str, list[dict[str, str]]]:
    return {
        "personal": [{"ref": ref, "name": f"Person {ref}"} for ref in refs_],
        "submissions": [
            {"ref": ref, "idempotency_key": f"import-{ref}", "kind": "comment", "text": ""}
            for ref in refs_
        ],
        "events": [{"ref": ref, "type": "closed", "detail": ""} for ref in refs_],
    }


def test_commit_batch_writes_every_table_and_the_index_knows_the_cases(store, data_dir):
    written = store.commit_batch(lambda: batch("CMP/1", "CMP/2"))
    assert written == {"personal": 2, "submissions": 2, "events": 2}
    assert store.find("CMP/2")["idempotency_key"] == "import-CMP/2"
    assert store.find_by_key("import-CMP/1")["ref"] == "CMP/1"
    for name in TABLES:
        stored = oracle_rows(data_dir / f"{name}.csv", TABLES[name])
        assert [row[0] for row in stored] == ["CMP/1", "CMP/2"]


def test_commit_batch_writes_nothing_when_decide_refuses(store, data_dir):
    commit(store, "k1")
    sizes = {name: (data_dir / f"{name}.csv").stat().st_size for name in TABLES}
    seen = []

    def decide():
        seen.append(list(store.scan("submissions", ("idempotency_key",))))
        raise LookupError("conflict")

    with pytest.raises(LookupError):
        store.commit_batch(decide)
    assert seen == [[("k1",)]]  # decide read the store, under the lock
    assert {name: (data_dir / f"{name}.csv").stat().st_size for name in TABLES} == sizes


def test_commit_batch_cuts_every_table_back_when_a_write_fails(store, data_dir, monkeypatch):
    commit(store, "k1", "Ffion Prydderch")
    sizes = {name: (data_dir / f"{name}.csv").stat().st_size for name in TABLES}
    events = store.tables["events"]
    write = Table.write

    def failing(self, data):
        if self is events:
            raise OSError(28, "No space left on device")
        return write(self, data)

    monkeypatch.setattr(Table, "write", failing)
    with pytest.raises(StoreWriteError):
        store.commit_batch(lambda: batch("CMP/1"))
    monkeypatch.undo()
    assert {name: (data_dir / f"{name}.csv").stat().st_size for name in TABLES} == sizes
    assert store.find("CMP/1") is None


def test_commit_batch_refuses_a_row_that_does_not_fit_before_writing(store, data_dir):
    sizes = {name: (data_dir / f"{name}.csv").stat().st_size for name in TABLES}
    rows = batch("CMP/1")
    rows["events"][0]["unknown"] = "x"
    with pytest.raises(ValueError, match="unknown"):
        store.commit_batch(lambda: rows)
    assert {name: (data_dir / f"{name}.csv").stat().st_size for name in TABLES} == sizes


def test_commit_batch_cuts_personal_rows_a_dead_commit_left(store, data_dir):
    commit(store, "k1", "Ffion Prydderch")
    # A commit killed between its two writes: a personal row with no submission, at the end.
    Table(data_dir / "personal.csv", TABLES["personal"]).append(
        [{"ref": "DEAD-DEAD", "name": "Nobody Committed"}]
    )
    store.commit_batch(lambda: batch("CMP/1"))
    names = [row["name"] for row in store.rows("personal")]
    assert names == ["Ffion Prydderch", "Person CMP/1"]


# rewrite and remove_cases --------------------------------------------------------------------


def test_a_rewrite_keeps_the_appends_made_before_it(store, data_dir):
    first = commit(store, "k1", "Ffion Prydderch")
    # Appended by other processes since this store last looked at the table.
    other = Store(data_dir, TABLES)
    later = [commit(other, f"k{n}", f"Person {n}") for n in range(2, 6)]
    other.append_events([{"ref": ref, "type": "note", "detail": "kept"} for ref in later])
    removed = store.rewrite("submissions", lambda row: row["ref"] != first)
    assert removed == 1
    assert refs(store.rows("submissions")) == later
    stored = oracle_rows(data_dir / "submissions.csv", TABLES["submissions"])
    assert [row[0] for row in stored] == later
    # And appends after it land in the new file, seen by the other process too.
    last = commit(store, "k9")
    assert refs(other.rows("submissions")) == [*later, last]
    assert not list(data_dir.glob(f".*{TEMP_SUFFIX}"))


def test_a_rewrite_that_removes_nothing_leaves_the_file_alone(store, data_dir):
    commit(store, "k1")
    inode = (data_dir / "submissions.csv").stat().st_ino
    assert store.rewrite("submissions", lambda row: True) == 0
    assert (data_dir / "submissions.csv").stat().st_ino == inode
    assert store.rewrite("no_such_table", lambda row: False) == 0


def test_remove_cases_removes_every_row_of_the_cases(store):
    gone = commit(store, "k1", "Ffion Prydderch")
    kept = commit(store, "k2", "Iolo Tregarth")
    store.append_events([{"ref": ref, "type": "note", "detail": ""} for ref in (gone, kept, gone)])
    counts = store.remove_cases([gone])
    assert counts == {"personal": 1, "submissions": 1, "events": 2}
    assert store.find(gone) is None and store.find_by_key("k1") is None
    assert store.find(kept)["idempotency_key"] == "k2"
    for name in TABLES:
        assert refs(store.rows(name)) == [kept]


def test_clear_interrupted_rewrites_removes_what_a_crash_left(store, data_dir):
    commit(store, "k1")
    stale = data_dir / f".submissions.csv.12345{TEMP_SUFFIX}"
    stale.write_bytes(b"ref,idempotency_key,kind,text,crc\n")
    assert store.clear_interrupted_rewrites() == 1
    assert not stale.exists()
    assert refs(store.rows("submissions")) != []
