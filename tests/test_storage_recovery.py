"""Start-up recovery of torn tails, and refusal of any other damage (reliability plan D4).

Recovery code is untested unless torn tails are injected (gotcha 6), so every byte offset of the
last record is tried, followed by nothing, by NULs (power loss: size updated before contents,
gotcha 7) and by random bytes.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from forms_app.storage import CorruptStoreError, Store, Table

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
    lines = path.read_bytes().split(b"\n")
    # Someone "corrected" the last two rows in an editor: well-formed, checksums stale.
    lines[-2] = lines[-2].replace(b"key-4", b"key-X")
    lines[-3] = lines[-3].replace(b"key-3", b"key-Y")
    edited = b"\n".join(lines)
    path.write_bytes(edited)
    with pytest.raises(CorruptStoreError, match="edited"):
        Table(path, COLUMNS).recover()
    assert path.read_bytes() == edited
    # One stale row at the very end is indistinguishable from a torn write: it goes.
    lines[-3] = path.read_bytes().split(b"\n")[-3].replace(b"key-Y", b"key-3")
    build(tmp_path / "fresh.csv", make_rows(5))
    fresh = (tmp_path / "fresh.csv").read_bytes().split(b"\n")
    fresh[-2] = fresh[-2].replace(b"key-4", b"key-X")
    path.write_bytes(b"\n".join(fresh))
    assert Table(path, COLUMNS).recover().intact_rows == 4


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


def test_recovering_a_clean_or_missing_file_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "submissions.csv"
    assert not Table(path, COLUMNS).recover().changed
    assert not path.exists()
    build(path, make_rows(4))
    content = path.read_bytes()
    report = Table(path, COLUMNS).recover()
    assert not report.changed and report.intact_rows == 4
    assert path.read_bytes() == content


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
    with open(data_dir / "submissions.csv", "ab"):
        pass
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
    import time

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
