"""The audit log: who looked at or changed what, hash-chained so that tampering shows.

``<data_dir>/audit.jsonl`` holds one JSON object per line::

    {"action": ..., "actor": ..., "detail": ..., "fields": [...], "hash": ..., "prev": ...,
     "ref": ..., "utc_ts": ...}

``hash`` is the SHA-256 (hex) of the canonical JSON of the entry without ``hash`` (keys sorted,
no spaces, UTF-8), and ``prev`` is the ``hash`` of the entry before it (64 zeros for the first).
Changing, deleting, inserting or reordering entries breaks the chain. Deleting entries from the
end leaves a valid chain, so ``<data_dir>/audit.head`` anchors it: the number of entries written
and the last hash. Someone able to rewrite every file in the data directory can still forge a
consistent log; copy ``verify(...).head`` somewhere else (a report, a backup) to anchor it there.

The log records field NAMES, never values: ``record`` refuses a ``detail`` that looks like an email
address, phone or NHS number, so a careless caller fails loudly instead of leaking.

Writes take an exclusive ``flock`` on ``<data_dir>/.audit.lock`` (opened per call, as the store's
lock is, so it works across gunicorn workers), append the line in one ``os.write`` and fsync.

With a shared database (``store_url``; ``use_database`` is told at start-up), the same lines and
head live there instead (``storage.postgres.audit``), appended one at a time under a lock every
app server takes, so the servers behind one proxy write one chain. Callers do not change: they
still name the data directory, and ``verify``, ``last_entries`` and ``entries_for`` read
whichever the installation uses.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from forms_app.storage import shared_database

log = logging.getLogger(__name__)

LOG_NAME = "audit.jsonl"
HEAD_NAME = "audit.head"
LOCK_NAME = ".audit.lock"
GENESIS = "0" * 64
KEYS = ("action", "actor", "detail", "fields", "hash", "prev", "ref", "utc_ts")

_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,100}")  # actor, action, field names
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_-]{2,39}")  # the schema's reference pattern
_HEX64 = re.compile(r"[0-9a-f]{64}")
# Values that must never reach the log: emails, runs of 10+ digits (phones, NHS numbers), and
# UK phone numbers written with spaces (07700 900123, +44 7700 900123).
_PERSONAL = re.compile(
    r"[^@\s]+@[^@\s]+\.[^@\s]+"
    r"|(?:\d[ -]?){9}\d"
    r"|(?:\+44|\b0)\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b"
)
_MAX_DETAIL = 500
# The head is rewritten in place at a fixed size: one small pwrite is all or nothing in practice.
_HEAD_FORMAT = "{entries:020d} {hash}\n"
_HEAD_SIZE = 86


class AuditError(Exception):
    """The audit log could not be written, or its last entry cannot be read to chain from."""


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify`` found: ``ok`` with the number of ``entries``, or the first ``problem``.

    ``head`` is the last entry's hash: keep it elsewhere to anchor the log.
    """

    ok: bool
    entries: int
    problem: str | None = None
    head: str = GENESIS


def use_database(data_dir: Path | str, url: str) -> None:
    """Keep the audit log of ``data_dir`` in the database at ``url`` ("" for the files)."""
    shared_database.use_database(data_dir, url)


def _table(data_dir: Path | str):
    """The database table holding this data directory's log, or None for the files."""
    url = shared_database.database_for(data_dir)
    if not url:
        return None
    from forms_app.storage.postgres.audit import AuditTable

    return AuditTable(url)


def record(
    data_dir: Path | str,
    *,
    actor: str,
    action: str,
    ref: str | None = None,
    fields: Sequence[str] = (),
    detail: str = "",
) -> None:
    """Append one entry to the audit log, durably, chained to the entry before it.

    ``fields`` are the NAMES of the fields viewed, changed or exported; ``detail`` is a short
    note without personal values (filters, counts, a file name). Raises ValueError for an entry
    that breaks these rules and AuditError if it could not be written.
    """
    entry = _entry(actor=actor, action=action, ref=ref, fields=fields, detail=detail)
    table = _table(data_dir)
    if table is not None:
        _record_in(table, entry)
        return
    data_dir = Path(data_dir)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock_fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        _append(data_dir, entry)
    except OSError as exc:
        raise AuditError(f"the audit log could not be written: {exc.strerror or exc}") from exc
    finally:
        os.close(lock_fd)  # releases the flock


def _record_in(table, entry: dict) -> None:
    """Append ``entry`` to the log in the database, chained to its last line."""
    import psycopg

    def chain(last_line: str | None) -> tuple[str, str]:
        prev = GENESIS
        if last_line is not None:
            try:
                prev = json.loads(last_line)["hash"]
            except (ValueError, KeyError, TypeError):
                prev = None
            if not isinstance(prev, str) or not _HEX64.fullmatch(prev):
                raise AuditError("the last audit entry is damaged: run verify before recording")
        chained = {**entry, "prev": prev}
        chained["hash"] = _digest(chained)
        return _canonical(chained).decode("utf-8"), chained["hash"]

    try:
        table.append(chain)
    except psycopg.Error as exc:
        raise AuditError(f"the audit log could not be written: {type(exc).__name__}") from exc


def verify(data_dir: Path | str) -> VerifyReport:
    """Check the whole chain and its head; report the first problem with its line number."""
    table = _table(data_dir)
    if table is not None:
        lines, head = table.snapshot()
        return _verify([line.encode("utf-8") for line in lines], head, "the head row")
    data_dir = Path(data_dir)
    try:
        with open(data_dir / LOG_NAME, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        data = b""
    head = _read_head(data_dir)
    lines = data.split(b"\n")
    if lines[-1] != b"":
        return VerifyReport(False, len(lines) - 1, f"line {len(lines)} is incomplete")
    lines.pop()
    return _verify(lines, head, HEAD_NAME)


def verify_lines(lines: Sequence[str], head: tuple[int, str] | None) -> VerifyReport:
    """Check a log read from elsewhere (its lines in order and its head), as ``verify`` does:
    for ``feedback migrate-store`` moving the log out of a database."""
    return _verify([line.encode("utf-8") for line in lines], head, "the head row")


def write_copied(data_dir: Path | str, lines: Sequence[str], head: str) -> None:
    """Write a log copied from elsewhere into ``data_dir``'s files, as it was: its ``lines``
    in order, then the head anchored at them (``head``: the last entry's hash). The log must
    have verified where it was; ``data_dir`` must not hold a log yet."""
    data_dir = Path(data_dir)
    path = data_dir / LOG_NAME
    if (path.exists() and path.stat().st_size) or (data_dir / HEAD_NAME).exists():
        raise AuditError(f"{path} already holds a log")
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        for line in lines:
            handle.write(line.encode("utf-8") + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    _write_head(data_dir, len(lines), head)


def last_entries(data_dir: Path | str, count: int) -> list[dict]:
    """The last ``count`` entries, newest first (from the file, only its end is read)."""
    table = _table(data_dir)
    if table is not None:
        lines = [line.encode("utf-8") for line in table.last(count)]
    else:
        try:
            with open(Path(data_dir) / LOG_NAME, "rb") as handle:
                handle.seek(0, 2)
                size = handle.tell()
                handle.seek(max(0, size - count * 600))
                lines = list(reversed(handle.read().split(b"\n")))
        except FileNotFoundError:
            return []
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
        if len(entries) == count:
            break
    return entries


def entries_for(data_dir: Path | str, refs: set[str]) -> list[dict]:
    """Every entry about one of these cases, oldest first."""
    table = _table(data_dir)
    if table is not None:
        lines = table.snapshot()[0]
    else:
        try:
            with open(Path(data_dir) / LOG_NAME, encoding="utf-8") as handle:
                lines = handle.readlines()
        except FileNotFoundError:
            return []
    out = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("ref") in refs:
            out.append(entry)
    return out


def _verify(lines: list[bytes], head: tuple[int, str] | None, head_name: str) -> VerifyReport:
    prev = GENESIS
    for number, line in enumerate(lines, start=1):
        problem = _check_line(line, prev)
        if problem:
            return VerifyReport(False, number - 1, f"line {number}: {problem}", prev)
        prev = json.loads(line)["hash"]
    count = len(lines)
    if head is None:
        if count:
            return VerifyReport(False, count, f"{head_name} is missing", prev)
        return VerifyReport(True, 0)
    head_entries, head_hash = head
    if head_entries == count and head_hash == prev:
        return VerifyReport(True, count, None, prev)
    if head_entries == count - 1 and head_hash == json.loads(lines[-1])["prev"]:
        # The last entry was written but the process stopped before moving the head on.
        return VerifyReport(True, count, None, prev)
    return VerifyReport(
        False,
        count,
        f"the log has {count} entries ending {prev[:12]}, but {head_name} says {head_entries} "
        f"ending {head_hash[:12]}: entries were removed or added",
        prev,
    )


# -- writing --------------------------------------------------------------------------------


def _entry(*, actor, action, ref, fields, detail) -> dict:
    for label, value in (("actor", actor), ("action", action)):
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            raise ValueError(f"audit {label} must be 1 to 100 letters, digits or _.:-")
    if ref is not None and (not isinstance(ref, str) or not _REF.fullmatch(ref)):
        raise ValueError("audit ref must be a case reference")
    if isinstance(fields, str):
        raise ValueError("audit fields must be a sequence of field names, not one string")
    fields = list(fields)
    for name in fields:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError("audit fields must be field names (letters, digits or _.:-)")
    if not isinstance(detail, str) or len(detail) > _MAX_DETAIL:
        raise ValueError(f"audit detail must be text of at most {_MAX_DETAIL} characters")
    if _PERSONAL.search(detail):
        # The message does not repeat the detail: it is what must not be written anywhere.
        raise ValueError("audit detail looks like it holds a personal value; record names only")
    return {
        "utc_ts": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "actor": actor,
        "action": action,
        "ref": ref,
        "fields": fields,
        "detail": detail,
    }


def _append(data_dir: Path, entry: dict) -> None:
    """Chain ``entry`` to the last one and append it; the caller holds the audit lock."""
    path = data_dir / LOG_NAME
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        prev, prev_of_last, lines_seen = _last_entry(fd)
        entry = {**entry, "prev": prev}
        entry["hash"] = _digest(entry)
        line = _canonical(entry) + b"\n"
        written = os.write(fd, line)
        if written != len(line):
            os.ftruncate(fd, os.fstat(fd).st_size - written)
            raise OSError(errno.EIO, f"short write: {written} of {len(line)} bytes")
        os.fsync(fd)
    finally:
        os.close(fd)
    head = _read_head(data_dir)
    if head is None:
        # A new log, or the head was lost: count what is there (evidence of removals before
        # this point is then gone, which verify reported while the head was missing).
        if lines_seen is None:
            lines_seen = _count_lines(path) - 1
        if lines_seen:
            log.warning(
                "audit: %s was missing; anchored again at %d entries", HEAD_NAME, lines_seen
            )
        entries = lines_seen + 1
    elif head[1] != prev and head[1] == prev_of_last:
        # The last write stopped before moving the head on: count that entry too.
        entries = head[0] + 2
    else:
        # Normally the head ends where the log does. If it does not, the count still moves on
        # from the head, never from the file, so removed entries stay visible to verify.
        entries = head[0] + 1
    _write_head(data_dir, entries, entry["hash"])


def _last_entry(fd: int) -> tuple[str, str | None, int | None]:
    """The last entry's hash (GENESIS if none) and prev, and 0 lines seen for an empty log.

    A last line without its line end is what a crash mid-write leaves: it was never a complete
    entry, so it is cut off (and logged) before chaining.
    """
    size = os.fstat(fd).st_size
    if size == 0:
        return GENESIS, None, 0
    end = size
    if os.pread(fd, 1, size - 1) != b"\n":
        cut = _start_of_last_line(fd, size)
        log.warning("audit: removed an incomplete last line of %d bytes", size - cut)
        os.ftruncate(fd, cut)
        os.fsync(fd)
        if cut == 0:
            return GENESIS, None, 0
        end = cut
    start = _start_of_last_line(fd, end - 1)
    line = os.pread(fd, end - 1 - start, start)
    try:
        entry = json.loads(line)
        value, prev = entry["hash"], entry["prev"]
    except (ValueError, KeyError, TypeError):
        value = prev = None
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise AuditError("the last audit entry is damaged: run verify before recording more")
    return value, prev, None


def _start_of_last_line(fd: int, end: int) -> int:
    """Offset just after the last newline before ``end`` (0 if there is none)."""
    position = end
    while position > 0:
        step = min(4096, position)
        chunk = os.pread(fd, step, position - step)
        index = chunk.rfind(b"\n")
        if index >= 0:
            return position - step + index + 1
        position -= step
    return 0


def _count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def _read_head(data_dir: Path) -> tuple[int, str] | None:
    try:
        text = (data_dir / HEAD_NAME).read_text("ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return (-1, "unreadable")
    count, _, value = text.strip().partition(" ")
    if not count.isdigit() or not _HEX64.fullmatch(value):
        return (-1, "unreadable")
    return int(count), value


def _write_head(data_dir: Path, entries: int, value: str) -> None:
    data = _HEAD_FORMAT.format(entries=entries, hash=value).encode("ascii")
    assert len(data) == _HEAD_SIZE
    fd = os.open(data_dir / HEAD_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if os.pwrite(fd, data, 0) != len(data):
            raise OSError(errno.EIO, "short write of the audit head")
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


# -- checking -------------------------------------------------------------------------------


def _canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _digest(entry: dict) -> str:
    body = {key: value for key, value in entry.items() if key != "hash"}
    return hashlib.sha256(_canonical(body)).hexdigest()


def _check_line(line: bytes, prev: str) -> str | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return "not a JSON entry"
    if not isinstance(entry, dict) or set(entry) != set(KEYS):
        return "not an audit entry (wrong keys)"
    if _canonical(entry) != line:
        # Any change of bytes counts, even one that keeps the JSON meaning the same.
        return "not in canonical form (edited)"
    if entry["prev"] != prev:
        return "does not follow the entry before it (removed, inserted or moved)"
    if entry["hash"] != _digest(entry):
        return "its hash does not match its content (edited)"
    return None
