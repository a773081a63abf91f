"""An ``evidence`` row for given bytes, as the upload pages make one for a clean file, for tests
and benchmarks that attach files to cases directly."""

from __future__ import annotations

from forms_app.storage.evidence import new_file_id, sha256_of


def evidence_row(data: bytes, name: str = "ward.png", kind: str = "png", **changes) -> dict:
    """The row of a file of ``data`` (a new file id, its size and checksum, scanned clean),
    with ``changes`` made to it."""
    row = {
        "id": new_file_id(),
        "name": name,
        "kind": kind,
        "size": str(len(data)),
        "sha256": sha256_of(data),
        "scan": "clean",
        "finding": "",
        "added_by": "person",
        "at": "2026-12-07T06:00:00.000000+00:00",
    }
    row.update(changes)
    return row
