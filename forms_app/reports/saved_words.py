"""What people wrote, as the PII gate needs it, saved beside a report's saved cases
(``saved_counts``) in a file of its own, ``run/index/report.words``: the sorted keys of every
run of words in every text (``pii_patterns.narrative_keys``), never the texts.

The gate runs in the report's first process and the counting in its second: the second hands
back only where the keys are (``SavedWords``: the file, its random token, how many keys and
their CRC-32), and the first reads them itself. If the file is no longer the one saved (a
second report saved meanwhile), the gate is told so and reads every text from the tables
instead: it never scans with fewer words than people wrote.
"""

from __future__ import annotations

import os
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path

from forms_app.casework.index_snapshot import put_in_place

_TOKEN = 16  # bytes of the random token at the start of the file


@dataclass(frozen=True)
class SavedWords:
    """Where a save put the keys of what people wrote, and how to know them again."""

    path: str
    token: bytes
    count: int
    crc: int

    @classmethod
    def write(cls, path: Path, keys: array) -> SavedWords:
        """Write the sorted ``keys`` to ``path`` under a new token (atomically)."""
        data = keys.tobytes()
        token = os.urandom(_TOKEN)
        put_in_place(path, (token, data))
        return cls(str(path), token, len(keys), zlib.crc32(data))

    @classmethod
    def described(cls, path: Path, description) -> SavedWords | None:
        """The words ``description`` (``described_as``) names at ``path``; None if it is not
        such a description."""
        try:
            token, count, crc = description
        except (TypeError, ValueError):
            return None
        if not isinstance(token, bytes) or not isinstance(count, int) or not isinstance(crc, int):
            return None
        return cls(str(path), token, count, crc)

    def described_as(self) -> tuple[bytes, int, int]:
        return self.token, self.count, self.crc

    def load(self) -> array | None:
        """The keys, or None if the file is not the one saved (or is damaged)."""
        try:
            with open(self.path, "rb") as file:
                data = file.read()
        except OSError:
            return None
        body = memoryview(data)[_TOKEN:]
        if data[:_TOKEN] != self.token or len(body) != 8 * self.count:
            return None
        if zlib.crc32(body) != self.crc:
            return None
        keys = array("Q")
        keys.frombytes(body)
        return keys
