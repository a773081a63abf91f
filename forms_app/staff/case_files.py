"""A case's files on the staff pages: the list on the case page, adding files, downloading one.

A file opens only once ClamAV has passed it (or, outside production with no scanner, it is
marked "not scanned"): one still "being checked" is scanned again when the case page is shown,
and one with a virus is kept in quarantine and never served. A download is sent as an
attachment with a type that browsers do not run (``X-Content-Type-Options: nosniff``), under
the same access rule as the case page, and audited.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from forms_app.casework.transitions import Actor, Refused, refuse_while_restricted
from forms_app.evidence import (
    CLEAN,
    INFECTED,
    KINDS,
    NOT_SCANNED,
    PENDING,
    Refusal,
    ScannerUnavailable,
    download_name,
    safe_name,
)
from forms_app.journeys.pages import FILE_PROBLEMS
from forms_app.storage import EvidenceDamaged, StoreWriteError
from forms_app.web.parts import parts
from forms_app.web.uploads import (
    chosen_files,
    limits,
    now,
    receive,
    register_too_large_page,
    scanner,
    size_in_words,
)

from . import blueprint
from .context import audit_log, today, user, visible_case

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")
OPENABLE = (CLEAN, NOT_SCANNED)
KIND_NAMES = {
    "jpeg": "Photo (JPEG)",
    "png": "Picture (PNG)",
    "heic": "Photo (HEIC)",
    "pdf": "PDF",
    "docx": "Word document",
    "text": "Text",
}


def rescan_pending(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Scan again the files still being checked; the rows as they now stand."""
    found = scanner()
    if found is None or not any(row["scan"] == PENDING for row in rows):
        return rows
    evidence = parts().store.evidence
    out = []
    for row in rows:
        if row["scan"] == PENDING:
            try:
                verdict = found.scan(evidence.read(row))
                evidence.record_scan(row, verdict.state, verdict.signature, now())
                row = {**row, "scan": verdict.state, "finding": verdict.signature}
            except (ScannerUnavailable, EvidenceDamaged, StoreWriteError) as exc:
                log.warning("evidence: %s still being checked: %s", row["id"], exc)
        out.append(row)
    return out


def files_section(ref: str, events: list[dict] = ()) -> list[dict[str, object]]:
    """The case's files as the case page lists them (``events``: the case's, which say which
    of the person's files came later, from the tracking page)."""
    rows = rescan_pending(parts().store.evidence.files_of(ref))
    later = {e["value"] for e in events if e["type"] == "person_added_file"}
    listed = []
    for row in rows:
        if row["added_by"] == "person":
            added_by = (
                "The person, from the tracking page"
                if row["id"] in later
                else "The person, with their feedback"
            )
        else:
            added_by = row["added_by"]
        at = datetime.fromisoformat(row["at"]).astimezone(LONDON)
        listed.append(
            {
                "name": row["name"],
                "kind": KIND_NAMES.get(row["kind"], row["kind"]),
                "size": size_in_words(max(int(row["size"]), 1024)),
                "added_by": added_by,
                "when": at.strftime("%-d %b %Y %H:%M"),
                "scan": row["scan"],
                "finding": row.get("finding", ""),
                "url": url_for("staff.case_file", ref=ref, file_id=row["id"])
                if row["scan"] in OPENABLE
                else None,
            }
        )
    return listed


def files_offered() -> bool:
    return scanner() is not None


@blueprint.route("/cases/<ref>/files/<file_id>")
def case_file(ref, file_id):
    case = visible_case(ref)
    row = next((r for r in parts().store.evidence.files_of(case.ref) if r["id"] == file_id), None)
    if row is None or row["scan"] not in OPENABLE:
        # A file being checked or in quarantine is never served, whatever the address.
        abort(404)
    try:
        data = parts().store.evidence.read(row)
    except EvidenceDamaged as exc:
        log.error("evidence: %s", exc)
        abort(404)
    audit_log("case.file_download", ref=case.ref, fields=["evidence"], detail=file_id)
    kind = KINDS[row["kind"]]
    response = Response(data, mimetype=kind.media_type)
    response.headers["Content-Disposition"] = _attachment(download_name(row["name"], row["kind"]))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    # Nothing in a file may run, even if a browser were to show it.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _attachment(name: str) -> str:
    """A Content-Disposition naming the file safely (RFC 6266: an ASCII fallback, and the real
    name percent-encoded as UTF-8)."""
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    ascii_name = ascii_name.replace('"', "_").replace("\\", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@blueprint.route("/cases/<ref>/files", methods=["POST"])
def case_add_files(ref):
    case = visible_case(ref)
    back = url_for("staff.case", ref=case.ref) + "#files"
    try:
        refuse_while_restricted(case, Actor(user().username, today()), "adding files")
    except Refused as refusal:
        flash(refusal.reason, "refused")
        return redirect(back, code=303)
    if scanner() is None:
        abort(404)
    chosen = limits()
    existing = parts().store.evidence.files_of(case.ref)
    added, refused = [], []
    for upload in chosen_files(request.files.getlist("files")):
        name = safe_name(upload.filename)
        try:
            if len(existing) + len(added) >= chosen.files * 5:
                # Staff may add more than a person, but not without end.
                raise Refusal("too_many")
            got = receive(upload, name)
        except Refusal as refusal:
            refused.append(_staff_problem(refusal.code, name))
            continue
        row = {**got.row, "added_by": user().username, "at": now()}
        added.append((row, got.data))
        if row["scan"] == INFECTED:
            refused.append(f"{name} contains a virus ({row['finding']}): it is kept in quarantine.")
    if added:
        try:
            parts().store.evidence.attach(case.ref, added, parts().contract)
        except (StoreWriteError, EvidenceDamaged, OSError, ValueError) as exc:
            log.error("evidence: staff files not stored: %s", exc)
            flash("The files could not be stored. Nothing was added: try again.")
            return redirect(back, code=303)
        audit_log("case.file_add", ref=case.ref, fields=["evidence"], detail=str(len(added)))
    for message in refused:
        flash(message)
    clean = sum(1 for row, _data in added if row["scan"] != INFECTED)
    if clean:
        flash(f"{clean} file{'s' if clean != 1 else ''} added.")
    return redirect(back, code=303)


def _staff_problem(code: str, name: str) -> str:
    context = {
        "name": name,
        "max_files": limits().files * 5,
        "max_size": size_in_words(limits().file_bytes),
    }
    return FILE_PROBLEMS[code].get("standard", context) + "."


def too_large():
    """An upload over the request size limit: a page saying so, with the way back to the case
    (status 413, as for any request over its limit)."""
    ref = (request.view_args or {}).get("ref", "")
    g.setdefault("language", "en")
    body = [
        "The files were too big together: add them a few at a time, each smaller than "
        f"{size_in_words(limits().file_bytes)}.",
        f"Go back to the case ({url_for('staff.case', ref=ref)}) and try again.",
    ]
    return render_template("error.html", title="The files were too big", body=body), 413


@blueprint.record_once
def _register_too_large_page(setup) -> None:
    register_too_large_page(setup.app, "staff.case_add_files", too_large)
