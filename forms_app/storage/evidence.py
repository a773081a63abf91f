"""Evidence files: the bytes under ``<data_dir>/evidence/<case folder>/<id>`` and their rows in
the ``evidence`` table, written and read only here (through ``Store.evidence``).

A file is written before its row (to a temporary name, fsynced, renamed, the folder fsynced),
so a row never names a file that is not on disk; a crash between the two leaves a file with no
row, which nothing shows. Every read checks the file's SHA-256 against its row.

Files a person adds before they send their feedback are held beside their draft
(``<data_dir>/drafts/files/<draft id>/<id>``: drafts are left out of backups and purged after a
few days) and copied into the case when it is sent (``attach``). A resent form attaches nothing
twice: a file id already in the table is skipped.

The table is append-only like the others: a file scanned again later gets a new row with the
same id, and the last row of an id is the file's state (``files_of``).

When the case tables are in PostgreSQL, the bytes are kept in the same database instead
(``postgres.files``: the same methods), so every app server on that database can open them.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .table import fsync_directory

EVIDENCE = "evidence"
FOLDER = "evidence"
HELD_FOLDER = ("drafts", "files")
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A draft's id: its owner (16 hex digits) and a token, or an older id without an owner.
_DRAFT_ID = re.compile(r"^(?:[0-9a-f]{16}\.)?[A-Za-z0-9_-]{16,64}$")


class EvidenceDamaged(OSError):
    """A file is missing, or its bytes no longer match the checksum in its row."""


def new_file_id() -> str:
    return secrets.token_urlsafe(18)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def case_folder(data_dir: Path, ref: str) -> Path:
    """Where a case's files are: the reference as the folder name, with ``/`` (imported
    references) written as ``_`` as the letters folder does, and nothing that climbs out."""
    name = ref.replace("/", "_").replace("\\", "_")
    if name in ("", ".", "..") or name.startswith("."):
        name = "_" + name.lstrip(".")
    return Path(data_dir) / FOLDER / name


def write_durably(path: Path, data: bytes) -> None:
    """Write a whole file under a temporary name, fsync it, rename it into place, fsync the
    folder: after a crash the file is there whole, or not at all."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    fsync_directory(path.parent)


class EvidenceFiles:
    """The evidence of the cases in one store (``store.evidence``)."""

    def __init__(self, store):
        self.store = store
        self.data_dir = Path(store.data_dir)

    # -- held beside a draft --------------------------------------------------------------

    def _held_path(self, draft_id: str, file_id: str) -> Path:
        if not _DRAFT_ID.match(draft_id or "") or not _ID.match(file_id or ""):
            raise ValueError("not a draft or file id")
        return self.data_dir.joinpath(*HELD_FOLDER, draft_id, file_id)

    def hold(self, draft_id: str, file_id: str, data: bytes) -> None:
        write_durably(self._held_path(draft_id, file_id), data)

    def held(self, draft_id: str, file_id: str) -> bytes | None:
        try:
            return self._held_path(draft_id, file_id).read_bytes()
        except (OSError, ValueError):
            return None

    def drop_held(self, draft_id: str, file_id: str | None = None) -> None:
        """Forget one held file, or (no ``file_id``) every file held for a draft."""
        try:
            if file_id is None:
                folder = self.data_dir.joinpath(*HELD_FOLDER, draft_id)
                if _DRAFT_ID.match(draft_id or "") and folder.is_dir():
                    shutil.rmtree(folder)
            else:
                self._held_path(draft_id, file_id).unlink(missing_ok=True)
        except (OSError, ValueError):
            pass

    # -- cases ----------------------------------------------------------------------------

    def attach(
        self, ref: str, files: Sequence[tuple[Mapping[str, str], bytes]], contract=None
    ) -> int:
        """Store files for case ``ref``: each ``(row, bytes)``, the row without ``ref`` (filled
        in here). Files whose id the table holds already are skipped; the sizes and checksums
        are checked against the bytes, and each row against the schema when a ``Contract`` is
        given (ValueError naming the fields, before anything is written). Returns how many
        were added. Raises ``StoreWriteError`` (from ``Store.append``) if the rows could not be
        stored."""
        known = {file_id for (file_id,) in self.store.scan(EVIDENCE, ("id",))}
        for row, _data in files:
            problems = contract.check(EVIDENCE, {**row, "ref": ref}) if contract else []
            if problems:
                raise ValueError(f"evidence row refused: {sorted({p.field for p in problems})}")
        rows = []
        for row, data in files:
            if row["id"] in known or not _ID.match(row["id"]):
                continue
            check_bytes(row, data)
            write_durably(case_folder(self.data_dir, ref) / row["id"], data)
            rows.append({**row, "ref": ref})
        self.store.append(EVIDENCE, rows)
        return len(rows)

    def keep(self, ref: str, file_id: str, data: bytes) -> None:
        """Store the bytes of a file whose row is written later, or already was (moving a
        data directory between engines: the bytes first, so a row never names missing bytes)."""
        if not _ID.match(file_id or ""):
            raise ValueError("not a file id")
        write_durably(case_folder(self.data_dir, ref) / file_id, data)

    def remove_cases(self, refs: Iterable[str]) -> int:
        """Delete every file of the cases (retention purge, erasure); return how many went."""
        return remove_case_folders(self.data_dir, refs)

    def record_scan(self, row: Mapping[str, str], scan: str, finding: str, at: str) -> None:
        """A later verdict on a stored file: a new row for the same id."""
        self.store.append(EVIDENCE, [{**row, "scan": scan, "finding": finding, "at": at}])

    def files_of(self, ref: str) -> list[dict[str, str]]:
        """The case's files, each its latest row, in the order they were added."""
        latest: dict[str, dict[str, str]] = {}
        for row in self.store.rows(EVIDENCE):
            if row["ref"] == ref:
                latest[row["id"]] = row  # a dict keeps the first insertion's place
        return list(latest.values())

    def read(self, row: Mapping[str, str]) -> bytes:
        """The file's bytes, checked against its row's checksum."""
        if not _ID.match(row.get("id", "")):
            raise EvidenceDamaged("not a file id")
        try:
            data = (case_folder(self.data_dir, row["ref"]) / row["id"]).read_bytes()
        except OSError as exc:
            raise EvidenceDamaged(f"file {row['id']} cannot be read: {exc.strerror}") from None
        if sha256_of(data) != row["sha256"]:
            raise EvidenceDamaged(f"file {row['id']} does not match its checksum")
        return data


def check_bytes(row: Mapping[str, str], data: bytes) -> None:
    """EvidenceDamaged unless the bytes have the size and checksum their row says."""
    if sha256_of(data) != row["sha256"] or len(data) != int(row["size"]):
        raise EvidenceDamaged(f"file {row['id']} does not match its checksum")


def valid_ids(draft_id: str | None, file_id: str | None) -> bool:
    """Whether a draft id and a file id are well formed (both come from a person's request)."""
    return bool(_DRAFT_ID.match(draft_id or "") and _ID.match(file_id or ""))


def valid_file_id(file_id: str | None) -> bool:
    return bool(_ID.match(file_id or ""))


def remove_case_folders(data_dir: Path, refs: Iterable[str]) -> int:
    """Delete each case's evidence folder (retention purge, erasure); return how many files."""
    removed = 0
    parent = Path(data_dir) / FOLDER
    for ref in refs:
        folder = case_folder(data_dir, ref)
        if folder.is_dir():
            removed += sum(1 for path in folder.iterdir() if path.is_file())
            shutil.rmtree(folder)
    if removed and parent.is_dir():
        fsync_directory(parent)
    return removed
