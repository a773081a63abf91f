"""Each case's rows, saved beside a report's saved cases (``saved_counts``) in a file of their
own, ``run/index/report.rows``, and read only for the cases a report folds again.

A case's rows are its submission's folded cells and its counted events' cells, as one
``marshal`` blob. The file holds a random token, then every blob one after another; the saved
cases name the token and hold where each blob ends and the CRC-32 of each. So a report reads
the saved cases (a few megabytes) whole and this file (most of the bytes) only where a case
changed, and each blob it reads is checked: a file of another save (two reports saving at
once) or a damaged blob is noticed, and the report then folds every case from the first row.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from array import array
from pathlib import Path

from forms_app.casework.index_snapshot import put_in_place

_TOKEN = 16  # bytes of the random token at the start of the file


class RowsMismatch(ValueError):
    """The rows file is not the one the saved cases were saved with, or a blob is damaged."""


class CaseRows:
    """Every case's blob by its position in the saved cases: ``get``, ``set``, ``append``."""

    def __init__(
        self,
        ends: array,
        crcs: array,
        data: bytes | None = None,
        path: Path | None = None,
        token: bytes = b"",
    ):
        self._ends = ends
        self._crcs = crcs
        self._data = data  # the blobs joined, when made here (not read from a file)
        self._path = path
        self._token = token
        self._fd: int | None = None
        self._changed: dict[int, bytes] = {}
        self._count = len(ends)

    @classmethod
    def made(cls, blobs: list[bytes]) -> CaseRows:
        """Blobs made by a fold, not yet written."""
        ends, crcs = array("Q"), array("I")
        at = 0
        for blob in blobs:
            at += len(blob)
            ends.append(at)
            crcs.append(zlib.crc32(blob))
        return cls(ends, crcs, data=b"".join(blobs))

    @classmethod
    def described(cls, path: Path, description) -> CaseRows | None:
        """The rows a saved description names (``write``'s result); None if it is not one."""
        try:
            token, ends_bytes, crcs_bytes = description
            ends, crcs = array("Q"), array("I")
            ends.frombytes(ends_bytes)
            crcs.frombytes(crcs_bytes)
        except (TypeError, ValueError):
            return None
        if not isinstance(token, bytes) or len(token) != _TOKEN or len(ends) != len(crcs):
            return None
        return cls(ends, crcs, path=Path(path), token=token)

    def __len__(self) -> int:
        return self._count

    def get(self, i: int) -> bytes:
        """Case ``i``'s blob. Raises RowsMismatch if the file is not the one saved with it."""
        found = self._changed.get(i)
        if found is not None:
            return found
        start, end = (self._ends[i - 1] if i else 0), self._ends[i]
        if self._data is not None:
            return self._data[start:end]
        blob = os.pread(self._open(), end - start, _TOKEN + start)
        if len(blob) != end - start or zlib.crc32(blob) != self._crcs[i]:
            raise RowsMismatch(f"the saved rows of case {i} are damaged")
        return blob

    def _open(self) -> int:
        if self._fd is None:
            try:
                fd = os.open(self._path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as error:
                raise RowsMismatch(f"the saved rows cannot be read: {error}") from None
            if os.pread(fd, _TOKEN, 0) != self._token:
                os.close(fd)
                raise RowsMismatch("the saved rows are of another save")
            self._fd = fd
        return self._fd

    def set(self, i: int, blob: bytes) -> None:
        self._changed[i] = blob

    def append(self, blob: bytes) -> None:
        self._changed[self._count] = blob
        self._count += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def write(self, path: Path) -> tuple[bytes, bytes, bytes]:
        """Write every blob to ``path`` (a new file, fsynced, put in place atomically) under a
        new token; returns the description the saved cases keep (``described``)."""
        if self._data is None:
            # Read the file once, whole, rather than blob by blob.
            whole = os.pread(self._open(), self._ends[-1] if self._ends else 0, _TOKEN)
            blobs = [
                self._changed.get(i) or whole[(self._ends[i - 1] if i else 0) : self._ends[i]]
                for i in range(len(self._ends))
            ]
            blobs += [self._changed[i] for i in range(len(self._ends), self._count)]
            made = CaseRows.made(blobs)
        elif self._changed:
            made = CaseRows.made([self.get(i) for i in range(self._count)])
        else:
            made = self
        token = os.urandom(_TOKEN)
        put_in_place(path, (token, made._data))
        return token, made._ends.tobytes(), made._crcs.tobytes()


def remove_if_token(path: Path, token: bytes) -> None:
    """Remove a saved file if it still starts with ``token`` (its save was undone): the rows
    here, and the words (``saved_words``), which start with a token the same way."""
    with contextlib.suppress(OSError), open(path, "rb") as file:
        if file.read(_TOKEN) == token:
            os.unlink(path)
