"""The case index and the search index saved beside the data: a fresh process loads them
instead of reading every row, but only while the tables still begin with exactly the bytes they
were built from; a rewritten table, a damaged or foreign file, or a changed schema means the
saved index is ignored and the tables are read again, so it never makes an index wrong. Rows
appended after the save are read and folded; access rules still apply to loaded cases; two
processes saving at once each leave a whole file."""

from __future__ import annotations

import multiprocessing
import re
import shutil
from datetime import UTC, datetime

import pytest

from forms_app.casework.index import CASE_COLUMNS, CaseIndex
from forms_app.casework.index_snapshot import SavedIndex
from forms_app.casework.search import SearchIndex, understand
from forms_app.casework.state import Case
from forms_app.storage.contract import Contract
from forms_app.storage.store import EVENTS, SUBMISSIONS, Store
from tests.support.staff import add_events, submit

SURNAMES = ("Prydderch", "Vaughan", "Howells", "Probert", "Watkins")


def _case_index(parts) -> CaseIndex:
    index = CaseIndex(parts.store, parts.procedure)
    index.save_at = 1  # save even the few rows of a test
    return index


def _search_index(parts) -> SearchIndex:
    index = SearchIndex(parts.store)
    index.save_at = 1
    return index


def _cases(parts) -> list[str]:
    """Five cases with a history: assigned, flagged, closed, reopened."""
    refs = [
        submit(
            parts,
            name=f"Gwen {surname}",
            email=f"gwen.{surname.lower()}@example.com",
            received=datetime(2026, 3, 1 + i, 9, tzinfo=UTC),
        )
        for i, surname in enumerate(SURNAMES)
    ]
    add_events(parts, refs[0], "mina", ("assigned", {"value": "olive"}))
    add_events(parts, refs[1], "mina", ("flag_set", {"value": "safeguarding", "note": "Risk"}))
    add_events(parts, refs[2], "mina", ("closed", {}))
    add_events(parts, refs[3], "mina", ("closed", {}), ("reopened", {}))
    return refs


def _state(case) -> tuple:
    return (
        case.ref,
        case.status,
        case.owner,
        dict(case.flags),
        case.reopened,
        case.version,
        [event["event_id"] for event in case.events],
    )


def _states(index: CaseIndex) -> list[tuple]:
    return [_state(case) for case in index.all_cases()]


def _found(index: SearchIndex, typed: str) -> list[str]:
    return [hit.ref for hit in index.search(understand(typed))]


def _save_both(parts) -> tuple[CaseIndex, SearchIndex]:
    """Build both indexes from the tables, which saves them; return them."""
    cases, search = _case_index(parts), _search_index(parts)
    cases.refresh()
    search.refresh()
    cases.saved.wait()
    search.saved.wait()
    for path in (cases.saved.path, search.saved.path):
        # Personal data, kept as the tables are: only the service's own account may read it.
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == path.parent.parent.stat().st_mode & 0o777
        assert path.parent.stat().st_mode & 0o077 == 0
    return cases, search


def test_an_unchanged_data_directory_is_loaded_without_reading_a_row(app_parts):
    _cases(app_parts)
    built, built_search = _save_both(app_parts)
    assert built.rows_read > 0 and built_search.rows_read > 0

    loaded, loaded_search = _case_index(app_parts), _search_index(app_parts)
    assert _states(loaded) == _states(built)
    assert loaded.rows_read == 0
    assert len(loaded) == len(built) == 5
    # The same open cases (their order is storing order, as in a process that read the tables
    # before some of them were reopened: lists sort them anyway).
    assert {c.ref for c in loaded.open_cases()} == {c.ref for c in built.open_cases()}
    for typed in ("Probert", "gwen.vaughan@example.com", "EX1 2AB", "medication"):
        assert _found(loaded_search, typed) == _found(built_search, typed), typed
    assert loaded_search.rows_read == 0


def test_only_the_cases_asked_for_are_folded_after_a_load(app_parts):
    refs = _cases(app_parts)
    _save_both(app_parts)
    loaded = _case_index(app_parts)
    case = loaded.get(refs[1])
    assert case.flags == {"safeguarding": "Risk"}
    assert [ref for ref, found in loaded._cases.items() if found is not None] == [refs[1]]


def test_a_case_is_made_from_only_the_submission_cells_that_are_saved(app_parts):
    """The saved index keeps ``CASE_COLUMNS`` of a submission: every cell a case is made of."""
    read: set[str] = set()

    class Watched(dict):
        def __getitem__(self, key):
            read.add(key)
            return super().__getitem__(key)

        def get(self, key, default=None):
            read.add(key)
            return super().get(key, default)

    ref = submit(app_parts)
    Case.from_submission(Watched(app_parts.store.find(ref)), "stage-1")
    assert read and read <= set(CASE_COLUMNS)


def test_rows_appended_after_the_save_are_read_and_folded(app_parts):
    refs = _cases(app_parts)
    _save_both(app_parts)
    late = submit(app_parts, name="Iolo Latecomer", email="iolo@example.com")
    add_events(app_parts, refs[0], "mina", ("closed", {}))

    loaded, loaded_search = _case_index(app_parts), _search_index(app_parts)
    assert loaded.get(refs[0]).status == "closed"
    assert loaded.get(late).status == "open"
    assert loaded.rows_read == 2  # the new submission and the new event, nothing else
    assert _found(loaded_search, "Latecomer") == [late]
    assert loaded_search.rows_read == 1
    fresh = CaseIndex(app_parts.store, app_parts.procedure)
    fresh.saved.path = fresh.saved.path.with_name("nowhere.index")
    assert _states(loaded) == _states(fresh)


def test_the_indexes_are_saved_again_once_rows_were_appended(app_parts):
    _cases(app_parts)
    _save_both(app_parts)
    late = submit(app_parts, name="Iolo Latecomer", email="iolo@example.com")
    loaded, loaded_search = _case_index(app_parts), _search_index(app_parts)
    loaded.refresh()
    loaded_search.refresh()
    assert (loaded.rows_read, loaded_search.rows_read) == (1, 1)
    loaded.saved.wait()
    loaded_search.saved.wait()

    again, again_search = _case_index(app_parts), _search_index(app_parts)
    assert again.get(late) is not None and _found(again_search, "Latecomer") == [late]
    assert (again.rows_read, again_search.rows_read) == (0, 0)


def test_a_rewritten_table_makes_the_saved_index_ignored(app_parts, tmp_path):
    refs = _cases(app_parts)
    cases, search = _save_both(app_parts)
    # Kept aside and put back after the rewrite (as a copy from before an erasure would be).
    kept = {path: tmp_path / path.name for path in (cases.saved.path, search.saved.path)}
    for path, aside in kept.items():
        shutil.copy2(path, aside)
    gone = refs[4]
    app_parts.store.remove_cases([gone])
    for path, aside in kept.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(aside, path)

    loaded, loaded_search = _case_index(app_parts), _search_index(app_parts)
    assert loaded.get(gone) is None
    assert gone not in [case.ref for case in loaded.all_cases()]
    assert loaded.rows_read > 0  # read from the tables, not the saved index
    assert _found(loaded_search, SURNAMES[4]) == []
    assert _found(loaded_search, "Gwen") == list(reversed(refs[:4]))


def test_what_was_read_before_a_rewrite_is_never_saved_as_if_read_after(app_parts):
    """A save that was under way while cases were removed (and more appended) is refused."""
    refs = _cases(app_parts)
    saved = SavedIndex(app_parts.store, "cases", (SUBMISSIONS, EVENTS), ("index",))
    before = app_parts.store.changes_since(None, (SUBMISSIONS, EVENTS)).cursor
    app_parts.store.remove_cases([refs[4]])
    for n in range(4):
        submit(app_parts, name=f"Nia Newer{n}", email=f"nia{n}@example.com")
    assert not saved.save(before, {"rows": "read before the removal"})
    assert saved.load() is None


def test_removing_cases_removes_the_saved_indexes_holding_them(app_parts):
    refs = _cases(app_parts)
    cases, search = _save_both(app_parts)
    app_parts.store.remove_cases([refs[4]])
    assert not cases.saved.path.exists() and not search.saved.path.exists()


def test_a_table_rewritten_in_place_to_the_same_length_makes_the_saved_index_ignored(app_parts):
    """Same file, same length, same last bytes, a different row: an offset and the bytes just
    before it would not notice; the digest of every byte before it does."""
    refs = _cases(app_parts)
    cases, _ = _save_both(app_parts)
    table = app_parts.store.tables[SUBMISSIONS]
    data = table.path.read_bytes()
    header = data[: data.index(b"\n") + 1]
    rows = list(table.read())
    assert rows[0]["ref"] == refs[0]
    rows[0]["service"] = "home-cafe"  # as long as "home-care"
    edited = header + table.encode(rows)
    assert len(edited) == len(data) and edited != data and edited[-64:] == data[-64:]
    with open(table.path, "r+b") as out:  # in place: the same file, not a new one
        out.write(edited)

    loaded = _case_index(app_parts)
    assert loaded.get(refs[0]).service == "home-cafe"
    assert loaded.rows_read == cases.rows_read  # everything read again


@pytest.mark.parametrize("damage", ["flipped", "truncated", "empty", "foreign"])
def test_a_damaged_saved_index_is_ignored(app_parts, damage):
    refs = _cases(app_parts)
    cases, search = _save_both(app_parts)
    for path in (cases.saved.path, search.saved.path):
        data = bytearray(path.read_bytes())
        if damage == "flipped":
            data[len(data) // 2] ^= 0x40
        elif damage == "truncated":
            data = data[: len(data) - 7]
        elif damage == "empty":
            data = bytearray()
        else:
            data = bytearray(b"not an index at all\n" * 50)
        path.write_bytes(bytes(data))
    loaded, loaded_search = _case_index(app_parts), _search_index(app_parts)
    assert _states(loaded) == _states(cases)
    assert loaded.rows_read == cases.rows_read  # everything read again
    assert _found(loaded_search, "Probert") == [refs[3]]
    assert loaded_search.rows_read == search.rows_read


def test_a_changed_schema_makes_the_saved_index_ignored(app_parts):
    _cases(app_parts)
    cases, _ = _save_both(app_parts)
    descriptor = app_parts.settings.data_dir / "datapackage.json"
    descriptor.write_text(descriptor.read_text("utf-8").replace('"title"', '"title" ', 1))
    loaded = _case_index(app_parts)
    assert _states(loaded) == _states(cases)
    assert loaded.rows_read == cases.rows_read


def test_loaded_cases_keep_their_access_rules(app, app_parts, signed_in):
    """The app's own indexes load the saved ones (nothing read), and a confidential case is
    still hidden from an officer, a restricted one still shows no words."""
    secret = submit(app_parts, name="Emrys Secretcase", email="emrys@example.com")
    add_events(app_parts, secret, "mina", ("flag_set", {"value": "confidential", "note": "Staff"}))
    held = submit(
        app_parts, name="Lowri Heldcase", email="lowri@example.com", details="Words kept quiet."
    )
    add_events(app_parts, held, "mina", ("flag_set", {"value": "restricted", "note": "Art 18"}))
    _save_both(app_parts)

    olive = signed_in("olive")
    html = olive.get("/staff/search", query_string={"q": "Secretcase"}).text
    assert f"/staff/cases/{secret}" not in html
    assert olive.get(f"/staff/cases/{secret}").status_code in (403, 404)
    mina = signed_in("mina")
    html = mina.get("/staff/search", query_string={"q": "Heldcase"}).text
    assert f"/staff/cases/{held}" in html
    assert "Words kept quiet" not in html
    # Both came from the saved indexes: the app read no row to answer.
    assert app.extensions["casework"].rows_read == 0
    assert app.extensions["search"].rows_read == 0


class _OtherEngine:
    """A store with the same methods but no way to write down where a read stopped."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        if name in ("cursor_marks", "resume_cursor"):
            raise AttributeError(name)
        return getattr(self._store, name)


def test_with_another_engine_nothing_is_saved_or_loaded_and_the_index_still_works(app_parts):
    refs = _cases(app_parts)
    index = CaseIndex(_OtherEngine(app_parts.store), app_parts.procedure)
    index.save_at = 1
    assert index.get(refs[2]).status == "closed"
    search = SearchIndex(_OtherEngine(app_parts.store))
    search.save_at = 1
    assert _found(search, "Probert") == [refs[3]]
    index.saved.wait()
    search.saved.wait()
    assert not index.saved.path.exists() and not search.saved.path.exists()

    # Files saved by a data package engine in the same directory are not read either.
    built, built_search = _save_both(app_parts)
    index = CaseIndex(_OtherEngine(app_parts.store), app_parts.procedure)
    assert _states(index) == _states(built) and index.rows_read == built.rows_read
    search = SearchIndex(_OtherEngine(app_parts.store))
    assert _found(search, "Probert") == [refs[3]] and search.rows_read == built_search.rows_read


def _save_many(data_dir, label: str, rounds: int) -> None:
    contract = Contract()
    store = Store(data_dir, {name: contract.columns(name) for name in contract.resource_names})
    saved = SavedIndex(store, "cases", (SUBMISSIONS, EVENTS), ("index",))
    cursor = store.changes_since(None, (SUBMISSIONS, EVENTS)).cursor
    for round_ in range(rounds):
        payload = {"writer": label, "round": round_, "body": [label * 50] * 4000}
        assert saved.save(cursor, payload)


def test_two_processes_saving_at_once_leave_a_whole_file(app_parts):
    _cases(app_parts)
    data_dir = app_parts.settings.data_dir
    saved = SavedIndex(app_parts.store, "cases", (SUBMISSIONS, EVENTS), ("index",))
    context = multiprocessing.get_context("fork")
    writers = [
        context.Process(target=_save_many, args=(data_dir, label, 40)) for label in ("a", "b")
    ]
    for writer in writers:
        writer.start()
    seen = set()
    while any(writer.is_alive() for writer in writers):
        loaded = saved.load()
        if loaded is not None:
            _, payload = loaded
            assert payload["body"] == [payload["writer"] * 50] * 4000
            seen.add(payload["writer"])
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    _, payload = saved.load()
    assert payload["writer"] in ("a", "b") and payload["round"] == 39
    assert seen <= {"a", "b"}
    leftovers = [p.name for p in saved.path.parent.iterdir() if p.name != saved.path.name]
    assert not [name for name in leftovers if re.match(r"\.cases\..*\.tmp$", name)]
