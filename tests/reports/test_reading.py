"""How a report reads the store's tables quickly, and counts in a second process.

The storage layer's reader (``storage.reading.csv_rows``) splits lines without quotes at the
commas and hands the rest to the ``csv`` module: it must read exactly what the ``csv`` module
reads from anything the store writes, torn tails included. ``TableReader.scan`` with columns
reads a few columns for the PII gate.
``parallel.in_background`` forks: a failure there must reach the caller as the same error, and
a report counted in a second process must be the same report as one counted here.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms_app.organisation.settings import PROJECT_DIR, load_settings
from forms_app.reports import parallel
from forms_app.reports.loading import DataError, load
from forms_app.storage.reading import csv_rows, open_for_reading
from forms_app.storage.records import encode_header, encode_record, normalise_newlines
from tests.support.reports import write_data, write_settings

#: Text as people type it: commas, quotes, new lines, Welsh and other letters, emoji.
awkward = (
    st.lists(st.sampled_from([*"ab ,\"\n\r'ŵŷ€😀\t;", "ch", "dd", '""', ",,"]), max_size=20)
    .map("".join)
    .map(normalise_newlines)
)


def _csv_module(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(awkward, min_size=3, max_size=3), max_size=12))
def test_rows_are_read_as_the_csv_module_reads_them(rows):
    data = encode_header(["a", "b", "c", "crc"]) + b"".join(encode_record(r) for r in rows)
    text = data.decode("utf-8")
    assert list(csv_rows(text)) == _csv_module(text)
    assert [r[:3] for r in list(csv_rows(text))[1:]] == rows


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(awkward, min_size=3, max_size=3), min_size=1, max_size=8), st.data())
def test_a_torn_tail_loses_only_the_torn_record(rows, data):
    """A write cut anywhere (as ``file_cells`` sees it, up to the last line end) never changes a
    complete record before it, and what is left of the torn one has too few cells or is a
    complete record's prefix cut at a line end inside an answer."""
    whole = encode_header(["a", "b", "c", "crc"]) + b"".join(encode_record(r) for r in rows)
    cut = data.draw(st.integers(0, len(whole)))
    torn = whole[:cut]
    torn = torn[: torn.rfind(b"\n") + 1].decode("utf-8", errors="replace")
    read = [r for r in csv_rows(torn) if len(r) == 4][1:]
    assert [r[:3] for r in read] == rows[: len(read)]


def test_text_the_store_did_not_write_is_read_by_the_csv_module():
    text = 'a,b,crc\r\nx,"y\r\nz",00000000\r\nplain,row,00000000\r\n'
    assert list(csv_rows(text)) == _csv_module(text)
    assert list(csv_rows(text))[1] == ["x", "y\r\nz", "00000000"]


def test_columns_reads_the_named_cells_and_blank_for_a_missing_one(tmp_path):
    path = tmp_path / "events.csv"
    rows = [["ev1", "R1", 'said "hello", then left'], ["ev2", "R2", "line one\nline two"]]
    path.write_bytes(
        encode_header(["event_id", "ref", "note", "crc"])
        + b"".join(encode_record(r) for r in rows)
        + b'ev3,R3,"torn in the mid'
    )
    tables = open_for_reading(tmp_path)
    assert list(tables.scan("events", ("note", "ref"))) == [
        ('said "hello", then left', "R1"),
        ("line one\nline two", "R2"),
    ]
    assert list(tables.scan("events", ("ref",))) == [("R1",), ("R2",)]
    assert list(tables.scan("events", ("ref", "no_such_column"))) == [("R1", ""), ("R2", "")]
    assert list(tables.scan("missing", ("ref",))) == []


# The second process -------------------------------------------------------------------------


def _fail_with(error):
    raise error


class _Unpicklable(Exception):
    def __init__(self, lock):
        super().__init__("held a lock")
        self.lock = lock


@pytest.fixture
def thread_free():
    """The report forks only from a process with no other threads (forking threads is unsafe).
    The tests share their process with earlier test files, which may leave a thread that is
    still ending (one reading a stopped server's output, say): give those time to end."""
    deadline = time.monotonic() + 30
    for thread in threading.enumerate():
        if thread is not threading.main_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    alive = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    assert alive == [], f"threads an earlier test left running: {alive}"


def test_background_work_returns_its_value_from_a_forked_process(thread_free):
    later = parallel.in_background(os.getpid)
    assert isinstance(later, parallel._Forked), "pytest should not have started threads here"
    assert later.result() != os.getpid()


def test_a_failure_in_the_background_is_raised_here_as_the_same_error(thread_free):
    later = parallel.in_background(_fail_with, DataError("there is no submissions.csv"))
    assert isinstance(later, parallel._Forked)
    with pytest.raises(DataError, match="there is no submissions.csv"):
        later.result()


def test_a_failure_that_cannot_travel_arrives_as_its_name_and_message(thread_free):
    later = parallel.in_background(_fail_with, _Unpicklable(threading.Lock()))
    with pytest.raises(parallel.BackgroundError, match="_Unpicklable: held a lock"):
        later.result()


def _value_then_wait_for(folder: Path):
    def afterwards():
        deadline = time.monotonic() + 10
        while not (folder / "go").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        (folder / "done").write_text("after go" if (folder / "go").exists() else "gave up")

    return parallel.Then(42, afterwards)


def test_work_after_a_result_runs_once_it_is_handed_back_without_holding_up_the_caller(
    thread_free, tmp_path
):
    """A report saves what it folded after handing its figures back (``Then``): the caller
    gets the value, and its wait for the child ends, without waiting for that work."""
    later = parallel.in_background(_value_then_wait_for, tmp_path)
    assert isinstance(later, parallel._Forked)
    assert later.result() == 42
    later.close()
    assert not (tmp_path / "done").exists()
    (tmp_path / "go").touch()
    deadline = time.monotonic() + 10
    while not (tmp_path / "done").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (tmp_path / "done").read_text() == "after go"


def test_work_after_a_result_runs_at_once_where_nothing_forks(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDBACK_REPORT_FORK", "0")
    (tmp_path / "go").touch()
    later = parallel.in_background(_value_then_wait_for, tmp_path)
    assert (tmp_path / "done").read_text() == "after go"
    assert later.result() == 42


def test_a_report_counted_in_a_second_process_is_the_same_as_one_counted_here(
    tmp_path, monkeypatch
):
    from forms_app.reports.build import build_report
    from forms_app.reports.periods import financial_year

    settings_ = load_settings(write_settings(tmp_path, write_data(tmp_path / "data")))
    made = {}
    for fork in ("1", "0"):
        monkeypatch.setenv("FEEDBACK_REPORT_FORK", fork)
        site = tmp_path / f"site-{fork}"
        shutil.copytree(PROJECT_DIR / "site", site)
        built = build_report(
            settings_, financial_year(2025), site_dir=site, data_out=tmp_path / f"out-{fork}"
        )
        made[fork] = {p.name: p.read_bytes() for p in built.written}
    assert made["1"] == made["0"]
    assert any(name.endswith(".csv") for name in made["1"])


def test_a_report_on_a_folder_without_data_says_so_from_the_second_process(tmp_path):
    from forms_app.reports.build import count
    from forms_app.reports.periods import financial_year

    settings_ = load_settings(write_settings(tmp_path, tmp_path / "empty"))
    (tmp_path / "empty").mkdir(exist_ok=True)
    later = parallel.in_background(count, settings_, financial_year(2025), None, [])
    with pytest.raises(DataError, match="no submissions.csv"):
        later.result()
    with pytest.raises(DataError):
        load(tmp_path / "empty", settings_)


def test_the_fold_collects_what_was_written_on_cases_as_the_gate_reads_it(tmp_path):
    """The report reads the events once: the fold collects who acted on cases and what was
    written, which must be exactly what ``pii_sources.case_writing`` reads for the gate."""
    from forms_app.reports.pii_sources import case_writing

    data_dir = write_data(tmp_path / "data")
    settings_ = load_settings(write_settings(tmp_path, data_dir))
    folded = load(data_dir, settings_).writing
    read = case_writing(data_dir)
    assert folded.actors == read.actors
    assert folded.narratives == read.narratives
    assert folded.actors and folded.narratives
