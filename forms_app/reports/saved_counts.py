"""The cases as the last report counted them, saved beside the data so that the next report
folds only what changed since: ``run/index/report.index`` in the data directory.

A report that folded every case (``folding``) saves, once it has handed its figures back:

- each case as the report counts it (``counted.pack``), in the order stored;
- what folds each case again: its submission's cells and its counted events' cells, in a file
  of their own read only for the cases folded again (``saved_rows``);
- what the PII gate must know was written on cases (``CaseWriting``: who acted on them, and
  what people wrote as the keys of its runs of words, not the texts), and who sent each piece
  of feedback for someone else;
- the first stage of each procedure the cases follow, and a digest of the code that folds and
  counts them.

The next report loads it and reads only the rows appended to the tables since
(``SavedIndex``: used only if the file is whole, was made by the same code for the same
schemas, and every table still begins with exactly the bytes it was built from; a rewrite of
the tables, such as an erasure or a retention purge, removes it). A new submission starts a new
case; a case with new events is folded again from its saved rows and the new ones, so it is
folded exactly as a report from the first row would fold it. The tests compare the two, figure
for figure.

Only the data package's tables are saved this way (the reader must say where its read ended:
``TableReader.cells_to_here``); a report from PostgreSQL folds every case each time.
"""

from __future__ import annotations

import hashlib
import marshal
from array import array
from functools import cache
from pathlib import Path

from forms_app.casework.index_snapshot import SavedIndex
from forms_app.casework.state import Case
from forms_app.storage.records import row_maker
from forms_app.storage.store import EVENTS, SUBMISSIONS

from .counted import Packer, Unpacker, counted, pack
from .folding import FOLDED, NOT_COUNTED, Folded, Procedures, fold_all
from .pii_patterns import narrative_keys
from .pii_sources import CaseWriting
from .saved_rows import CaseRows, RowsMismatch, remove_if_token
from .saved_words import SavedWords

NAME = "report"
TABLES = (SUBMISSIONS, EVENTS)
#: The modules of ``casework`` whose code folds a case (``SavedIndex`` digests their source).
FOLDING_MODULES = ("state", "request_state")
#: Rows appended since the saved cases after which a report saves them again (fewer are
#: quicker to fold again than the whole file is to write).
RESAVE_AFTER = 2000


@cache
def _code() -> str:
    """A digest of this package's code that folds cases and takes what a report counts."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    # ``pii_patterns`` too: the keys of what people wrote are made by its folding and words.
    for name in ("counted", "folding", "saved_counts", "saved_rows", "saved_words", "pii_patterns"):
        digest.update(name.encode() + b"\0" + (here / f"{name}.py").read_bytes())
    return digest.hexdigest()


def _index(reader) -> SavedIndex:
    return SavedIndex(reader, NAME, TABLES, FOLDING_MODULES)


def _rows_path(index: SavedIndex) -> Path:
    return index.path.with_suffix(".rows")


def _words_path(index: SavedIndex) -> Path:
    return index.path.with_suffix(".words")


class Keeping:
    """Reads the tables for a fold from the first row, as the reader does (``cells``), and
    remembers where each read ended, so that what was folded can be saved. The rows that fold
    each case again are not kept while folding (millions of small strings, which would slow
    the report down): the process that saves reads them again, up to those same ends."""

    def __init__(self, reader):
        self.reader = reader
        self._ends: dict[str, object] = {}

    @classmethod
    def for_tables(cls, reader) -> Keeping | None:
        """A keeper for this reader, or None if it cannot say where its read ended."""
        if not callable(getattr(reader, "cells_to_here", None)):
            return None
        return cls(reader)

    def cells(self, table: str):
        found, end = self.reader.cells_to_here(table)
        self._ends[table] = end
        return found

    def fold(self, procedures: Procedures) -> Folded:
        """Fold every case; the result can save itself (``saving``)."""
        folded = fold_all(self, procedures)
        ends = [(name, self._ends.get(name)) for name in TABLES]
        cursor = self.reader.cursor(ends)
        if cursor is None:
            return folded  # a table missing, or a write in progress at its end: not saved
        folded.saving = lambda: self._save(cursor, dict(ends), folded, procedures)
        return folded

    def _save(self, cursor: object, ends: dict, folded: Folded, procedures: Procedures) -> None:
        found = _rows_by_case(self.reader, ends)
        if found is None:
            return
        submissions, events, names = found
        refs = [ref for ref, _row in submissions]
        if len(set(refs)) != len(refs) or len(refs) != len(folded.cases):
            return  # a reference stored twice (an edited file): such tables are read in order
        blobs = CaseRows.made(
            [marshal.dumps((row, events.pop(ref, []))) for ref, row in submissions]
        )
        saved = Saved(
            procedures.first_stages,
            names,
            refs,
            list(map(Packer(), folded.cases)),
            blobs,
            folded.on_behalf,
            folded.writing,
            events,  # what is left: events of references with no submission (yet)
        )
        saved.save(_index(self.reader), cursor)


def _rows_by_case(reader, ends: dict):
    """The rows that fold each case, read again up to where the fold's reads ended: (each
    submission's folded cells as ``(ref, row)`` in the order stored, ``{ref: [each counted
    event's cells, in order]}``, the events' column names); None if a table is not there."""
    submissions = reader.cells_before(SUBMISSIONS, ends[SUBMISSIONS])
    events = reader.cells_before(EVENTS, ends[EVENTS])
    if submissions is None or events is None:
        return None
    at, _make, width, rows = submissions
    row_of = row_maker(tuple((name, at[name]) for name in FOLDED if name in at))
    kept = [(row["ref"], row) for row in map(row_of, (c for c in rows if len(c) == width))]
    at, _make, width, rows = events
    names = tuple(sorted(at, key=at.__getitem__))
    count, i_ref, i_type = len(names), at["ref"], at["type"]
    by_ref: dict[str, list] = {}
    skip = NOT_COUNTED
    for cells in rows:
        if len(cells) == width and cells[i_type] not in skip:
            found = by_ref.get(cells[i_ref])
            if found is None:
                found = by_ref[cells[i_ref]] = []
            found.append(cells[:count])  # without the checksum
    return kept, by_ref, names


class Saved:
    """The saved cases (see the module docstring), as lists that a report brings up to date."""

    def __init__(self, first_stages, event_names, refs, packed, blobs, on_behalf, writing, orphans):
        self.first_stages: dict[str, str] = first_stages
        self.event_names: tuple[str, ...] = tuple(event_names)
        self.refs: list[str] = refs
        self.packed: list[tuple] = packed
        self.blobs: CaseRows = blobs
        self.on_behalf: dict[str, str] = on_behalf
        self.writing: CaseWriting = writing
        self.orphans: dict[str, list] = orphans

    def save(self, index: SavedIndex, cursor: object) -> bool:
        """Write the rows file and the words file, then the saved cases naming them
        (``saved_rows``, ``saved_words``)."""
        rows_path = _rows_path(index)
        keys = _narrative_keys(self.writing)
        if keys is None:
            return False  # the words saved before are gone: the next report reads every text
        try:
            rows = self.blobs.write(rows_path)
            words = SavedWords.write(_words_path(index), keys)
        except OSError:
            return False
        saved = index.save(
            cursor,
            (
                _code(),
                self.first_stages,
                self.event_names,
                self.refs,
                self.packed,
                rows,
                self.on_behalf,
                list(self.writing.actors),
                words.described_as(),
                self.orphans,
            ),
        )
        if not saved:  # not put in place, or undone (an erasure meanwhile): nor are the rest
            remove_if_token(rows_path, rows[0])
            remove_if_token(Path(words.path), words.token)
        return saved

    @classmethod
    def from_payload(cls, payload, index: SavedIndex) -> Saved | None:
        try:
            code, first, names, refs, packed, rows, behalf, actors, words, orphans = payload
        except (TypeError, ValueError):
            return None
        blobs = CaseRows.described(_rows_path(index), rows)
        words = SavedWords.described(_words_path(index), words)
        if code != _code() or blobs is None or words is None:
            return None
        if not (len(refs) == len(packed) == len(blobs)):
            return None
        # What people wrote is kept only as the keys of its runs of words, in their own file
        # (all the gate needs; the gate's process reads them): ``narratives`` gathers the texts
        # written since.
        writing = CaseWriting(set(actors), set(), narrative_keys=words)
        return cls(first, names, refs, packed, blobs, behalf, writing, orphans)


def resume_fold(reader, procedures: Procedures) -> Folded | None:
    """The cases folded from the saved ones and the rows appended since; None if there are
    none to start from (then the caller folds every case)."""
    if not callable(getattr(reader, "cells_to_here", None)):
        return None
    index = _index(reader)
    loaded = index.load()
    if loaded is None:
        return None
    cursor, payload = loaded
    saved = Saved.from_payload(payload, index)
    if saved is None:
        return None
    # A profile's first stage changed since: every complaint under it starts elsewhere.
    if any(procedures.first_stage(code) != first for code, first in saved.first_stages.items()):
        return None
    changes = reader.changes_since(cursor, TABLES)
    if changes.restart:
        return None
    try:
        added = _bring_up_to_date(saved, changes, procedures)
    except RowsMismatch:
        return None
    if added is None:
        return None
    unpack = Unpacker()
    folded = Folded([unpack(one) for one in saved.packed], saved.on_behalf, saved.writing)
    folded.since_saved = added
    if added >= RESAVE_AFTER:
        saved.first_stages = procedures.first_stages
        folded.saving = lambda: saved.save(index, changes.cursor)
    return folded


def _narrative_keys(writing: CaseWriting) -> array | None:
    """Every run of words in what people wrote, as the sorted keys the PII gate looks up
    (``pii_patterns.narrative_keys``): those saved before and those of the texts since. None if
    those saved before can no longer be read."""
    keys = set(narrative_keys(writing.narratives))
    if writing.narrative_keys is not None:
        before = writing.narrative_keys.load()
        if before is None:
            return None
        keys.update(before)
    return array("Q", sorted(keys))


def _bring_up_to_date(saved: Saved, changes, procedures: Procedures) -> int | None:
    """Apply the appended rows to ``saved``: how many there were, or None if the saved cases
    cannot be brought up to date (a reference stored twice). Raises RowsMismatch if the rows
    of a case to fold again cannot be read as saved."""
    submissions = changes.rows.get(SUBMISSIONS, ())
    events = changes.rows.get(EVENTS, ())
    if not submissions and not events:
        return 0
    names = saved.event_names
    writing = saved.writing
    known = set(saved.refs)
    new_cases: dict[str, int] = {}  # the position of each new case
    for row in submissions:
        ref = row["ref"]
        if ref in known:
            return None
        known.add(ref)
        writing.narratives.update((row.get("details") or "", row.get("outcome_wanted") or ""))
        if row.get("on_behalf"):
            saved.on_behalf[ref] = row["on_behalf"]
        new_cases[ref] = len(saved.refs)
        saved.refs.append(ref)
        saved.packed.append(())
        kept = saved.orphans.pop(ref, [])
        saved.blobs.append(marshal.dumps(({n: row[n] for n in FOLDED if n in row}, kept)))
    touched: dict[str, list[dict]] = {ref: [] for ref in new_cases}
    for row in events:
        writing.actors.add(row.get("actor") or "")
        writing.narratives.add(row.get("note") or "")
        kind = row.get("type")
        if kind in NOT_COUNTED:
            if kind == "assigned":
                writing.actors.add(row.get("value") or "")
            continue
        ref = row.get("ref") or ""
        if ref in known:
            touched.setdefault(ref, []).append(row)
        else:
            saved.orphans.setdefault(ref, []).append([row.get(n, "") for n in names])
    writing.actors.discard("")
    writing.narratives.discard("")
    # Where each saved case with new events is: one pass over the references (a dictionary of
    # every reference would cost more than the few cases it is for).
    where = dict(new_cases)
    if len(touched) > len(new_cases):
        for i, ref in enumerate(saved.refs):
            if ref in touched:
                where.setdefault(ref, i)
    make = row_maker(names)
    for ref, new in touched.items():
        i = where[ref]
        submission, kept = marshal.loads(saved.blobs.get(i))
        first_stage = procedures.first_stage(submission.get("procedure") or "")
        case = Case.from_submission(submission, first_stage)
        for cells in kept:
            case.apply(make(cells))
        for row in new:
            case.apply(row)
            kept.append([row.get(n, "") for n in names])
        saved.packed[i] = pack(counted(case))
        saved.blobs.set(i, marshal.dumps((submission, kept)))
    return len(submissions) + len(events)


def fold(reader, procedures: Procedures) -> Folded:
    """The report's cases: from the saved ones where they can be used, else every case folded
    (and kept, to be saved, when the reader can say where its read ended)."""
    folded = resume_fold(reader, procedures)
    if folded is not None:
        return folded
    keeping = Keeping.for_tables(reader)
    if keeping is None:
        return fold_all(reader, procedures)
    return keeping.fold(procedures)


__all__ = ["Folded", "Keeping", "Saved", "fold", "resume_fold"]
