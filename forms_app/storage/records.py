"""The on-disk form of one row: a CSV record ending in a CRC32 cell, and finding records in bytes.

A record is ``<cells>,<crc>\\n`` where ``<cells>`` is the row's values CSV-encoded (RFC 4180
quoting, ``\\n`` line ends) and ``<crc>`` is the CRC32 of the UTF-8 bytes of ``<cells>`` as 8
lowercase hex digits. The header row has the column names and no checksum.

Everything here works on bytes: a torn tail can split a UTF-8 sequence, and fields hold newlines,
so neither "decode the file" nor "take the last line" is safe.

Two ways to find and check records, with the same result:
- one record at a time (``split_records``, ``decode_record``): simple, and the reference for
  what "intact" means; used on damaged bytes and by ``feedback validate``;
- a chunk at a time (``split_complete``, ``first_suspect``, ``leading_cells``): the same checks
  done by C loops (``map`` over ``bytes`` methods, ``zlib.crc32``, one ``decode`` per chunk)
  instead of Python code per cell, so that start-up can check every record of a million-row
  table in about the time the ``csv`` module takes to read it. Anything the fast checks are not
  sure of is handed to ``decode_record``, which decides.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, compress, repeat
from operator import itemgetter, not_
from typing import NamedTuple

CRC_COLUMN = "crc"

# The end of a record: the checksum cell and the line end. Checksums never need quoting.
_CRC_SUFFIX = re.compile(rb",([0-9a-f]{8})\n")
_HEX8 = re.compile(rb"[0-9a-f]{8}")
_STARTS = re.compile(rb"\n|,[0-9a-f]{8}[^\n]|\x00++")
# RFC 4180 fields, possessive so a long or unterminated field cannot make the regex backtrack.
_QUOTED = re.compile(r'"((?:[^"]++|"")*+)"')
_PLAIN = re.compile(r'[^",\r\n]*+')
_QUOTED_BYTES = re.compile(rb'"[^"]*+"')
_STALE_CRC = re.compile(rb',"?[0-9a-fA-F]{8}"?\r?\Z')
# The rest of a quoted field up to its closing quote. A "" split across chunks still works: the
# first " closes the field and the second reopens it, which is the same state.
_QUOTED_REST = re.compile(rb'(?:[^"]++|"")*+"')


class RawRecord(NamedTuple):
    """The bytes of one record found in a file, without its line end."""

    start: int  # offset of the first byte in the file
    end: int  # offset just past the line end (or past the last byte if incomplete)
    data: bytes
    complete: bool  # False for trailing bytes that never reached their line end


def normalise_newlines(value: str) -> str:
    """Turn CRLF and lone CR into LF: browsers send textareas with CRLF."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def encode_cells(cells: Sequence[str]) -> bytes:
    """CSV-encode cells as one line without its line end (the bytes the checksum covers)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()[:-1].encode("utf-8")


def checksum(payload: bytes | memoryview) -> bytes:
    """The checksum cell for the encoded cells: CRC32 as 8 lowercase hex digits."""
    return b"%08x" % zlib.crc32(payload)


def encode_record(cells: Sequence[str]) -> bytes:
    """The full record for a row's cells: encoded cells, checksum cell, line end."""
    payload = encode_cells(cells)
    return payload + b"," + checksum(payload) + b"\n"


def encode_header(columns: Sequence[str]) -> bytes:
    """The header line for a table, checksum column name included."""
    return encode_cells(columns) + b"\n"


def decode_record(data: bytes) -> list[str] | None:
    """Return the cells (checksum excluded) of an intact record, or None if it is damaged.

    ``data`` is the record without its line end. Intact means the checksum matches and the cells
    are valid UTF-8 and valid RFC 4180. Parsing is done here rather than by the ``csv`` module so
    that no field size limit or Python version change can make a stored row unreadable.
    """
    if len(data) < 10 or data[-9] != 0x2C or not _HEX8.fullmatch(data, len(data) - 8):
        return None
    payload = data[:-9]
    if checksum(payload) != data[-8:]:
        return None
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return split_cells(text)


def split_cells(text: str) -> list[str] | None:
    """Split one CSV line (no line end) into cells per RFC 4180; None if it is not valid."""
    cells: list[str] = []
    pos = 0
    while True:
        if text.startswith('"', pos):
            match = _QUOTED.match(text, pos)
            if match is None:
                return None
            cells.append(match.group(1).replace('""', '"'))
        else:
            match = _PLAIN.match(text, pos)
            cells.append(match.group())
        pos = match.end()
        if pos == len(text):
            return cells
        if text[pos] != ",":
            return None
        pos += 1


def looks_like_row(data: bytes, width: int) -> bool:
    """True if damaged bytes still look like a row of a table ``width`` cells wide.

    Used to tell a torn write (partial, NULs, garbage) from rows someone edited by hand: many
    checksum failures on well-formed rows mean the file was edited, and must not be "repaired".
    Deliberately lenient (any quoting, CRLF) so an edited file is recognised as one.
    """
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # An edited row keeps its (now stale) checksum cell; garbage rarely ends in one.
    if not _STALE_CRC.search(data):
        return False
    # Commas outside quoted sections separate cells; "a""b" is two quoted sections, fine here.
    return _QUOTED_BYTES.sub(b"", data).count(b",") + 1 == width


def split_records(chunks: Iterable[bytes], start: int = 0) -> Iterator[RawRecord]:
    """Split a byte stream into CSV records, following quotes so newlines in fields are kept.

    ``start`` is the file offset of the first chunk, used for the offsets reported. Bytes after
    the last line end come out as one incomplete record. UTF-8 never uses the bytes of ``"`` or
    ``\\n`` inside a multi-byte character, so scanning bytes is safe.
    """
    buf = b""
    base = start  # file offset of buf[0]
    rec = 0  # start of the current record in buf
    pos = 0  # where scanning resumes in buf
    quoted = False  # whether pos is inside a quoted field
    for chunk in chunks:
        # Keep only the unfinished record; copying per chunk, not per record, keeps this linear.
        buf = buf[rec:] + chunk
        base += rec
        pos -= rec
        rec = 0
        size = len(buf)
        newline = -1  # cached position of the next line end at or after pos (-1: look again)
        while pos < size:
            if quoted:
                # Skip the rest of the quoted field, doubled quotes and all, in one step.
                closing = _QUOTED_REST.match(buf, pos)
                if closing is None:
                    pos = size  # still inside the field at the end of this chunk
                    break
                quoted = False
                pos = closing.end()
                continue
            if newline < pos:
                newline = buf.find(b"\n", pos)
                if newline < 0:
                    newline = size  # no line end in this chunk: scan quotes to its end
            quote = buf.find(b'"', pos, newline)
            if quote >= 0:
                quoted = True
                pos = quote + 1
            elif newline < size:
                yield RawRecord(base + rec, base + newline + 1, buf[rec:newline], True)
                rec = pos = newline + 1
            else:
                pos = size
    if rec < len(buf):
        yield RawRecord(base + rec, base + len(buf), buf[rec:], False)


class ScanBudgetExceeded(Exception):
    """Looking for intact records in damaged bytes would take too long to be worth it."""


def find_checksum_valid(data: bytes, budget: int) -> int | None:
    """Return the offset in ``data`` of any record whose checksum holds, or None.

    Unlike ``split_records`` this does not trust the quote state: damage such as a stray ``"``
    flips it for the rest of the file, so every later record would look torn. Instead each
    ``,<8 hex>\\n`` is tried as a record end against every place a record could start before
    it, nearest first. ``budget`` caps the bytes checksummed; past it ``ScanBudgetExceeded`` is
    raised, so the caller can refuse to touch the file rather than guess.
    """
    starts = sorted(set(_record_starts(data)))
    view = memoryview(data)
    for match in _CRC_SUFFIX.finditer(data):
        payload_end = match.start()
        wanted = match.group(1)
        index = bisect.bisect_left(starts, payload_end) - 1  # starts before a non-empty payload
        while index >= 0:
            begin = starts[index]
            budget -= payload_end - begin
            if budget < 0:
                raise ScanBudgetExceeded
            if checksum(view[begin:payload_end]) == wanted:
                return begin
            index -= 1
    return None


def _record_starts(data: bytes) -> Iterator[int]:
    """Where a record could start in damaged bytes: after a line end, or after the line end
    that should have followed a checksum cell, or after a run of NULs left by power loss."""
    yield 0
    for match in _STARTS.finditer(data):
        yield match.end()


# -- a chunk at a time --------------------------------------------------------------------------

_PAYLOAD = itemgetter(slice(None, -9))  # a record without ",<crc>"
_CHECKSUM_CELL = itemgetter(slice(-9, None))  # ",<crc>"
_EXPECTED_CELL = b",%08x".__mod__
_COUNT = bytes.count
_ONE_MORE = (1).__add__
_NO_QUOTE = (-1).__eq__  # of bytes.find(b'"')
# A quoted field where ``split_cells`` would take it for one: opened at the start of the line
# or after a comma, closed before a comma or the end. Removing these from a row must leave only
# plain fields (no quote, CR or LF), separated by the row's cell count less one commas. (It
# begins with the quote itself, so the regex engine can jump from quote to quote.)
_QUOTED_FIELD = re.compile(rb'"(?<![^,]")(?:[^"]++|"")*+"(?=,|\Z)')


def split_complete(buf: bytes) -> tuple[list[bytes], int]:
    """Split bytes that start at a record boundary into the complete records in them.

    Returns the records (without line ends) and how many bytes of ``buf`` they take up, line
    ends included; the rest is the start of a record not complete yet. The same records as
    ``split_records``: a line end ends a record when the quotes before it (from the record's
    start) are even in number, which is what following RFC 4180 quoting comes to.
    """
    lines = buf.split(b"\n")
    rest = lines.pop()  # after the last line end: not complete
    if b'"' not in buf:
        return lines, len(buf) - len(rest)
    odd = list(map((1).__and__, map(_COUNT, lines, repeat(b'"'))))
    if not any(odd):
        # No line has an odd number of quotes, so every line end is outside quotes.
        return lines, len(buf) - len(rest)
    # Some fields hold line ends. The quote parity changes only at lines with an odd number of
    # quotes, so those come in pairs: the first and last lines of a record whose quoted field
    # runs over line ends. Join each pair's lines (a Python step per such record, not per line).
    turns = list(compress(range(len(lines)), odd))
    records: list[bytes] = []
    done = 0
    for first, last in zip(turns[::2], turns[1::2], strict=False):
        records += lines[done:first]
        records.append(b"\n".join(lines[first : last + 1]))
        done = last + 1
    if len(turns) % 2:  # the last record is still inside a quoted field
        del lines[turns[-1] :]
        records += lines[done:]
        return records, sum(map(len, lines)) + len(lines)
    records += lines[done:]
    return records, len(buf) - len(rest)


def record_bounds(records: Sequence[bytes], start: int) -> list[int]:
    """Offsets of consecutive records starting at ``start``: record i is bounds[i]:bounds[i+1]."""
    return list(accumulate(map(_ONE_MORE, map(len, records)), initial=start))


def first_suspect(records: Sequence[bytes], width: int) -> int:
    """The index of the first record not certainly intact with ``width`` cells (or the count).

    Records before it pass every check of ``decode_record`` and have ``width`` cells: length,
    checksum cell (exact bytes, lowercase hex), UTF-8, RFC 4180 quoting and cell count. The
    record at the index may still be intact (the checks here are allowed to be unsure): the
    caller asks ``decode_record``.
    """
    count = len(records)
    if not count:
        return 0
    payloads = list(map(_PAYLOAD, records))
    expected = list(map(_EXPECTED_CELL, map(zlib.crc32, payloads)))
    stored = list(map(_CHECKSUM_CELL, records))
    # A record shorter than 10 bytes has an empty payload: only a one-cell table could take it
    # for intact (any wider row has a comma), and decode_record never does.
    if stored != expected or (width == 1 and min(map(len, records)) < 10):
        checks = zip(records, stored, expected, strict=True)
        count = next(
            index
            for index, (record, cell, wanted) in enumerate(checks)
            if cell != wanted or len(record) < 10
        )
        del payloads[count:]
    joined = b"\n".join(payloads)  # a newline between, so no two parts make one character
    try:
        if not joined.isascii():
            joined.decode("utf-8")
    except UnicodeDecodeError as error:
        count = bisect.bisect_right(record_bounds(payloads, 0), error.start) - 1
        del payloads[count:]
    commas = width - 1
    if b'"' not in joined and b"\r" not in joined and joined.count(b"\n") == count - 1:
        counts = list(map(_COUNT, payloads, repeat(b",")))
        if counts.count(commas) == len(counts):
            return count
        return next(index for index, found in enumerate(counts) if found != commas)
    # Quoted fields removed (a C loop per record), every row must be plain fields.
    plain = list(map(_NO_QUOTE, map(bytes.find, payloads, repeat(b'"'))))
    unquoted = list(compress(payloads, plain))
    unquoted += map(_QUOTED_FIELD.sub, repeat(b""), compress(payloads, map(not_, plain)))
    rest = b"".join(unquoted)
    counts = list(map(_COUNT, unquoted, repeat(b",")))
    if _plain(rest) and counts.count(commas) == len(counts):
        return count
    for index, payload in enumerate(payloads):  # which one failed
        cells = _QUOTED_FIELD.sub(b"", payload)
        if not _plain(cells) or cells.count(b",") != commas:
            return index
    return count


def _plain(cells: bytes) -> bool:
    # Three memchr scans are several times faster than one regex search for a class.
    return b'"' not in cells and b"\r" not in cells and b"\n" not in cells


def intact_cells(record: bytes) -> list[str]:
    """The cells of a record already found intact (by ``first_suspect`` or ``decode_record``)."""
    text = record[:-9].decode("utf-8")
    if '"' in text:
        return split_cells(text)
    return text.split(",")


def leading_cells(records: Sequence[bytes], positions: Sequence[int]) -> list[list[bytes]]:
    """For each position, that cell of every intact record, as UTF-8 bytes of its value.

    Meant for the first few cells (references, keys), which are rarely quoted: they are cut
    straight from the bytes (every data cell is followed by a comma, the next cell's or the
    checksum's), and only records where one of them is quoted are decoded. A plain loop with
    ``bytes.find`` is the fastest way found (regex matches are several times slower).
    """
    count = max(positions) + 1
    quoted = b'"' in b"".join(records)  # a copy, but far quicker than a test per record
    columns: list[list[bytes]] = [[] for _ in range(count)]
    if count == 1:
        cuts = map(slice, map(bytes.find, records, repeat(b",")))
        columns[0] = list(map(bytes.__getitem__, records, cuts))
    elif count == 2:
        first, second = columns[0].append, columns[1].append
        for record in records:
            cut = record.find(b",")
            end = record.find(b",", cut + 1)
            first(record[:cut])
            second(record[cut + 1 : end])
    else:
        adders = [column.append for column in columns]
        for record in records:
            for add, cell in zip(adders, record.split(b",", count), strict=False):
                add(cell)
    if quoted and any(b'"' in b"".join(column) for column in columns):
        # A quoted cell starts with a quote, so it is among those with one; cut wrong (at a
        # comma inside it, perhaps), they are decoded properly.
        for index, record in enumerate(records):
            if any(b'"' in column[index] for column in columns):
                cells = intact_cells(record)
                for number, column in enumerate(columns):
                    column[index] = cells[number].encode("utf-8")
    return [columns[position] for position in positions]


@functools.lru_cache(maxsize=32)
def row_maker(header: tuple) -> Callable[[Sequence[str]], dict[str, str]]:
    """A function turning a row's cells into a dict: a dict display with the column names
    written in, which is faster than ``dict(zip(header, cells))`` for hundreds of thousands of
    rows. ``header`` is the column names in order, or ``(name, index)`` pairs to pick some."""
    pairs = [p if isinstance(p, tuple) else (p, i) for i, p in enumerate(header)]
    items = ", ".join(f"{str(name)!r}: c[{int(i)}]" for name, i in pairs)
    return eval(f"lambda c: {{{items}}}")  # noqa: S307 - column names repr'd, indexes int'd
