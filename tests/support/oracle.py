"""Reading a store table without the store's code: the ``csv`` module parses it and ``zlib``
checks every row's crc, so a fault shared by the store's writer and reader cannot hide."""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Sequence
from pathlib import Path


def checked_rows(path: Path) -> list[list[str]]:
    """The header and every row, each row's crc asserted."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
    for number, row in enumerate(rows[1:], start=2):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(row[:-1])
        payload = buffer.getvalue()[:-1].encode("utf-8")
        assert row[-1] == f"{zlib.crc32(payload):08x}", f"{path.name}: row {number} fails its crc"
    return rows


def oracle_rows(path: Path, columns: Sequence[str]) -> list[list[str]]:
    """Every data row, after checking the header is ``columns`` and every crc."""
    rows = checked_rows(path)
    assert rows and rows[0] == list(columns), f"{path.name}: header"
    return rows[1:]
