"""A report starting from the cases the last report saved (``reports.saved_counts``) counts
exactly what a report folding every case from the first row counts: case by case, what the PII
gate is told, and table by table; and it is never used once the tables were rewritten, the
file is damaged, or a procedure's first stage changed."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from bench.report import PROCEDURE, make_data_dir
from forms_app.organisation.settings import load_settings
from forms_app.procedures.profiles import load_procedure
from forms_app.reports import saved_counts
from forms_app.reports.counted import pack
from forms_app.reports.figures import compute
from forms_app.reports.folding import Procedures, fold_all
from forms_app.reports.loading import load
from forms_app.reports.periods import financial_year
from forms_app.reports.pii_patterns import narrative_keys
from forms_app.reports.sources import open_tables
from forms_app.storage.contract import Contract
from forms_app.storage.table import Table
from tests.support.reports import write_settings

YEAR = financial_year(2025)
AS_AT = date(2026, 4, 30)
SAVED = Path("run") / "index" / f"{saved_counts.NAME}.index"
ROWS = SAVED.with_suffix(".rows")
WORDS = SAVED.with_suffix(".words")


@pytest.fixture
def world(tmp_path):
    data_dir = tmp_path / "data"
    make_data_dir(data_dir, cases=600, seed=5)
    settings = load_settings(write_settings(tmp_path, data_dir))
    return data_dir, settings


def _append(data_dir: Path, name: str, rows: list[dict]) -> None:
    contract = Contract()
    blank = {column: "" for column in contract.columns(name) if column != "crc"}
    Table(data_dir / f"{name}.csv", contract.columns(name)).append(
        [{**blank, **row} for row in rows]
    )


def _event(n: int, ref: str, type_: str, at: str = "2026-01-10T10:00:00+00:00", **values) -> dict:
    return {
        "event_id": f"evnew{n:06d}",
        "ref": ref,
        "at": at,
        "actor": "officer.a",
        "type": type_,
        **values,
    }


def _submission(ref: str, kind: str = "complaint", **values) -> dict:
    return {
        "ref": ref,
        "idempotency_key": f"new-{ref}",
        "received": "2026-01-05T09:00:00+00:00",
        "kind": kind,
        "variant": "standard",
        "language": "en",
        "channel": "online",
        "procedure": PROCEDURE,
        "service": "home-care",
        "details": f"Written for {ref}: the carer did not come.",
        "anonymous": "false",
        **values,
    }


def _day_of_work(data_dir: Path, n: int) -> None:
    """What a day adds: new cases, events on new and old cases (some counted, some not), an
    event for a case whose submission comes later, and a case merged into another."""
    _append(
        data_dir,
        "submissions",
        [_submission(f"N{n}A", on_behalf="someone_else"), _submission(f"N{n}B", kind="compliment")],
    )
    _append(
        data_dir,
        "events",
        [
            _event(n * 100 + 1, f"N{n}A", "acknowledged"),
            _event(n * 100 + 2, f"N{n}A", "stage_entered", stage="stage2"),
            _event(n * 100 + 3, f"N{n}A", "responded", stage="stage2"),
            _event(n * 100 + 4, f"N{n}A", "outcome_recorded", stage="stage2", outcome="upheld"),
            _event(n * 100 + 5, "R0000003", "theme_added", value="access"),
            _event(n * 100 + 6, "R0000003", "note", note=f"Rang back on day {n}"),
            _event(n * 100 + 7, "R0000010", "assigned", value=f"new.officer{n}"),
            _event(n * 100 + 8, "R0000010", "reopened"),
            _event(n * 100 + 9, f"N{n}B", "publication_approved", note="Thank you, kind team."),
            _event(n * 100 + 10, f"L{n}", "acknowledged"),  # its case is submitted next day
            _event(n * 100 + 11, "R0000020", "merged_into", value="R0000021"),
        ],
    )
    if n > 1:
        _append(data_dir, "submissions", [_submission(f"L{n - 1}")])


def _from_the_first_row(data_dir: Path, settings):
    return fold_all(open_tables(data_dir, settings), Procedures(load_procedure(settings.procedure)))


def _written(writing) -> tuple[set, set]:
    """Who acted on cases, and the keys of every run of words people wrote: what the PII gate
    is told, whether as texts or as keys saved before (``CaseWriting.narrative_keys``)."""
    keys = set(narrative_keys(writing.narratives))
    keys.update(writing.narrative_keys.load() if writing.narrative_keys is not None else ())
    return writing.actors, keys


def _assert_same(resumed, cold) -> None:
    assert [pack(case) for case in resumed.cases] == [pack(case) for case in cold.cases]
    assert _written(resumed.writing) == _written(cold.writing)
    assert cold.writing.narrative_keys is None and len(_written(cold.writing)[1]) > 0
    assert resumed.on_behalf == cold.on_behalf


def _tables(dataset, settings) -> dict:
    report = compute(dataset, settings, YEAR, as_at=AS_AT)
    tables = {**report.tables, **report.returns}
    return {key: [row.values for row in table.rows] for key, table in tables.items()}


@pytest.mark.parametrize("save_each_day", [False, True])
def test_a_report_from_the_saved_cases_counts_what_folding_every_case_counts(
    world, monkeypatch, save_each_day
):
    """Each day starts from the first day's save, or (``save_each_day``) from the day
    before's: then an event whose case is submitted the next day is kept across a save."""
    data_dir, settings = world
    if save_each_day:
        monkeypatch.setattr(saved_counts, "RESAVE_AFTER", 1)
    first = load(data_dir, settings)
    assert first.since_saved is None and first.saving is not None
    first.saving()
    assert (data_dir / SAVED).exists()
    for day in (1, 2, 3):
        _day_of_work(data_dir, day)
        resumed = saved_counts.fold(
            open_tables(data_dir, settings),
            Procedures(load_procedure(settings.procedure)),
        )
        assert resumed.since_saved is not None and resumed.since_saved > 0  # it did resume
        _assert_same(resumed, _from_the_first_row(data_dir, settings))
        if save_each_day:
            resumed.saving()
        else:
            assert resumed.saving is None  # a few rows since: cheaper to fold again than save
    # The merged case is left out, the new ones are in, and every table is the same.
    warm = load(data_dir, settings)
    assert warm.since_saved is not None
    refs = {case.ref for case in warm.cases}
    assert {"N1A", "N3B", "L2"} <= refs and "R0000020" not in refs
    os.unlink(data_dir / SAVED)
    cold = load(data_dir, settings)
    assert cold.since_saved is None
    assert _tables(warm, settings) == _tables(cold, settings)


def test_after_many_rows_the_report_saves_again(world, monkeypatch):
    data_dir, settings = world
    load(data_dir, settings).saving()
    monkeypatch.setattr(saved_counts, "RESAVE_AFTER", 10)
    _day_of_work(data_dir, 1)
    resumed = load(data_dir, settings)
    assert resumed.since_saved > 10 and resumed.saving is not None
    resumed.saving()
    again = load(data_dir, settings)
    assert again.since_saved == 0
    assert [pack(c) for c in again.cases] == [pack(c) for c in resumed.cases]


def test_a_rewritten_table_is_never_read_from_the_saved_cases(world):
    """An erasure rewrites the tables: what was saved may hold what it removed."""
    data_dir, settings = world
    load(data_dir, settings).saving()
    path = data_dir / "submissions.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    gone = lines.pop(5)  # one case's submission, as an erasure would remove it
    path.write_bytes(b"".join(lines))
    after = load(data_dir, settings)
    assert after.since_saved is None
    ref = gone.split(b",")[0].decode()
    assert ref not in {case.ref for case in after.cases}


@pytest.mark.parametrize("damage", ["flip", "cut"])
def test_a_damaged_saved_file_is_ignored(world, damage):
    data_dir, settings = world
    load(data_dir, settings).saving()
    path = data_dir / SAVED
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        del data[len(data) - 100 :]
    path.write_bytes(bytes(data))
    after = load(data_dir, settings)
    assert after.since_saved is None
    _assert_same(after, _from_the_first_row(data_dir, settings))


def test_a_changed_first_stage_folds_every_case_again(world, monkeypatch):
    data_dir, settings = world
    load(data_dir, settings).saving()
    monkeypatch.setattr(Procedures, "first_stage", lambda self, code: "stage0")
    after = saved_counts.resume_fold(
        open_tables(data_dir, settings), Procedures(load_procedure(settings.procedure))
    )
    assert after is None


def test_nothing_is_saved_while_a_write_is_half_done(world):
    """A table ending part-way through a record: where the read ended is not a record's end."""
    data_dir, settings = world
    with open(data_dir / "events.csv", "ab") as events:
        events.write(b"evhalf,R0000001,2026-01-")
    folded = load(data_dir, settings)
    assert folded.saving is None


def test_cases_saved_while_an_erasure_rewrote_the_tables_are_not_left_behind(world, monkeypatch):
    """The save runs after the report has handed back its figures. An erasure that rewrites
    the tables meanwhile removes the saved indexes; a save put in place after that would keep
    what the erasure removed (what people wrote, on disk), so it removes itself."""
    from forms_app.casework import index_snapshot

    data_dir, settings = world
    folded = load(data_dir, settings)
    real_replace = os.replace

    def erasure_meanwhile(source, target):
        path = data_dir / "submissions.csv"
        lines = path.read_bytes().splitlines(keepends=True)
        del lines[3]
        rewritten = data_dir / "submissions.csv.new"
        rewritten.write_bytes(b"".join(lines))
        real_replace(rewritten, path)  # a new file, as the store's rewrite makes
        real_replace(source, target)

    monkeypatch.setattr(index_snapshot.os, "replace", erasure_meanwhile)
    folded.saving()
    assert not (data_dir / SAVED).exists()
    assert not (data_dir / ROWS).exists()  # what people wrote is in the rows too
    assert not (data_dir / WORDS).exists()


@pytest.mark.parametrize("damage", ["flip", "gone", "another save"])
def test_rows_that_are_not_the_saved_ones_fold_every_case_again(world, damage):
    """Each case's rows are in a file of their own, read only for a case folded again: one
    that is damaged, missing, or of another save is noticed when it is read."""
    data_dir, settings = world
    load(data_dir, settings).saving()
    path = data_dir / ROWS
    if damage == "flip":
        data = bytearray(path.read_bytes())
        data[16 + 40] ^= 0xFF  # inside the first case's rows (R0000000, folded again below)
        path.write_bytes(bytes(data))
    elif damage == "gone":
        path.unlink()
    else:
        data = path.read_bytes()
        path.write_bytes(bytes(16) + data[16:])  # the same rows under another save's token
    _append(data_dir, "events", [_event(1, "R0000000", "theme_added", value="access")])
    after = load(data_dir, settings)
    assert after.since_saved is None
    _assert_same(after, _from_the_first_row(data_dir, settings))


def test_untouched_rows_are_never_read(world):
    """The point of the rows file: a report whose new rows touch no saved case does not open it."""
    data_dir, settings = world
    load(data_dir, settings).saving()
    (data_dir / ROWS).unlink()
    _append(data_dir, "submissions", [_submission("N1A")])
    after = load(data_dir, settings)
    assert after.since_saved == 1
    _assert_same(after, _from_the_first_row(data_dir, settings))


def test_removing_a_case_removes_the_saved_cases_and_their_rows(world):
    """An erasure or a retention purge removes cases through the store: what the report saved
    (what people wrote, each case's rows) goes with them."""
    from forms_app.storage.store import Store

    data_dir, settings = world
    load(data_dir, settings).saving()
    assert (data_dir / SAVED).exists() and (data_dir / ROWS).exists()
    assert (data_dir / WORDS).exists()
    contract = Contract()
    store = Store(data_dir, {name: contract.columns(name) for name in contract.resource_names})
    store.remove_cases(["R0000007"])
    assert not (data_dir / SAVED).exists() and not (data_dir / ROWS).exists()
    assert not (data_dir / WORDS).exists()
    after = load(data_dir, settings)
    assert after.since_saved is None and "R0000007" not in {c.ref for c in after.cases}


def test_a_report_from_the_saved_cases_still_stops_what_people_wrote(world):
    """The saved cases keep what people wrote only as the keys of its runs of words: the gate
    still finds eight words in a row of it, saved before or written since."""
    from forms_app.reports.pii_gate import Gate

    data_dir, settings = world
    load(data_dir, settings).saving()
    _append(
        data_dir,
        "submissions",
        [_submission("N9A", details="Nobody from the district team came on the Tuesday evening")],
    )
    warm = load(data_dir, settings)
    assert warm.since_saved == 1 and warm.writing.narrative_keys is not None
    gate = Gate.for_data(settings, data_dir, writing=warm.writing)
    saved_before = "It said the evening visit was two hours late and nobody rang, we read."
    written_since = "Nobody from the district team came on the Tuesday evening."

    def found(text):
        return [f.kind for f in gate.scan([("page.md", text)])]

    assert "words from a narrative" in found(saved_before)
    assert "words from a narrative" in found(written_since)
    assert "words from a narrative" not in found("The evening visit was two hours late.")


@pytest.mark.parametrize("damage", ["flip", "gone", "another save"])
def test_saved_words_that_are_not_the_saved_ones_make_the_gate_read_every_text(world, damage):
    """The gate reads the saved keys of what people wrote itself: if the file is not the one
    saved (damaged, gone, or replaced by another report's save), it reads every text from the
    tables instead, and still finds them."""
    from forms_app.reports.pii_gate import Gate

    data_dir, settings = world
    load(data_dir, settings).saving()
    warm = load(data_dir, settings)
    assert warm.since_saved == 0
    path = data_dir / WORDS
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[-3] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "gone":
        path.unlink()
    else:
        path.write_bytes(bytes(16) + bytes(data[16:]))
    assert warm.writing.narrative_keys.load() is None
    gate = Gate.for_data(settings, data_dir, writing=warm.writing)
    quoted = "It said the evening visit was two hours late and nobody rang, we read."
    assert "words from a narrative" in [f.kind for f in gate.scan([("page.md", quoted)])]
