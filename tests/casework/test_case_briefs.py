"""Cases in brief saved with the case index: a fresh process lists and counts cases from the
saved briefs without folding them, but never from a stale one. A brief is made again when its
case changed after the save, when the rules its dates follow changed (closure days, a procedure
file), when it was made from a later state than the saved rows, and whenever its due date moves
with the day (a paused clock); the access rules still apply to every row and every count."""

from __future__ import annotations

import marshal
import re
import shutil
from datetime import UTC, date, datetime, timedelta

from forms_app.casework.index import CaseIndex
from forms_app.casework.workload import workload
from forms_app.procedures import profiles
from forms_app.procedures.profiles import closure_years
from forms_app.storage.store import EVENTS, SUBMISSIONS
from tests.support.staff import add_events, submit

TODAY = date.today()
#: A Monday long enough ago that every stage's dates are in the past.
MONDAY = date(2026, 3, 2)


def _index(parts, procedure=None, closure_days=()) -> CaseIndex:
    index = CaseIndex(parts.store, procedure or parts.procedure, closure_days)
    index.save_at = 1  # save even the few rows of a test
    return index


def _saved(parts, procedure=None, closure_days=()) -> CaseIndex:
    """Read the tables from the start, which saves the index with its briefs; return it."""
    index = _index(parts, procedure, closure_days)
    index.refresh()
    index.saved.wait()
    assert index.saved.path.exists()
    return index


def _fresh(parts, procedure=None, closure_days=()) -> CaseIndex:
    """An index that reads and folds every case (it finds nothing saved)."""
    index = CaseIndex(parts.store, procedure or parts.procedure, closure_days)
    index.saved.path = index.saved.path.with_name("nowhere.index")
    return index


def _folded(index: CaseIndex) -> set[str]:
    return {ref for ref, case in index._cases.items() if case is not None}


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def _cases(parts) -> list[str]:
    """Cases in different states: new, owned and acknowledged, answered, closed, flagged."""
    refs = [
        submit(parts, name=f"Bryn Example{i}", received=_at(MONDAY + timedelta(days=i)))
        for i in range(5)
    ]
    refs.append(submit(parts, kind="compliment", received=_at(MONDAY)))
    add_events(
        parts,
        refs[1],
        "mina",
        ("assigned", {"value": "olive"}),
        ("acknowledged", {"at": _at(MONDAY + timedelta(days=2))}),
    )
    add_events(
        parts,
        refs[2],
        "mina",
        ("acknowledged", {"at": _at(MONDAY + timedelta(days=3))}),
        ("responded", {"at": _at(MONDAY + timedelta(days=20))}),
    )
    add_events(parts, refs[3], "mina", ("closed", {}))
    add_events(parts, refs[4], "mina", ("flag_set", {"value": "safeguarding", "note": "Risk"}))
    return refs


def test_saved_briefs_list_every_case_as_folding_would_and_fold_none(app_parts):
    _cases(app_parts)
    _saved(app_parts)
    loaded = _index(app_parts)
    briefs = loaded.briefs(TODAY)
    assert loaded.rows_read == 0
    assert _folded(loaded) == set()  # nothing folded: every row came from a saved brief
    fresh = _fresh(app_parts)
    assert briefs == fresh.briefs(TODAY)
    assert [loaded.due_status(b, TODAY) for b in briefs] == [
        fresh.due_status(b, TODAY) for b in fresh.briefs(TODAY)
    ]
    assert loaded.briefs(TODAY, open_only=True) == fresh.briefs(TODAY, open_only=True)
    # The figures of the home page are the same as from the folded cases.
    counted, folded = workload(loaded, briefs, TODAY), workload(fresh, fresh.all_cases(), TODAY)
    for figure in ("new", "to_acknowledge", "due_this_week", "overdue"):
        assert [c.ref for c in getattr(counted, figure)] == [
            c.ref for c in getattr(folded, figure)
        ], figure
    assert (counted.answered, counted.answered_on_time) == (
        folded.answered,
        folded.answered_on_time,
    )


def test_a_case_changed_after_the_save_has_its_brief_made_again(app_parts):
    refs = _cases(app_parts)
    _saved(app_parts)
    before = {b.ref: b for b in _index(app_parts).briefs(TODAY)}
    assert before[refs[0]].in_inbox and before[refs[0]].next_what == "acknowledge"
    add_events(
        app_parts,
        refs[0],
        "mina",
        ("assigned", {"value": "oscar"}),
        ("acknowledged", {"at": _at(MONDAY + timedelta(days=1))}),
    )

    loaded = _index(app_parts)
    after = {b.ref: b for b in loaded.briefs(TODAY)}
    assert after[refs[0]].owner == "oscar"
    assert not after[refs[0]].in_inbox
    assert after[refs[0]].next_what == "respond"
    assert _folded(loaded) == {refs[0]}  # only the changed case was folded
    assert list(after.values()) == list(_fresh(app_parts).briefs(TODAY))


def test_a_case_stored_after_the_save_is_listed(app_parts):
    _cases(app_parts)
    _saved(app_parts)
    late = submit(app_parts, name="Iolo Latecomer", received=_at(MONDAY))
    loaded = _index(app_parts)
    assert late in {b.ref for b in loaded.briefs(TODAY, open_only=True)}
    assert loaded.briefs(TODAY) == _fresh(app_parts).briefs(TODAY)


def test_other_closure_days_make_the_saved_briefs_set_aside(app_parts):
    refs = _cases(app_parts)
    _saved(app_parts)
    closed_day = (MONDAY + timedelta(days=1),)  # a Tuesday: one working day fewer
    loaded = _index(app_parts, closure_days=closed_day)
    briefs = {b.ref: b for b in loaded.briefs(TODAY)}
    expected = {b.ref: b for b in _fresh(app_parts, closure_days=closed_day).briefs(TODAY)}
    unchanged = {b.ref: b for b in _fresh(app_parts).briefs(TODAY)}
    # The closure moves the first case's acknowledgement a day later...
    assert expected[refs[0]].next_due == unchanged[refs[0]].next_due + timedelta(days=1)
    # ...and the loaded index follows the closure, not the saved dates.
    assert briefs == expected
    assert _folded(loaded) == set(briefs)


def test_a_changed_procedure_file_makes_the_saved_briefs_set_aside(
    app_parts, tmp_path, monkeypatch
):
    shipped = profiles.PROCEDURES_DIR
    copied = tmp_path / "procedures"
    shutil.copytree(shipped, copied)
    monkeypatch.setattr(profiles, "PROCEDURES_DIR", copied)
    code = app_parts.procedure.code
    refs = _cases(app_parts)
    _saved(app_parts, profiles.load_procedure(code))
    path = copied / f"{code}.yaml"
    text, count = re.subn(
        r"acknowledge: \{days: 3, unit: working\}",
        "acknowledge: {days: 10, unit: working}",
        path.read_text("utf-8"),
    )
    assert count, "the test expects the profile to acknowledge within 3 working days"
    path.write_text(text, "utf-8")

    changed = profiles.load_procedure(code)
    loaded = _index(app_parts, changed)
    briefs = {b.ref: b for b in loaded.briefs(TODAY)}
    expected = {b.ref: b for b in _fresh(app_parts, changed).briefs(TODAY)}
    assert briefs == expected
    assert briefs[refs[0]].next_what == "acknowledge"
    assert briefs[refs[0]].next_due == MONDAY + timedelta(days=14)  # 10 working days on


def test_a_brief_made_from_a_later_state_than_the_saved_rows_is_not_saved(app_parts):
    refs = _cases(app_parts)
    read = app_parts.store.changes_since(None, (SUBMISSIONS, EVENTS))
    index = _index(app_parts)
    index.save_at = 10**9  # no save of its own: the test saves the rows read above
    add_events(app_parts, refs[0], "mina", ("closed", {}))
    index.refresh()
    assert not index.get(refs[0]).is_open
    index._save(read.cursor, read.rows[SUBMISSIONS], read.rows[EVENTS])
    _cursor, (_columns, saved_refs, _blobs, _waiting, (_rules, blob)) = index.saved.load()
    briefs = marshal.loads(blob)
    saved = {ref for ref, brief in zip(saved_refs, briefs, strict=True) if brief is not None}
    assert refs[0] not in saved and refs[1] in saved

    loaded = _index(app_parts)
    briefs = {b.ref: b for b in loaded.briefs(TODAY)}
    # The closing event came after the saved rows: the case is folded from them and that
    # event, never listed from a brief of a state the saved rows do not hold.
    assert not briefs[refs[0]].is_open
    assert refs[0] in _folded(loaded)
    assert list(briefs.values()) == list(_fresh(app_parts).briefs(TODAY))


def test_a_paused_case_is_never_listed_from_a_saved_brief(app_parts):
    ref = submit(app_parts, name="Pip Paused", received=_at(TODAY - timedelta(days=20)))
    add_events(
        app_parts,
        ref,
        "mina",
        ("acknowledged", {"at": _at(TODAY - timedelta(days=19))}),
        ("paused", {"at": _at(TODAY - timedelta(days=10))}),
    )
    other = submit(app_parts, name="Nia Running", received=_at(TODAY - timedelta(days=20)))
    _saved(app_parts)
    loaded = _index(app_parts)
    (brief,) = [b for b in loaded.briefs(TODAY) if b.ref == ref]
    assert loaded.due_status(brief, TODAY) == "paused"
    assert _folded(loaded) == {ref}  # the running one came from its saved brief
    # While paused, the response date moves on with the days paused.
    later = TODAY + timedelta(days=14)
    (moved,) = [b for b in loaded.briefs(later) if b.ref == ref]
    assert moved.next_due > brief.next_due
    assert other not in _folded(loaded)


def _row(html: str, figure: str) -> tuple[str, str]:
    """(your cases, all cases) in one row of the home page's table of work, as plain text."""
    match = re.search(rf'data-figure="{figure}">(.*?)</tr>', html, re.S)
    assert match, figure
    cells = re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)

    def text(cell):
        cell = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", cell, flags=re.S)
        return " ".join(re.sub(r"<[^>]+>", "", cell).split())

    return text(cells[0]), text(cells[1])


def test_lists_and_counts_from_saved_briefs_keep_the_access_rules(app, app_parts, signed_in):
    """The app's own index lists and counts from the saved briefs (nothing read, nothing
    folded but the rows drawn), and a confidential case of Olive's service, or a case of
    another service, is never in her list, her inbox or her figures."""
    mine = submit(app_parts, name="Elin Visible", received=_at(MONDAY))
    secret = submit(app_parts, name="Emrys Secretcase", received=_at(MONDAY))
    add_events(app_parts, secret, "mina", ("flag_set", {"value": "confidential", "note": "Staff"}))
    elsewhere = submit(app_parts, service="mental-health", received=_at(MONDAY))
    # Saved with the closure days of the settings, as the app's own index counts.
    _saved(app_parts, closure_days=app_parts.settings.closure_dates(closure_years()))

    olive = signed_in("olive")
    listed = olive.get("/staff/cases").text
    assert f"/staff/cases/{mine}" in listed
    assert f"/staff/cases/{secret}" not in listed
    assert f"/staff/cases/{elsewhere}" not in listed
    inbox = olive.get("/staff/inbox").text
    assert f"/staff/cases/{mine}" in inbox and f"/staff/cases/{secret}" not in inbox
    home = olive.get("/staff/").text
    assert _row(home, "new")[1] == "1"
    assert _row(home, "overdue")[1] == "1"
    overdue = olive.get("/staff/work", query_string={"figure": "overdue"}).text
    assert f"/staff/cases/{mine}" in overdue and f"/staff/cases/{secret}" not in overdue
    index = app.extensions["casework"]
    assert index.rows_read == 0  # from the saved index
    assert secret not in _folded(index) and elsewhere not in _folded(index)

    mina = signed_in("mina")
    listed = mina.get("/staff/cases").text
    assert all(f"/staff/cases/{ref}" in listed for ref in (mine, secret, elsewhere))
    assert _row(mina.get("/staff/").text, "new")[1] == "3"


def test_a_case_changed_while_the_process_runs_is_listed_as_it_is_now(app_parts):
    refs = _cases(app_parts)
    _saved(app_parts)
    loaded = _index(app_parts)
    loaded.get(refs[3])  # folded by a case page before any list: never listed from its brief
    assert {b.ref: b for b in loaded.briefs(TODAY)}[refs[0]].owner == ""
    add_events(app_parts, refs[0], "mina", ("assigned", {"value": "olive"}))
    add_events(app_parts, refs[3], "mina", ("reopened", {}))
    now = {b.ref: b for b in loaded.briefs(TODAY)}
    assert now[refs[0]].owner == "olive"
    assert now[refs[3]].is_open
    assert list(now.values()) == list(_fresh(app_parts).briefs(TODAY))
