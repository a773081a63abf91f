"""Start-up recovery of torn tails, and refusal of any other damage (reliability plan D4).

Recovery code is untested unless torn tails are injected (gotcha 6), so every byte offset of the
last record is tried, followed by nothing, by NULs (power loss: size updated before contents,
gotcha 7) and by random bytes.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest

from forms_app.storage import CorruptStoreError, Store, Table, scanning
from forms_app.storage.records import split_records

COLUMNS = ["ref", "idempotency_key", "kind", "text", "crc"]
PERSONAL_COLUMNS = ["ref", "name", "crc"]
TABLES = {"submissions": COLUMNS, "personal": PERSONAL_COLUMNS}
AWKWARD = [
    'line one\nline "two", with commas\n',
    "Dŵr, tŷ a ŵŷ ŴŶ",
    'emoji 😀👍🏽 "quoted" 🏴󠁧󠁢󠁷󠁬󠁳󠁿',
    '"\n",\n"',
]


def make_rows(count: int) -> list[dict[str, str]]:
    """Rows where every other one holds newlines, quotes, commas, Welsh and emoji."""
    rows = []
    for number in range(count):
        text = AWKWARD[number // 2 % len(AWKWARD)] if number % 2 else f"plain text {number}"
        rows.append(
            {
                "ref": f"ACDE-{number:04d}".replace("0", "A").replace("1", "C"),
                "idempotency_key": f"key-{number}",
                "kind": "complaint",
                "text": text,
            }
        )
    return rows


def build(path: Path, rows: list[dict[str, str]]) -> list[int]:
    """Write rows one append each; return the file length after the header and each row."""
    table = Table(path, COLUMNS)
    lengths = []
    for row in rows:
        lengths.append(table.length())
        table.append([row])
    lengths.append(table.length())
    return lengths


@pytest.fixture(scope="module")
def torn_tail_base(tmp_path_factory) -> tuple[bytes, int, list[dict[str, str]]]:
    path = tmp_path_factory.mktemp("base") / "submissions.csv"
    rows = make_rows(12)
    rows[-1]["text"] = AWKWARD[0] + AWKWARD[1] + AWKWARD[2]  # the last row is awkward too
    lengths = build(path, rows)
    return path.read_bytes(), lengths[-2], rows


def tails(cut: int) -> list[tuple[str, bytes]]:
    return [
        ("nothing", b""),
        ("512 NULs", b"\x00" * 512),
        ("64 random bytes", random.Random(cut).randbytes(64)),
    ]


def test_every_torn_tail_recovers_to_the_intact_rows(tmp_path: Path, torn_tail_base) -> None:
    """D4: every cut of the last record x {nothing, NULs, garbage} -> exactly the intact rows."""
    full, last_start, rows = torn_tail_base
    path = tmp_path / "submissions.csv"
    states = 0
    for cut in range(last_start, len(full) + 1):
        for label, tail in tails(cut):
            damaged = full[:cut] + tail
            path.write_bytes(damaged)
            # The last row survives only if all its bytes, line end included, are there.
            kept = len(rows) if damaged.startswith(full) else len(rows) - 1
            keep_bytes = len(full) if kept == len(rows) else last_start
            table = Table(path, COLUMNS)  # a fresh process: nothing remembered
            report = table.recover()
            state = f"cut at byte {cut - last_start} of the last record, then {label}"
            assert report.intact_rows == kept, state
            assert report.removed_bytes == len(damaged) - keep_bytes, state
            assert path.read_bytes() == full[:keep_bytes], state
            assert list(Table(path, COLUMNS).read()) == rows[:kept], state
            states += 1
            if cut % 7 == 0:  # the next append works (not every state: fsyncs cost time)
                table.append([rows[-1]])
                assert list(table.read()) == rows[:kept] + [rows[-1]], state
    assert states == 3 * (len(full) - last_start + 1)


def test_torn_multi_row_write_keeps_its_complete_rows(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    table = Table(path, COLUMNS)
    rows = make_rows(6)
    table.append(rows[:2])
    start = table.length()
    table.append(rows[2:])
    full = path.read_bytes()
    third_end = start + len(full[start:].split(b"\n", 1)[0]) + 1  # row 3 has no newline
    path.write_bytes(full[: third_end + 9])
    report = Table(path, COLUMNS).recover()
    assert report.intact_rows == 3 and report.removed_records == 1
    assert list(table.read()) == rows[:3]


@pytest.mark.parametrize("damaged_row", [0, 2, 8])
def test_mid_file_damage_refuses_and_changes_nothing(tmp_path: Path, damaged_row: int) -> None:
    """Flip, or overwrite with a quote, newline, comma or NUL, each byte of a row that has
    intact rows after it: recovery must raise and leave the file exactly as it was."""
    path = tmp_path / "submissions.csv"
    rows = make_rows(10)
    lengths = build(path, rows)
    good = path.read_bytes()
    start, end = lengths[damaged_row], lengths[damaged_row + 1]
    tried = 0
    for offset in range(start, end):
        for replacement in (good[offset] ^ 0x01, ord('"'), ord("\n"), ord(","), 0):
            if replacement == good[offset]:
                continue
            damaged = bytearray(good)
            damaged[offset] = replacement
            path.write_bytes(bytes(damaged))
            with pytest.raises(CorruptStoreError):
                Table(path, COLUMNS).recover()
            with pytest.raises(CorruptStoreError):
                list(Table(path, COLUMNS).read())
            assert path.read_bytes() == bytes(damaged), f"changed after damage at {offset}"
            tried += 1
    assert tried > 4 * (end - start)


def test_random_mid_file_damage_is_never_silently_truncated(tmp_path: Path) -> None:
    """Runs of NULs, random bytes, quotes or flipped bits anywhere before the last two rows
    (a stray quote flips the quote state for the rest of the file): always refused."""
    path = tmp_path / "submissions.csv"
    lengths = build(path, make_rows(30))
    good = path.read_bytes()
    rng = random.Random(7)
    tried = 0
    for _ in range(1500):
        row = rng.randint(0, 27)
        start = rng.randrange(lengths[row], lengths[row + 1])
        end = min(start + rng.choice([1, 2, 8, 64]), lengths[row + 2] - 1)
        kind = rng.choice(["nul", "random", "quote", "flip"])
        damaged = bytearray(good)
        for offset in range(start, end):
            damaged[offset] = {
                "nul": 0,
                "random": rng.randrange(256),
                "quote": ord('"'),
                "flip": damaged[offset] ^ (1 << rng.randrange(8)),
            }[kind]
        if damaged == good:
            continue
        path.write_bytes(bytes(damaged))
        with pytest.raises(CorruptStoreError):
            Table(path, COLUMNS).recover()
        assert path.read_bytes() == bytes(damaged)
        tried += 1
    assert tried > 1400


def test_damaged_header_with_rows_after_it_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "submissions.csv"
    build(path, make_rows(3))
    good = path.read_bytes()
    for offset in range(good.index(b"\n") + 1):
        damaged = bytearray(good)
        damaged[offset] ^= 0x01
        path.write_bytes(bytes(damaged))
        with pytest.raises(CorruptStoreError):
            Table(path, COLUMNS).recover()
        assert path.read_bytes() == bytes(damaged)


@pytest.mark.parametrize(
    "content",
    [
        b"ref,idempotency_key,kind,text,notes,crc\n",  # a column added without a migration
        "\ufeffref,idempotency_key,kind,text,crc\n".encode(),  # saved with a BOM by Excel
        b"ref,idempotency_key,kind,text,crc\r\nACDE-FHJK,k,c,t,00000000\r\n",  # CRLF
    ],
)
def test_a_different_header_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "submissions.csv"
    path.write_bytes(content)
    with pytest.raises(CorruptStoreError, match="header"):
        Table(path, COLUMNS).recover()
    assert path.read_bytes() == content


def test_rows_of_another_width_are_refused(tmp_path: Path) -> None:
    """Rows with good checksums but the wrong number of cells: never 'repaired' away."""
    path = tmp_path / "submissions.csv"
    Table(path, ["ref", "idempotency_key", "kind", "crc"]).append(
        [{"ref": "ACDE-FHJK", "idempotency_key": "k", "kind": "complaint"}]
    )
    content = path.read_bytes().replace(b"kind,crc", b"kind,text,crc")
    path.write_bytes(content)
    with pytest.raises(CorruptStoreError, match="cells"):
        Table(path, COLUMNS).recover()
    assert path.read_bytes() == content


def test_several_bad_checksums_at_the_end_mean_hand_edits(tmp_path: Path) -> None:
    path = tmp_path / "submissions.csv"
    build(path, make_rows(5))
    good = path.read_bytes()
    # Someone "corrected" the last two rows in an editor: well-formed, checksums now stale.
    edited = good.replace(b"key-3", b"key-Y").replace(b"key-4", b"key-X")
    path.write_bytes(edited)
    with pytest.raises(CorruptStoreError, match="edited"):
        Table(path, COLUMNS).recover()
    assert path.read_bytes() == edited
    # One stale row at the very end cannot be told from a torn write: it goes.
    path.write_bytes(good.replace(b"key-4", b"key-X"))
    report = Table(path, COLUMNS).recover()
    assert report.intact_rows == 4 and report.removed_records == 1


def test_partial_header_is_reset_to_the_header(tmp_path: Path) -> None:
    path = tmp_path / "submissions.csv"
    header = b"ref,idempotency_key,kind,text,crc\n"
    for cut in range(len(header)):
        for tail in (b"", b"\x00" * 512):
            path.write_bytes(header[:cut] + tail)
            table = Table(path, COLUMNS)
            report = table.recover()
            assert report.header_reset and report.intact_rows == 0
            assert report.removed_bytes == cut + len(tail)
            assert path.read_bytes() == header
    table.append(make_rows(1))
    assert list(table.read()) == make_rows(1)


def test_store_recover_creates_missing_tables_with_their_header(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    reports = Store(data_dir, TABLES).recover()
    assert not any(report.changed for report in reports)
    assert (data_dir / "submissions.csv").read_bytes() == b"ref,idempotency_key,kind,text,crc\n"
    assert (data_dir / "personal.csv").read_bytes() == b"ref,name,crc\n"


def test_recovering_a_clean_or_missing_file_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "submissions.csv"
    assert not Table(path, COLUMNS).recover().changed
    assert not path.exists()
    build(path, make_rows(4))
    content = path.read_bytes()
    report = Table(path, COLUMNS).recover()
    assert not report.changed and report.intact_rows == 4
    assert path.read_bytes() == content


def test_scanning_does_not_depend_on_chunk_size(tmp_path: Path, monkeypatch) -> None:
    """Files are read 1 MiB at a time; records (and doubled quotes) split across chunks must
    come out the same as when read whole."""
    rows = make_rows(40)
    for number, row in enumerate(rows):
        row["text"] += '""' * number + "\n" * (number % 3)
    encoded = Table(tmp_path / "x.csv", COLUMNS).encode(rows)
    whole = list(split_records([encoded]))
    assert len(whole) == 40 and all(record.complete for record in whole)
    rng = random.Random(5)
    for _ in range(300):
        cuts = sorted(rng.sample(range(1, len(encoded)), rng.randint(1, 80)))
        chunks = [encoded[a:b] for a, b in zip([0, *cuts], [*cuts, len(encoded)], strict=True)]
        assert list(split_records(chunks)) == whole

    path = tmp_path / "submissions.csv"
    build(path, rows)
    with open(path, "ab") as torn:
        torn.write(b'ACDE-FHJK,k,complaint,"torn ""half')
    monkeypatch.setattr(scanning, "_CHUNK", 7)
    assert list(Table(path, COLUMNS).read()) == rows
    report = Table(path, COLUMNS).recover()
    assert report.intact_rows == 40 and report.removed_records == 1


def test_store_recover_drops_personal_rows_whose_submission_never_landed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = Store(data_dir, TABLES)
    ref, _ = store.commit_submission(
        idempotency_key="k1",
        submission={"kind": "complaint", "text": "t"},
        personal={"name": "Kept"},
    )
    # Killed after the personal row and before the submission row (the commit point)...
    Table(data_dir / "personal.csv", PERSONAL_COLUMNS).append(
        [{"ref": "CCCC-DDDD", "name": "Never committed"}]
    )
    # ...or during the submission row's write.
    with open(data_dir / "submissions.csv", "ab") as torn:
        torn.write(b"CCCC-DDDD,k2,compl")

    reports = {report.table: report for report in Store(data_dir, TABLES).recover()}
    assert reports["submissions"].removed_records == 1
    assert reports["personal"].uncommitted_rows == 1
    assert [row["name"] for row in store.rows("personal")] == ["Kept"]
    assert [row["ref"] for row in store.rows("submissions")] == [ref]
    again = Store(data_dir, TABLES)
    assert not any(report.changed for report in again.recover())
    ref2, created = again.commit_submission(
        idempotency_key="k2", submission={"kind": "complaint", "text": "t"}, personal={"name": "N"}
    )
    assert created and again.find(ref2)["idempotency_key"] == "k2"


def test_stranded_personal_row_keeps_its_reference_out_of_use(tmp_path: Path) -> None:
    """A personal row with no submission but committed rows after it cannot be cut without a
    rewrite; its reference must never be given to a new case."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    store = Store(data_dir, TABLES)
    personal = Table(data_dir / "personal.csv", PERSONAL_COLUMNS)
    personal.append([{"ref": "CCCC-DDDD", "name": "Stranded"}])
    store.commit_submission(
        idempotency_key="k1",
        submission={"kind": "complaint", "text": "t"},
        personal={"name": "After"},
        make_reference=lambda: "ACDE-FHJK",
    )
    # The next commit already cut the trailing orphan; make one that is stranded mid-file.
    personal.append([{"ref": "CCCC-DDDD", "name": "Stranded"}])
    Table(data_dir / "submissions.csv", COLUMNS).append(
        [{"ref": "ACDE-FHJC", "idempotency_key": "k-other", "kind": "c", "text": "t"}]
    )
    personal.append([{"ref": "ACDE-FHJC", "name": "Other"}])
    fresh = Store(data_dir, TABLES)
    reports = {report.table: report for report in fresh.recover()}
    assert reports["personal"].uncommitted_rows == 0
    candidates = iter(["CCCC-DDDD", "CCCC-DDDE"])
    ref, _ = fresh.commit_submission(
        idempotency_key="k2",
        submission={"kind": "complaint", "text": "t"},
        personal={"name": "New"},
        make_reference=lambda: next(candidates),
    )
    assert ref == "CCCC-DDDE"


def test_recovery_of_a_large_file_is_quick(tmp_path: Path) -> None:
    path = tmp_path / "submissions.csv"
    table = Table(path, COLUMNS)
    rows = make_rows(20_000)
    table.append(rows)
    with open(path, "ab") as torn:
        torn.write(b"ACDE-FHJK,torn")
    started = time.perf_counter()
    report = Table(path, COLUMNS).recover()
    elapsed = time.perf_counter() - started
    assert report.intact_rows == 20_000 and report.removed_bytes == 14
    assert elapsed < 5, f"recovering 20,000 rows took {elapsed:.2f} s"


def _commit_until_killed(data_dir: Path, worker: int, connection) -> None:
    store = Store(data_dir, TABLES)
    # Long texts make each write span many pages, so a kill can land inside one.
    text = 'Dŵr, "tŷ" 😀\n' * 20_000
    number = 0
    while True:
        key = f"w{worker}-{os.getpid()}-{number}"
        ref, _ = store.commit_submission(
            idempotency_key=key,
            submission={"kind": "complaint", "text": text[: 70 * (number % 300 + 1)]},
            personal={"name": f"Person {key}"},
        )
        connection.send((key, ref))  # acknowledged only once the commit has returned
        number += 1


@pytest.mark.slow
def test_kill_9_during_commits_loses_nothing_acknowledged(tmp_path: Path) -> None:
    """D3 (PR size): two writers, each SIGKILLed at a random moment while the other carries on;
    recovery after every round. Every acknowledged row is there, no duplicates, and every
    submission has its personal row and no personal row lacks its submission."""
    data_dir = tmp_path / "data"
    context = multiprocessing.get_context("fork")
    rng = random.Random(3)
    acknowledged: dict[str, str] = {}
    for round_ in range(8):
        receiver, sender = context.Pipe(duplex=False)
        writers = [
            context.Process(target=_commit_until_killed, args=(data_dir, worker, sender))
            for worker in range(2)
        ]
        for writer in writers:
            writer.start()
        sender.close()
        for writer in writers:
            time.sleep(rng.uniform(0.03, 0.1))
            os.kill(writer.pid, signal.SIGKILL)
            writer.join()
        while receiver.poll():
            try:
                key, ref = receiver.recv()
            except (EOFError, OSError, ValueError, TypeError):
                break  # a message cut short by the kill
            acknowledged[key] = ref
        receiver.close()
        Store(data_dir, TABLES).recover()
        store = Store(data_dir, TABLES)
        stored = {row["idempotency_key"]: row["ref"] for row in store.rows("submissions")}
        assert acknowledged.items() <= stored.items(), f"round {round_}"
        assert len(set(stored.values())) == len(stored)
        personal = [row["ref"] for row in store.rows("personal")]
        assert sorted(personal) == sorted(stored.values()), f"round {round_}"
    assert len(acknowledged) > 20
