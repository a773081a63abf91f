"""The hash-chained audit log (reliability plan G4): tamper trials, concurrency, no values.

The oracle for "the chain is intact" is the verifier; each tamper trial changes the files the way
someone editing them by hand (or a careless script) would, and must be reported.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import random

import pytest

from forms_app.records import audit


def _fill(data_dir, count=20):
    for number in range(count):
        audit.record(
            data_dir,
            actor=f"officer.{number % 3}",
            action=random.Random(number).choice(["view", "change", "export"]),
            ref="K7RM-3QXH" if number % 2 else None,
            fields=["name", "email"] if number % 4 == 0 else (),
            detail=f"step {number}",
        )


def _lines(data_dir):
    return (data_dir / audit.LOG_NAME).read_bytes().split(b"\n")[:-1]


def _write(data_dir, lines):
    (data_dir / audit.LOG_NAME).write_bytes(b"".join(line + b"\n" for line in lines))


def test_entries_have_the_documented_shape_and_chain(tmp_path):
    _fill(tmp_path, 3)
    entries = [json.loads(line) for line in _lines(tmp_path)]
    assert [set(entry) for entry in entries] == [set(audit.KEYS)] * 3
    assert entries[0]["prev"] == "0" * 64
    for before, after in zip(entries, entries[1:], strict=False):
        assert after["prev"] == before["hash"]
    for entry in entries:
        body = {key: value for key, value in entry.items() if key != "hash"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(canonical.encode()).hexdigest() == entry["hash"]
        assert entry["utc_ts"].endswith("Z")
    report = audit.verify(tmp_path)
    assert report.ok and report.entries == 3 and report.head == entries[-1]["hash"]


def test_an_empty_or_missing_log_verifies(tmp_path):
    assert audit.verify(tmp_path) == audit.VerifyReport(True, 0)


def _edit(lines, rng):
    index = rng.randrange(len(lines))
    entry = json.loads(lines[index])
    entry["detail"] += " (edited)"
    lines[index] = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
    return lines


def _edit_and_rehash(lines, rng):
    # A careful forger recomputes the edited entry's own hash: the next link (or the head) breaks.
    index = rng.randrange(len(lines))
    entry = json.loads(lines[index])
    entry["actor"] = "someone.else"
    body = {key: value for key, value in entry.items() if key != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    entry["hash"] = hashlib.sha256(canonical.encode()).hexdigest()
    lines[index] = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
    return lines


def _delete(lines, rng):
    del lines[rng.randrange(len(lines))]
    return lines


def _delete_last(lines, rng):
    return lines[:-1]


def _swap(lines, rng):
    first, second = rng.sample(range(len(lines)), 2)
    lines[first], lines[second] = lines[second], lines[first]
    return lines


def _insert_copy(lines, rng):
    lines.insert(rng.randrange(len(lines) + 1), lines[rng.randrange(len(lines))])
    return lines


def _reformat(lines, rng):
    # Same JSON meaning, different bytes (a pretty-printer, an editor's "format document").
    index = rng.randrange(len(lines))
    lines[index] = json.dumps(json.loads(lines[index])).encode()
    return lines


TAMPERS = [_edit, _edit_and_rehash, _delete, _delete_last, _swap, _insert_copy, _reformat]


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda tamper: tamper.__name__.strip("_"))
def test_each_kind_of_tampering_is_detected(tmp_path, tamper):
    _fill(tmp_path)
    assert audit.verify(tmp_path).ok
    _write(tmp_path, tamper(_lines(tmp_path), random.Random(7)))
    report = audit.verify(tmp_path)
    assert not report.ok and report.problem


def test_truncating_in_the_middle_is_detected(tmp_path):
    _fill(tmp_path)
    path = tmp_path / audit.LOG_NAME
    data = path.read_bytes()
    for cut in (len(data) // 2, data.index(b"\n", len(data) // 2) + 1, 0):
        path.write_bytes(data[:cut])
        assert not audit.verify(tmp_path).ok, cut


def test_a_hundred_random_tamper_trials_are_all_detected(tmp_path):
    rng = random.Random(2025)
    _fill(tmp_path, 30)
    pristine = _lines(tmp_path)
    head = (tmp_path / audit.HEAD_NAME).read_bytes()
    detected = 0
    for _trial in range(100):
        tamper = rng.choice([*TAMPERS, "truncate"])
        if tamper == "truncate":
            data = b"".join(line + b"\n" for line in pristine)
            (tmp_path / audit.LOG_NAME).write_bytes(data[: rng.randrange(len(data))])
        else:
            lines = tamper(list(pristine), rng)
            if lines == pristine:  # a swap of two identical lines changes nothing
                lines = _edit(lines, rng)
            _write(tmp_path, lines)
        (tmp_path / audit.HEAD_NAME).write_bytes(head)
        detected += not audit.verify(tmp_path).ok
    assert detected == 100


def test_removing_the_head_is_reported(tmp_path):
    _fill(tmp_path, 3)
    (tmp_path / audit.HEAD_NAME).unlink()
    assert "missing" in audit.verify(tmp_path).problem


def test_removed_entries_stay_visible_after_more_are_recorded(tmp_path):
    _fill(tmp_path, 10)
    _write(tmp_path, _lines(tmp_path)[:-3])
    audit.record(tmp_path, actor="officer.a", action="view")
    assert not audit.verify(tmp_path).ok


def test_a_torn_last_line_is_cut_before_the_next_entry(tmp_path):
    _fill(tmp_path, 5)
    with open(tmp_path / audit.LOG_NAME, "ab") as handle:
        handle.write(b'{"action":"view","actor":"offi')
    assert not audit.verify(tmp_path).ok  # reported until repaired...
    audit.record(tmp_path, actor="officer.a", action="view")
    report = audit.verify(tmp_path)  # ...and the next record repairs it
    assert report.ok and report.entries == 6


def test_a_stop_between_the_entry_and_the_head_is_not_tampering(tmp_path):
    _fill(tmp_path, 4)
    head = (tmp_path / audit.HEAD_NAME).read_bytes()
    audit.record(tmp_path, actor="officer.a", action="view")
    (tmp_path / audit.HEAD_NAME).write_bytes(head)  # as if killed before the head moved on
    assert audit.verify(tmp_path).ok
    audit.record(tmp_path, actor="officer.a", action="view")
    report = audit.verify(tmp_path)
    assert report.ok and report.entries == 6


@pytest.mark.parametrize(
    "detail",
    [
        "sent to alys.42@example.com",
        "rang 07700 900123",
        "rang +44 7700 900123",
        "NHS 999 123 4567",
        "9991234567",
    ],
)
def test_personal_values_are_refused(tmp_path, detail):
    with pytest.raises(ValueError) as caught:
        audit.record(tmp_path, actor="officer.a", action="view", detail=detail)
    assert detail not in str(caught.value)
    assert not (tmp_path / audit.LOG_NAME).exists()


@pytest.mark.parametrize(
    "arguments",
    [
        {"actor": "", "action": "view"},
        {"actor": "a b", "action": "view"},
        {"actor": "officer.a", "action": "view\n"},
        {"actor": "officer.a", "action": "view", "fields": "name"},
        {"actor": "officer.a", "action": "view", "fields": ["Alys Evans"]},
        {"actor": "officer.a", "action": "view", "ref": "x"},
        {"actor": "officer.a", "action": "view", "detail": "x" * 501},
    ],
)
def test_malformed_entries_are_refused(tmp_path, arguments):
    with pytest.raises(ValueError):
        audit.record(tmp_path, **arguments)


def test_ordinary_details_are_accepted(tmp_path):
    detail = "format=csv from=2024-04-01 to=2025-03-31 service=home-care cases=1204 file=x.csv"
    audit.record(tmp_path, actor="officer.a", action="export", fields=["name"], detail=detail)
    assert json.loads(_lines(tmp_path)[0])["detail"] == detail


def _writer(data_dir, worker, count):
    for number in range(count):
        audit.record(data_dir, actor=f"worker.{worker}", action="view", detail=f"n={number}")


@pytest.mark.slow
def test_concurrent_writers_keep_one_chain(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(tmp_path, w, 50)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    report = audit.verify(tmp_path)
    assert report.ok, report.problem
    assert report.entries == 200
    entries = [json.loads(line) for line in _lines(tmp_path)]
    for worker in range(4):
        mine = [e["detail"] for e in entries if e["actor"] == f"worker.{worker}"]
        assert mine == [f"n={number}" for number in range(50)]
