"""The storage layer: round trips, idempotency, references, concurrency, injected write failures.

Reliability plan D1, D2 (unit), D6, D9, D11. Everything runs on real files under tmp_path (local
disk, never /dev/shm). Oracles are independent of the code under test where it matters: the
``csv`` module and ``zlib`` check the bytes on disk, frictionless checks the package.
"""

from __future__ import annotations

import contextlib
import errno
import json
import multiprocessing
import os
import random
import re
import threading
import time
from pathlib import Path

import frictionless
import pytest

from forms_app.storage import (
    ALPHABET,
    CorruptStoreError,
    Store,
    StoreLock,
    StoreWriteError,
    Table,
    UnsafeStorageError,
    check_local_filesystem,
    new_reference,
    normalise_reference,
)
from tests.support.oracle import checked_rows

SUBMISSION_COLUMNS = ["ref", "idempotency_key", "kind", "language", "text", "crc"]
PERSONAL_COLUMNS = ["ref", "name", "address", "crc"]
EVENT_COLUMNS = ["ref", "type", "detail", "crc"]
TABLES = {
    "submissions": SUBMISSION_COLUMNS,
    "personal": PERSONAL_COLUMNS,
    "events": EVENT_COLUMNS,
}

AWKWARD = [
    "plain",
    "",
    "line one\nline two\n\nline four",
    "textarea\r\nwith CRLF\r\nand a lone\rCR",
    'she said "no", then "yes"',
    "commas, everywhere, ,",
    '"',
    '""',
    "=cmd()",
    '=HYPERLINK("http://example.invalid","click")',
    "+44 20 7946 0000",
    "Dŵr a thŷ, ŵŷ ŴŶ",
    "emoji 😀👍🏽 and a flag 🏴󠁧󠁢󠁷󠁬󠁳󠁿",
    "  leading and trailing spaces  ",
    "tab\there",
    "x" * 5000,
    "ŵ" * 2500 + "\n" + '"' * 100,
]


def expected_text(value: str) -> str:
    """What the store must give back: the value byte for byte, with CRLF/CR as LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Store:
    return Store(data_dir, TABLES)


def commit(store: Store, key: str, text: str = "text", name: str = "A Person", **kwargs):
    return store.commit_submission(
        idempotency_key=key,
        submission={"kind": "complaint", "language": "en", "text": text},
        personal={"name": name, "address": "1 High Street\nTown"},
        **kwargs,
    )


def oracle_rows(path: Path) -> list[list[str]]:
    """Parse a table with the csv module and check every row's crc with zlib (not our code)."""
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r" not in raw, "LF line ends and no CR in values"
    return checked_rows(path)


# -- round trips --------------------------------------------------------------------------------


def test_awkward_values_round_trip_byte_exact(store: Store, data_dir: Path) -> None:
    refs = {}
    for number, value in enumerate(AWKWARD):
        ref, created = store.commit_submission(
            idempotency_key=f"key-{number}",
            submission={"kind": "complaint", "language": "cy", "text": value},
            personal={"name": value, "address": value},
        )
        assert created
        refs[ref] = value

    stored = {row["ref"]: row for row in store.rows("submissions")}
    personal = {row["ref"]: row for row in store.rows("personal")}
    assert set(stored) == set(refs) == set(personal)
    for ref, value in refs.items():
        assert stored[ref]["text"] == expected_text(value)
        assert personal[ref]["name"] == personal[ref]["address"] == expected_text(value)
        assert store.find(ref)["text"] == expected_text(value)

    # A fresh process (a new Store) reads the same, and the csv module agrees with our parser.
    again = {row["ref"]: row["text"] for row in Store(data_dir, TABLES).rows("submissions")}
    assert again == {ref: expected_text(value) for ref, value in refs.items()}
    rows = oracle_rows(data_dir / "submissions.csv")
    assert rows[0] == SUBMISSION_COLUMNS
    assert [row[4] for row in rows[1:]] == [expected_text(v) for v in AWKWARD]
    oracle_rows(data_dir / "personal.csv")


def test_table_round_trip_and_one_write_per_call(tmp_path: Path, monkeypatch) -> None:
    table = Table(tmp_path / "events.csv", EVENT_COLUMNS)
    rows = [{"ref": "AAAA-AAAA", "type": "note", "detail": value} for value in AWKWARD]
    writes = []
    real_write = os.write

    def counting_write(fd, data):
        writes.append(len(data))
        return real_write(fd, data)

    table.append(rows[:1])  # creates the file
    monkeypatch.setattr(os, "write", counting_write)
    table.append(rows[1:])
    monkeypatch.undo()
    assert len(writes) == 1, "all rows of one call go in a single os.write"
    assert list(table.read()) == [{**row, "detail": expected_text(row["detail"])} for row in rows]


@pytest.mark.parametrize(
    "row, error",
    [
        ({"ref": "AAAA-AAAA", "type": "note"}, ValueError),  # missing column
        ({"ref": "AAAA-AAAA", "type": "note", "detail": "", "extra": ""}, ValueError),
        ({"ref": "AAAA-AAAA", "type": "note", "detail": "", "crc": "00000000"}, ValueError),
        ({"ref": "AAAA-AAAA", "type": "note", "detail": None}, TypeError),
        ({"ref": "AAAA-AAAA", "type": "note", "detail": 3}, TypeError),
        ({"ref": "AAAA-AAAA", "type": "note", "detail": "nul\x00"}, ValueError),
    ],
)
def test_bad_rows_are_refused_before_anything_is_written(tmp_path, row, error) -> None:
    table = Table(tmp_path / "events.csv", EVENT_COLUMNS)
    good = {"ref": "AAAA-AAAA", "type": "note", "detail": "ok"}
    with pytest.raises(error):
        table.append([good, row])
    assert list(table.read()) == []


def test_columns_must_end_with_crc(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Table(tmp_path / "x.csv", ["ref", "text"])
    with pytest.raises(ValueError):
        Store(tmp_path, {"submissions": ["ref", "text", "crc"]})  # no idempotency_key


# -- idempotency and references -----------------------------------------------------------------


def test_same_key_twice_gives_same_reference_and_one_row(store: Store) -> None:
    first = commit(store, "same-key", text="first")
    second = commit(store, "same-key", text="second attempt, different text")
    assert first[1] is True and second == (first[0], False)
    assert len(list(store.rows("submissions"))) == 1
    assert len(list(store.rows("personal"))) == 1
    assert store.find(first[0])["text"] == "first"


def test_double_click_race_between_threads(store: Store) -> None:
    """D2 (unit): two threads POST the same key at once; both get one reference, one row."""
    for form in range(20):
        barrier = threading.Barrier(2)
        results = []

        def post(form=form, barrier=barrier, results=results):
            barrier.wait()
            results.append(commit(store, f"form-{form}"))

        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results[0][0] == results[1][0]
        assert sorted(created for _, created in results) == [False, True]
    assert len(list(store.rows("submissions"))) == 20


def test_another_store_instance_sees_committed_keys(data_dir: Path) -> None:
    one, two = Store(data_dir, TABLES), Store(data_dir, TABLES)
    ref, _ = commit(one, "k")
    assert commit(two, "k") == (ref, False)
    other, _ = commit(two, "k2")
    assert commit(one, "k2") == (other, False)
    assert one.find(other) == two.find(other)


def test_index_rebuilds_when_the_file_is_replaced(store: Store, data_dir: Path) -> None:
    """A rewrite (erasure, purge) replaces the file; the index must not trust old offsets."""
    ref_a, _ = commit(store, "a")
    ref_b, _ = commit(store, "b")
    path = data_dir / "submissions.csv"
    raw = path.read_bytes()
    kept = b"".join(line for line in raw.splitlines(keepends=True) if ref_a.encode() not in line)
    assert len(kept) < len(raw)
    replacement = data_dir / "submissions.tmp"
    replacement.write_bytes(kept)
    os.replace(replacement, path)
    assert store.find(ref_a) is None
    assert store.find(ref_b)["idempotency_key"] == "b"
    new_ref, created = commit(store, "a")  # the erased key is no longer known
    assert created and new_ref != ref_a


def test_reference_format_and_alphabet() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET)
    for confusable in "0O1IL2Z5S8BUV":
        assert confusable not in ALPHABET
    pattern = re.compile(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}")
    refs = [new_reference() for _ in range(2000)]
    assert all(pattern.fullmatch(ref) for ref in refs)
    assert len(set(refs)) == len(refs)
    # every symbol turns up: the generator uses the whole alphabet
    assert set("".join(refs)) - {"-"} == set(ALPHABET)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("K7RM-3QXH", "K7RM-3QXH"),
        ("k7rm-3qxh", "K7RM-3QXH"),
        ("K7RM3QXH", "K7RM-3QXH"),
        (" k7rm 3qxh ", "K7RM-3QXH"),
        ("K7 RM 3Q XH", "K7RM-3QXH"),
        ("K7RM–3QXH", "K7RM-3QXH"),  # en dash pasted from a letter
        ("Ｋ７ＲＭ３ＱＸＨ", "K7RM-3QXH"),  # full-width phone keyboard
        ("K7RM-3QX", None),
        ("K7RM-3QXHH", None),
        ("K7RM-3QX0", None),  # 0 is not in the alphabet; no guessing at look-alikes
        ("K7RM-3QXO", None),
        ("K7RM-3QXS", None),
        ("", None),
        ("K7RM/3QXH", None),
    ],
)
def test_normalise_reference(typed: str, expected: str | None) -> None:
    assert normalise_reference(typed) == expected


def test_reference_collisions_are_retried(store: Store) -> None:
    taken, _ = commit(store, "first")
    candidates = iter([taken, taken, "CCCC-DDDD"])
    ref, created = commit(store, "second", make_reference=lambda: next(candidates))
    assert (ref, created) == ("CCCC-DDDD", True)
    with pytest.raises(StoreWriteError):
        commit(store, "third", make_reference=lambda: taken)
    with pytest.raises(ValueError):
        commit(store, "fourth", make_reference=lambda: "not a ref")
    assert len(list(store.rows("submissions"))) == 2


def test_find_forgives_typing_and_rejects_unknown(store: Store) -> None:
    ref, _ = commit(store, "k")
    assert store.find(ref.lower().replace("-", " "))["ref"] == ref
    assert store.find("CCCC-DDDD") is None
    assert store.find("nonsense") is None


# -- concurrency --------------------------------------------------------------------------------

WORKERS, CALLS = 8, 125


def _commit_many(store: Store, worker: int, barrier, queue) -> None:
    rng = random.Random(worker)
    made: list[tuple[str, str]] = []
    results = []
    try:
        barrier.wait()
        for call in range(CALLS):
            if call % 10 == 9:  # 10 %: the same person's browser re-sends an earlier form
                key, _ = rng.choice(made)
            else:
                key = f"w{worker}-c{call}"
            ref, created = store.commit_submission(
                idempotency_key=key,
                submission={"kind": "complaint", "language": "cy", "text": f'{key}\nŵ, "😀"'},
                personal={"name": f"Person {key}", "address": f"{key} Stryd\nTref"},
            )
            if created:
                made.append((key, ref))
            results.append((key, ref, created))
        queue.put((worker, results, None))
    except BaseException as exc:  # report, never hang the parent
        queue.put((worker, results, repr(exc)))


@pytest.mark.slow
def test_eight_processes_commit_from_no_file(store: Store, data_dir: Path) -> None:
    """D1 (unit): 8 processes x 125 commits racing to create the files; D9 on the result."""
    assert not data_dir.exists()
    context = multiprocessing.get_context("fork")  # the Store is made before the fork: --preload
    barrier, queue = context.Barrier(WORKERS), context.Queue()
    processes = [
        context.Process(target=_commit_many, args=(store, worker, barrier, queue))
        for worker in range(WORKERS)
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert [error for _, _, error in outcomes] == [None] * WORKERS

    calls = [call for _, results, _ in outcomes for call in results]
    assert len(calls) == WORKERS * CALLS
    first_ref = {}
    for key, ref, created in calls:
        if created:
            assert key not in first_ref
            first_ref[key] = ref
    for key, ref, _ in calls:
        assert ref == first_ref[key], "a re-submission returned a different reference"
    assert sum(not created for _, _, created in calls) == WORKERS * (CALLS // 10)

    rows = oracle_rows(data_dir / "submissions.csv")
    assert rows.count(SUBMISSION_COLUMNS) == 1 and rows[0] == SUBMISSION_COLUMNS
    body = rows[1:]
    assert len(body) == len(first_ref)
    assert len({row[0] for row in body}) == len(body), "duplicate references"
    assert len({row[1] for row in body}) == len(body), "duplicate idempotency keys"
    assert {row[1]: row[0] for row in body} == first_ref, "every returned ref is stored"
    personal = oracle_rows(data_dir / "personal.csv")
    assert personal.count(PERSONAL_COLUMNS) == 1
    key_by_ref = {row[0]: row[1] for row in body}
    assert len(personal) - 1 == len(body)
    for ref, name, address, _ in personal[1:]:
        assert name == f"Person {key_by_ref[ref]}"
        assert address == f"{key_by_ref[ref]} Stryd\nTref"
    assert all(not report.changed for report in Store(data_dir, TABLES).recover())

    # D9: the result is a valid Frictionless data package.
    def resource(name, columns, **schema):
        fields = [{"name": column, "type": "string"} for column in columns]
        for field in fields:
            if field["name"] in ("ref", "idempotency_key"):
                field["constraints"] = {"required": True, "unique": True}
            if field["name"] == "crc":
                field["constraints"] = {"required": True, "pattern": "[0-9a-f]{8}"}
        return {
            "name": name,
            "path": f"{name}.csv",
            "format": "csv",
            "encoding": "utf-8",
            "schema": {"fields": fields, "primaryKey": ["ref"], **schema},
        }

    descriptor = {
        "name": "storage-test",
        "resources": [
            resource("submissions", SUBMISSION_COLUMNS),
            resource(
                "personal",
                PERSONAL_COLUMNS,
                foreignKeys=[
                    {"fields": ["ref"], "reference": {"resource": "submissions", "fields": ["ref"]}}
                ],
            ),
        ],
    }
    (data_dir / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    report = frictionless.validate(str(data_dir / "datapackage.json"), limit_errors=100_000)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.stats["tasks"] == 2


def test_lock_excludes_threads_of_one_process(store: Store) -> None:
    done = threading.Event()
    with store.lock():
        thread = threading.Thread(target=lambda: (commit(store, "t"), done.set()))
        thread.start()
        assert not done.wait(0.3), "a commit went ahead while the lock was held"
    thread.join(timeout=10)
    assert done.is_set()


def test_lock_file_opened_per_acquisition(store: Store, data_dir: Path, monkeypatch) -> None:
    opened = []
    real_open = os.open

    def recording_open(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    fresh = Store(data_dir, TABLES)
    Table(data_dir / "other.csv", EVENT_COLUMNS)
    assert opened == [], "constructors open nothing (safe before gunicorn forks)"
    commit(fresh, "one")
    commit(fresh, "two")
    monkeypatch.undo()
    assert opened.count(".lock") == 2, "one open of the lock file per acquisition"
    assert not [path for path in open_files() if path.startswith(str(data_dir))]
    assert (data_dir / ".lock").exists(), "the lock file is never deleted"
    lock = StoreLock(data_dir)
    with lock, pytest.raises(RuntimeError):
        lock.__enter__()


def open_files() -> list[str]:
    """What this process has open now."""
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the descriptor listdir itself used is gone
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
    return targets


# -- injected write failures (D6) ---------------------------------------------------------------


class Faults:
    """Make os.write / os.fsync fail for one table's file, as a full or failing disk would."""

    def __init__(self, monkeypatch, data_dir: Path):
        self.data_dir = str(data_dir)
        self.rules: list = []  # (call name, file name suffix, action)
        self.real_write, self.real_fsync = os.write, os.fsync
        monkeypatch.setattr(os, "write", self.write)
        monkeypatch.setattr(os, "fsync", self.fsync)

    def target(self, fd: int) -> str:
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return ""

    def rule(self, call: str, fd: int):
        path = self.target(fd)
        if not path.startswith(self.data_dir):
            return None
        for index, (name, suffix, action) in enumerate(self.rules):
            if name == call and path.endswith(suffix):
                del self.rules[index]  # each rule fires once
                return action
        return None

    def write(self, fd: int, data: bytes) -> int:
        action = self.rule("write", fd)
        if action == "short":
            return self.real_write(fd, data[: len(data) // 2])
        if action is not None:
            raise OSError(action, os.strerror(action))
        return self.real_write(fd, data)

    def fsync(self, fd: int) -> None:
        action = self.rule("fsync", fd)
        if action is not None:
            action = action or errno.EIO
            raise OSError(action, os.strerror(action))
        self.real_fsync(fd)


@pytest.mark.parametrize(
    "call, table, action",
    [
        ("write", "submissions.csv", errno.ENOSPC),
        ("write", "submissions.csv", "short"),
        ("fsync", "submissions.csv", errno.EIO),
        ("write", "personal.csv", errno.ENOSPC),
        ("write", "personal.csv", "short"),
        ("fsync", "personal.csv", errno.EIO),
    ],
)
def test_write_failure_stores_nothing_and_next_commit_works(
    store: Store, data_dir: Path, monkeypatch, call, table, action
) -> None:
    commit(store, "before")
    sizes = {name: (data_dir / name).stat().st_size for name in ("submissions.csv", "personal.csv")}
    inode = (data_dir / "submissions.csv").stat().st_ino
    faults = Faults(monkeypatch, data_dir)
    faults.rules.append((call, table, action))

    with pytest.raises(StoreWriteError) as info:
        commit(store, "failing")
    assert isinstance(info.value.__cause__, OSError)
    assert faults.rules == [], "the fault was injected"
    for name, size in sizes.items():
        assert (data_dir / name).stat().st_size == size, f"{name} not rolled back"
    assert [row["idempotency_key"] for row in store.rows("submissions")] == ["before"]

    ref, created = commit(store, "failing")  # the person presses Send again
    assert created and store.find(ref)["idempotency_key"] == "failing"
    assert len(list(store.rows("personal"))) == 2
    assert (data_dir / "submissions.csv").stat().st_ino == inode
    oracle_rows(data_dir / "submissions.csv")


def test_events_write_failure(store: Store, data_dir: Path, monkeypatch) -> None:
    store.append_events([{"ref": "AAAA-AAAA", "type": "note", "detail": "one"}])
    size = (data_dir / "events.csv").stat().st_size
    faults = Faults(monkeypatch, data_dir)
    faults.rules.append(("write", "events.csv", "short"))
    with pytest.raises(StoreWriteError):
        store.append_events([{"ref": "AAAA-AAAA", "type": "note", "detail": "two " * 100}] * 3)
    assert (data_dir / "events.csv").stat().st_size == size
    store.append_events([{"ref": "AAAA-AAAA", "type": "note", "detail": "three"}])
    assert [row["detail"] for row in store.rows("events")] == ["one", "three"]


def test_one_in_twenty_calls_fail(store: Store, data_dir: Path, monkeypatch) -> None:
    """D6: faults on 1 in 20 writes/fsyncs, file creation included: acknowledged rows are all
    there, refused ones are not, and no partial row is ever left."""
    rng = random.Random(20)
    faults = Faults(monkeypatch, data_dir)

    def random_rule(call, fd):
        if faults.target(fd).startswith(faults.data_dir) and rng.random() < 0.05:
            return rng.choice([errno.ENOSPC, errno.EIO, "short" if call == "write" else 0])
        return None

    faults.rule = random_rule
    acknowledged, refused = {}, set()
    for number in range(300):
        key = f"k{number}"
        try:
            acknowledged[key] = commit(store, key, text=f"text {number}\n" * (number % 7))[0]
        except StoreWriteError:
            refused.add(key)
    monkeypatch.undo()
    assert refused and len(acknowledged) > 200
    stored = {row["idempotency_key"]: row["ref"] for row in store.rows("submissions")}
    assert stored == acknowledged
    personal_refs = [row["ref"] for row in store.rows("personal")]
    assert sorted(personal_refs) == sorted(acknowledged.values())
    assert all(not report.changed for report in Store(data_dir, TABLES).recover())
    oracle_rows(data_dir / "submissions.csv")
    oracle_rows(data_dir / "personal.csv")


# -- appends never rewrite, and repair what a killed writer left --------------------------------


def test_files_and_their_directory_are_fsynced(store: Store, data_dir: Path, monkeypatch) -> None:
    """Acknowledge only after fsync, and fsync the directory when a file is created (gotcha 9)."""
    synced = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    commit(store, "first")
    submissions, personal = str(data_dir / "submissions.csv"), str(data_dir / "personal.csv")
    assert synced.count(str(data_dir)) >= 2, "the directory after creating each file"
    assert synced.index(str(data_dir)) > synced.index(personal)
    assert synced[-1] == submissions, "the commit row is fsynced last, before returning"
    synced.clear()
    commit(store, "second")
    assert synced == [personal, submissions]


def test_append_never_rewrites_the_file(store: Store, data_dir: Path) -> None:
    for number in range(5):
        commit(store, f"k{number}")
    path = data_dir / "submissions.csv"
    before, inode = path.read_bytes(), path.stat().st_ino
    for number in range(5, 10):
        commit(store, f"k{number}")
        store.append_events([{"ref": "AAAA-AAAA", "type": "note", "detail": str(number)}])
    after = path.read_bytes()
    assert path.stat().st_ino == inode
    assert after.startswith(before) and len(after) > len(before)


def test_torn_tail_from_a_killed_writer_is_cut_before_the_next_append(
    store: Store, data_dir: Path
) -> None:
    """A worker killed mid-write leaves part of a record; other workers must not append after
    it (that would make mid-file damage and stop the service at its next start)."""
    commit(store, "before")
    path = data_dir / "submissions.csv"
    intact = path.read_bytes()
    with open(path, "ab") as torn:
        torn.write(b'ACDE-FHJK,torn,complaint,cy,"half a story\nand')
    other = Store(data_dir, TABLES)  # another worker, and this one, both carry on
    assert [row["idempotency_key"] for row in other.rows("submissions")] == ["before"]
    commit(other, "after-1")
    commit(store, "after-2")
    assert path.read_bytes().startswith(intact)
    assert [row["idempotency_key"] for row in store.rows("submissions")] == [
        "before",
        "after-1",
        "after-2",
    ]
    oracle_rows(path)


def test_uncommitted_personal_row_is_cut_by_the_next_commit(store: Store, data_dir: Path) -> None:
    """A worker killed between the personal row and the submission row leaves details with no
    case; the next commit removes them before writing after them."""
    commit(store, "before")
    Table(data_dir / "personal.csv", PERSONAL_COLUMNS).append(
        [{"ref": "ACDE-FHJK", "name": "Orphan", "address": "Nowhere"}]
    )
    commit(Store(data_dir, TABLES), "after")
    names = [row["name"] for row in store.rows("personal")]
    assert names == ["A Person", "A Person"]


def test_reads_refuse_mid_file_damage(store: Store, data_dir: Path) -> None:
    for number in range(3):
        commit(store, f"k{number}")
    path = data_dir / "submissions.csv"
    raw = bytearray(path.read_bytes())
    raw[raw.index(b"\n") + 5] ^= 0x01  # inside the first of three rows
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptStoreError):
        list(store.rows("submissions"))
    # A process that has not yet checked the file (all of them, after a restart) refuses to
    # write after the damage. (A running one only reads what is new since it last looked.)
    with pytest.raises(StoreWriteError) as info:
        commit(Store(data_dir, TABLES), "refused")
    assert isinstance(info.value.__cause__, CorruptStoreError)
    assert path.read_bytes() == bytes(raw)


# -- storage location guard (D11) ---------------------------------------------------------------

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
proc /proc proc rw,relatime 0 0
overlay /srv/container overlay rw,relatime,lowerdir=/a,upperdir=/b,workdir=/c 0 0
server:/export /srv/nfs nfs4 rw,relatime 0 0
//server/share /srv/smb cifs rw 0 0
//server/share3 /srv/smb3 smb3 rw 0 0
sshfs /srv/fuse fuse.sshfs rw 0 0
/dev/sdb1 /srv/ntfs fuseblk rw 0 0
tmpfs /srv/tmp tmpfs rw 0 0
ramfs /srv/ram ramfs rw 0 0
server:/old /srv/nfs3 nfs rw 0 0
/dev/vdb /srv/nfs/local ext4 rw 0 0
/dev/vdc /srv/with\\040space xfs rw 0 0
tmpfs /srv/stacked tmpfs rw 0 0
/dev/vdd /srv/stacked ext4 rw 0 0
"""


@pytest.mark.parametrize(
    "path, fstype",
    [
        ("/srv/app/data", "ext4"),
        ("/srv/container/data", "overlay"),
        ("/srv/nfs/local/data", "ext4"),  # a local disk mounted inside an NFS tree is fine
        ("/srv/with space/data", "xfs"),
        ("/srv/stacked/data", "ext4"),  # the last mount on a point is the one on top
        ("/srv/nfsish/data", "ext4"),  # prefix of a name is not a parent directory
    ],
)
def test_local_filesystems_are_accepted(tmp_path: Path, path: str, fstype: str) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS)
    assert check_local_filesystem(Path(path), mounts=mounts) == fstype


@pytest.mark.parametrize(
    "path",
    [
        "/srv/nfs/data",
        "/srv/nfs3/data",
        "/srv/smb/data",
        "/srv/smb3/data",
        "/srv/fuse/data",
        "/srv/ntfs/data",
        "/srv/tmp/data",
        "/srv/ram",
    ],
)
def test_network_fuse_and_memory_filesystems_are_refused(tmp_path: Path, path: str) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS)
    with pytest.raises(UnsafeStorageError, match="local disk"):
        check_local_filesystem(Path(path), mounts=mounts)


def test_filesystem_check_on_this_machine(tmp_path: Path) -> None:
    try:
        fstype = check_local_filesystem(tmp_path)
    except UnsafeStorageError:
        pytest.fail("tmp_path is on tmpfs or a network disk: fsync tests here prove nothing")
    assert fstype is not None
    assert check_local_filesystem(tmp_path, mounts=tmp_path / "missing") is None
    if "/dev/shm tmpfs" in Path("/proc/mounts").read_text():
        with pytest.raises(UnsafeStorageError):
            check_local_filesystem(Path("/dev/shm/data"))


def test_commit_reads_only_what_is_new(store: Store, data_dir: Path, monkeypatch) -> None:
    """The index keeps a commit O(new rows): it does not re-read the whole file each time."""
    for number in range(200):
        commit(store, f"k{number}", text="x" * 2000)
    size = (data_dir / "submissions.csv").stat().st_size
    read = []
    real_pread = os.pread

    def counting_pread(fd, length, offset):
        data = real_pread(fd, length, offset)
        read.append(len(data))
        return data

    monkeypatch.setattr(os, "pread", counting_pread)
    started = time.perf_counter()
    commit(store, "one more", text="x" * 2000)
    elapsed = time.perf_counter() - started
    monkeypatch.undo()
    assert sum(read) < 20_000 < size, "a commit reads the new bytes, not the file"
    assert elapsed < 1


def test_row_maker_makes_the_same_dict_as_zip_and_cannot_be_made_to_run_code():
    from forms_app.storage.records import row_maker

    columns = ("ref", "it's", 'say "}); import os #', "crc")
    cells = ["R1", "a", "b", "c"]
    assert row_maker(columns)(cells) == dict(zip(columns, cells, strict=True))
    assert row_maker((("ref", 0), ("crc", 3)))(cells) == {"ref": "R1", "crc": "c"}
