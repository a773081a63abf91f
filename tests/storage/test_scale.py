"""The storage layer at scale: the chunk-at-a-time checks agree with the record-at-a-time
reference, start-up still checks every record (mid-file damage refuses to start and is reported
by validation), a torn tail is still repaired, and the index stays small and O(new rows).

bench/scale.py measures the figures themselves (a million rows per table); these tests pin the
behaviour that makes them possible, on sizes that run in seconds.
"""

from __future__ import annotations

import itertools
import os
import random
import tracemalloc
import zlib
from pathlib import Path

import pytest

from forms_app.storage import CorruptStoreError, Store, Table, scanning
from forms_app.storage.contract import Contract
from forms_app.storage.package_check import validate_package
from forms_app.storage.records import (
    decode_record,
    encode_cells,
    first_suspect,
    intact_cells,
    leading_cells,
    split_complete,
    split_records,
)

COLUMNS = ["ref", "idempotency_key", "kind", "text", "crc"]
PERSONAL_COLUMNS = ["ref", "name", "crc"]
EVENT_COLUMNS = ["ref", "type", "crc"]
TABLES = {"submissions": COLUMNS, "personal": PERSONAL_COLUMNS, "events": EVENT_COLUMNS}
WIDTH = len(COLUMNS) - 1

PIECES = ["plain", "", ",", '"', '""', "\n", "a\nb", "Dŵr, tŷ", "😀", "x" * 40, " ", "\t"]


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))


def random_rows(rng: random.Random, count: int) -> list[dict[str, str]]:
    return [
        {
            "ref": f"R{number:05d}",
            "idempotency_key": f"key-{number}",
            "kind": random_text(rng) if rng.random() < 0.3 else "complaint",
            "text": random_text(rng),
        }
        for number in range(count)
    ]


def with_checksum(payload: bytes) -> bytes:
    """A record whose checksum is right for whatever ``payload`` is (as a hand edit that
    recomputed it would be): only the other checks can refuse it."""
    return payload + b",%08x\n" % zlib.crc32(payload)


def mutate(rng: random.Random, record: bytes) -> bytes:
    """Damage one record the ways the fast checks must each catch."""
    payload = record[:-10]
    kind = rng.randrange(9)
    if kind == 0:  # a flipped bit anywhere
        damaged = bytearray(record)
        damaged[rng.randrange(len(record) - 1)] ^= 1 << rng.randrange(8)
        return bytes(damaged)
    if kind == 1:  # uppercase checksum: the same number, not the stored form
        return record[:-9] + record[-9:-1].upper() + b"\n"
    if kind == 2:  # one cell too many, checksum recomputed
        return with_checksum(payload + b",extra")
    if kind == 3:  # one cell too few
        return with_checksum(payload.rsplit(b",", 1)[0] if b"," in payload else b"x")
    if kind == 4:  # invalid UTF-8 (a torn character), checksum recomputed
        return with_checksum(payload + "ŵ".encode()[:1])
    if kind == 5:  # a quote inside a plain cell
        return with_checksum(b'x"y,' + payload)
    if kind == 6:  # a lone CR in a plain cell (same width)
        return with_checksum(b"x\r" + payload)
    if kind == 7:  # too short to hold a checksum
        return b",00000000\n"
    return with_checksum(payload)  # unchanged: intact


def reference_scan(data: bytes) -> tuple[list[list[str]], int, str | None]:
    """What a scan must find, record at a time: the intact rows, where they end, and why."""
    start = data.index(b"\n") + 1
    rows: list[list[str]] = []
    for record in split_records([data[start:]], start):
        cells = decode_record(record.data) if record.complete else None
        if cells is None:
            return rows, record.start, "damaged"
        if len(cells) != WIDTH:
            return rows, record.start, "width"
        rows.append(cells)
    return rows, len(data), None


def fast_scan(path: Path, monkeypatch) -> tuple[list[list[str]], int, str | None]:
    """The table's own scan, with tail judging stubbed out so every state can be compared."""
    stopped = []

    def judge(self, start):
        stopped.append(start)
        return scanning.Tail(start, self.size - start, 1)

    monkeypatch.setattr(scanning.Scan, "_judge_tail", judge)
    fd = os.open(path, os.O_RDONLY)
    try:
        scan = scanning.Scan(Table(path, COLUMNS), fd, 0, os.fstat(fd).st_size)
        rows = []
        try:
            for batch in scan.batches():
                assert batch.end == batch.bounds()[-1]
                rows.extend(intact_cells(record) for record in batch.records)
        except CorruptStoreError as error:
            assert "cells" in str(error)
            return rows, scan.end, "width"
    finally:
        os.close(fd)
        monkeypatch.undo()
    return rows, scan.end, "damaged" if stopped else None


def test_chunked_checks_agree_with_the_record_at_a_time_reference(tmp_path, monkeypatch) -> None:
    """Random rows (quotes, newlines, commas, Welsh, emoji), one record damaged in one of the
    ways each fast check exists for, read in chunks of random size: the same intact rows, the
    same stopping place, the same verdict as decode_record record by record."""
    rng = random.Random(11)
    path = tmp_path / "submissions.csv"
    table = Table(path, COLUMNS)
    checked = 0
    for _ in range(300):
        records = [table.encode([row]) for row in random_rows(rng, rng.randint(1, 30))]
        victim = rng.randrange(len(records))
        records[victim] = mutate(rng, records[victim])
        tail = b"" if rng.random() < 0.7 else records[-1][: rng.randrange(len(records[-1]))]
        header = b",".join(column.encode() for column in COLUMNS) + b"\n"
        data = header + b"".join(records) + tail
        path.write_bytes(data)
        monkeypatch.setattr(scanning, "_CHUNK", rng.choice([7, 64, 1000, 1 << 20]))
        expected = reference_scan(data)
        assert fast_scan(path, monkeypatch) == expected, data
        checked += expected[2] is not None
    assert checked > 150


def test_split_complete_matches_split_records() -> None:
    rng = random.Random(3)
    table = Table(Path("unused.csv"), COLUMNS)
    for _ in range(200):
        data = b"".join(table.encode([row]) for row in random_rows(rng, rng.randint(0, 20)))
        cut = rng.randrange(len(data) + 1)
        records, used = split_complete(data[:cut])
        whole = [record for record in split_records([data[:cut]]) if record.complete]
        assert records == [record.data for record in whole]
        assert used == (whole[-1].end if whole else 0)


def test_first_suspect_is_never_wrong_about_an_intact_record() -> None:
    """Everything before the first suspect decodes to WIDTH cells (the index may be early,
    never late)."""
    rng = random.Random(5)
    table = Table(Path("unused.csv"), COLUMNS)
    for _ in range(300):
        encoded = [table.encode([row]) for row in random_rows(rng, 20)]
        encoded[rng.randrange(20)] = mutate(rng, encoded[rng.randrange(20)])
        records = [record[:-1] for record in encoded]
        index = first_suspect(records, WIDTH)
        for record in records[:index]:
            cells = decode_record(record)
            assert cells is not None and len(cells) == WIDTH
            assert intact_cells(record) == cells
        if index < len(records):
            cells = decode_record(records[index])
            assert cells is None or len(cells) != WIDTH
    # One-cell tables: an empty payload has the right checksum and cell count but is too
    # short to be a record (the encoder writes an empty cell as "").
    assert first_suspect([b",00000000", b'"",' + b"%08x" % zlib.crc32(b'""')], 1) == 0
    assert first_suspect([b'"",' + b"%08x" % zlib.crc32(b'""')], 1) == 1


def test_cell_checks_agree_with_split_cells_on_every_short_row() -> None:
    """Every row up to 6 bytes over the bytes that matter to RFC 4180 (with a right checksum):
    ``first_suspect`` passes it exactly when ``decode_record`` gives ``width`` cells."""
    alphabet = [b"a", b",", b'"', b"\r", b"\n"]
    payloads = [b""]
    for length in range(1, 7):
        payloads += [b"".join(p) for p in itertools.product(alphabet, repeat=length)]
    for payload in payloads:
        record = with_checksum(payload)[:-1]
        cells = decode_record(record)
        for width in (1, 2, 3, 4):
            intact = cells is not None and len(cells) == width
            assert (first_suspect([record], width) == 1) == intact, (payload, width)
            assert (first_suspect([record, record], width) == 2) == intact, (payload, width)


def test_leading_cells_handles_quoted_references_and_keys() -> None:
    rows = [
        ["ACDE-FHJK", "key-1", "complaint", "text"],
        ["CMP/2021/0001", 'imported "key"', "complaint", "a, b"],
        ["REF,WITH,COMMAS", "k\n2", "c", '"'],
        ['"quoted"', "", "c", ""],
        ["Dŵr-1", "ŵ", "c", "t"],
    ]
    records = [(encode_cells(row) + b",00000000") for row in rows]
    refs, keys = leading_cells(records, (0, 1))
    assert refs == [row[0].encode() for row in rows]
    assert keys == [row[1].encode() for row in rows]
    (texts,) = leading_cells(records, (3,))
    assert texts == [row[3].encode() for row in rows]
    assert leading_cells(records, (0,)) == [refs]
    assert leading_cells(records[:1] + records[-1:], (0,)) == [[b"ACDE-FHJK", "Dŵr-1".encode()]]
    plain = records[:1] * 3
    assert leading_cells(plain, (1, 0)) == [[b"key-1"] * 3, [b"ACDE-FHJK"] * 3]


# -- start-up ----------------------------------------------------------------------------------


def commit_many(store: Store, count: int, start: int = 0) -> list[str]:
    refs = []
    for number in range(start, start + count):
        ref, _ = store.commit_submission(
            idempotency_key=f"key-{number}",
            submission={"kind": "complaint", "text": f'text {number}, "quoted"\nline'},
            personal={"name": f"Person {number}"},
        )
        store.append_events([{"ref": ref, "type": "note"}])
        refs.append(ref)
    return refs


@pytest.mark.parametrize("table", ["submissions", "personal", "events"])
def test_mid_file_damage_stops_start_up_and_validation_reports_it(tmp_path, table) -> None:
    """Start-up checks every record, not only the tail: a flipped bit in the first row of any
    table refuses to start (CorruptStoreError, nothing changed), as does reading the table, and
    ``feedback validate`` names the row."""
    contract = Contract()
    tables = {name: contract.columns(name) for name in contract.resource_names}
    data_dir = tmp_path / "data"
    store = Store(data_dir, tables)
    store.recover()
    contract.write_descriptor(data_dir)
    for number in range(5):
        row = {column: "" for column in tables["submissions"][:-1]}
        row.update(kind="complaint", details=f"details {number}, with a comma")
        ref, _ = store.commit_submission(
            idempotency_key=f"key-{number}",
            submission={k: v for k, v in row.items() if k not in ("ref", "idempotency_key")},
            personal={column: "" for column in tables["personal"][:-1] if column != "ref"},
        )
        event = {column: "" for column in tables["events"][:-1]}
        store.append_events([{**event, "event_id": f"e{number}", "ref": ref, "type": "note"}])
    assert not [error for error in validate_package(data_dir).errors if "checksum" in error]
    path = data_dir / f"{table}.csv"
    raw = bytearray(path.read_bytes())
    raw[raw.index(b"\n") + 3] ^= 0x01  # inside the first of five rows
    path.write_bytes(bytes(raw))

    with pytest.raises(CorruptStoreError):
        Store(data_dir, tables).recover()
    with pytest.raises(CorruptStoreError):
        list(store.rows(table))
    assert path.read_bytes() == bytes(raw)
    report = validate_package(data_dir)
    assert not report.valid
    assert any(f"{table} row 2: checksum error" in error for error in report.errors)


def test_torn_tail_is_repaired_at_start_up_and_the_index_is_right(tmp_path) -> None:
    """D4 through the Store: every cut of the last submission (and garbage after it) recovers to
    the rows before it, indexed (find, find_by_key, idempotency), and the dead commit's personal
    row is cut too."""
    data_dir = tmp_path / "data"
    refs = commit_many(Store(data_dir, TABLES), 6)
    submissions = data_dir / "submissions.csv"
    full = submissions.read_bytes()
    last_start = full.rindex(b"\n", 0, len(full) - 1) + 1
    while not decode_record(full[last_start:-1]):  # the last record holds a newline
        last_start = full.rindex(b"\n", 0, last_start - 1) + 1
    rng = random.Random(2)
    for cut in range(last_start, len(full)):
        tail = rng.choice([b"", b"\x00" * 100, rng.randbytes(40)])
        submissions.write_bytes(full[:cut] + tail)
        store = Store(data_dir, TABLES)
        reports = {report.table: report for report in store.recover()}
        assert submissions.read_bytes() == full[:last_start]
        assert reports["submissions"].intact_rows == 5
        assert reports["personal"].uncommitted_rows == 1
        assert [row["ref"] for row in store.rows("personal")] == refs[:5]
        assert store.find(refs[4])["idempotency_key"] == "key-4"
        assert store.find(refs[5]) is None
        assert store.find_by_key("key-0")["ref"] == refs[0]
        assert store.find_by_key("key-5") is None
        submissions.write_bytes(full)  # the next state starts from the whole file
        Table(data_dir / "personal.csv", PERSONAL_COLUMNS).append(
            [{"ref": refs[5], "name": "Person 5"}]
        )


def test_imported_and_quoted_references_are_indexed(tmp_path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    Table(data_dir / "submissions.csv", COLUMNS).append(
        [
            {"ref": "CMP/2021/0001", "idempotency_key": "import:1", "kind": "c", "text": "t"},
            {"ref": "CMP,2021", "idempotency_key": 'import:"2"', "kind": "c", "text": "t"},
        ]
    )
    store = Store(data_dir, TABLES)
    store.recover()
    assert store.find("CMP/2021/0001")["idempotency_key"] == "import:1"
    assert store.find("CMP,2021")["idempotency_key"] == 'import:"2"'
    assert store.find_by_key('import:"2"')["ref"] == "CMP,2021"
    assert store.find_by_key("import:3") is None
    assert store.find("\udcff") is None and store.find_by_key("\udcff") is None
    again = store.commit_submission(
        idempotency_key='import:"2"', submission={"kind": "c", "text": "t"}, personal=None
    )
    assert again == ("CMP,2021", False)


def test_after_start_up_a_commit_reads_only_new_bytes(tmp_path, monkeypatch) -> None:
    """Even when start-up cut an uncommitted personal row: the first commit after it does not
    read either file from the start again."""
    data_dir = tmp_path / "data"
    commit_many(Store(data_dir, TABLES), 300)
    Table(data_dir / "personal.csv", PERSONAL_COLUMNS).append([{"ref": "DEAD", "name": "x"}])
    store = Store(data_dir, TABLES)
    reports = {report.table: report for report in store.recover()}
    assert reports["personal"].uncommitted_rows == 1
    sizes = sum((data_dir / f"{name}.csv").stat().st_size for name in TABLES)
    read = []
    real_pread = os.pread

    def counting_pread(fd, length, offset):
        data = real_pread(fd, length, offset)
        read.append(len(data))
        return data

    monkeypatch.setattr(os, "pread", counting_pread)
    commit_many(store, 2, start=300)
    monkeypatch.undo()
    assert sum(read) < 5_000 < sizes


def test_truncate_keeps_the_checked_position_only_at_a_record_end(tmp_path) -> None:
    path = tmp_path / "events.csv"
    table = Table(path, EVENT_COLUMNS)
    table.append([{"ref": "A", "type": "one"}])
    end = table.length()
    table.append([{"ref": "B", "type": "two\nlines"}])
    table.truncate(end)  # a record end this process checked: nothing to check again
    assert table.verified_cursor is not None and table.verified_cursor.offset == end
    table.append([{"ref": "C", "type": "x"}])
    table.truncate(table.length() - 3)  # not a record end: forget, check again next time
    assert table.verified_cursor is None
    table.append([{"ref": "D", "type": "y"}])  # checks from the start: cuts C's torn record
    assert [row["ref"] for row in table.read()] == ["A", "D"]
    # A line end inside a quoted field is not a record end either.
    table.append([{"ref": "E", "type": "two\nlines"}])
    table.truncate(table.length() - len(b'lines",12345678\n'))
    assert table.verified_cursor is None
    table.append([{"ref": "F", "type": "z"}])
    assert [row["ref"] for row in table.read()] == ["A", "D", "F"]


def test_index_memory_per_submission(tmp_path, monkeypatch) -> None:
    """The index holds no rows: about 200 bytes per submission in CPython (bytes for refs and
    keys, an array of offsets), and building it holds one chunk of records at a time."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    count = 20_000
    table = Table(data_dir / "submissions.csv", COLUMNS)
    rows = [
        {"ref": f"B{n:07d}", "idempotency_key": f"key-{n:012d}", "kind": "c", "text": "t" * 300}
        for n in range(count)
    ]
    table.append(rows)
    del rows
    assert table.length() > 6 << 20
    monkeypatch.setattr(scanning, "_CHUNK", 64 << 10)
    store = Store(data_dir, {"submissions": COLUMNS})
    tracemalloc.start()
    try:
        store.recover()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert store.find("B0000007")["idempotency_key"] == "key-000000000007"
    assert kept / count < 300, f"{kept / count:.0f} bytes per submission kept"
    assert peak - kept < 2 << 20, f"{(peak - kept) >> 10} KiB more at the peak"
