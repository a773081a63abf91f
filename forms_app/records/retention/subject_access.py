"""Subject access: everything held about a person, as a folder or a ZIP (UK GDPR
Article 15: the person's right of access).

The person's cases are found by reference, or by matching their email (case-insensitive),
phone (digits only, +44 read as 0) or name (case and spacing ignored) against the personal
details stored, where they gave the details or were named as the person the feedback was about.
For each case: the submission, the personal details, every event, its letters, the files added
to it (evidence: those that passed the virus check; one refused for a virus or still being
checked is listed, not copied, so a request never carries malware), what the Google
Sheet outbox holds, the emails and texts to the person (the message outbox) and the audit trail
of staff who viewed or changed it (names of fields, no values).

Written as ``records.json`` (everything), one CSV per table, the letters as they were produced,
and ``cover-note.txt`` saying what is in it, what is not, and when the answer is due. Restricted
cases are included: answering a request is a legal obligation. Check for other people's details
(third parties, staff) before sending.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from forms_app.evidence import download_name
from forms_app.storage import EVENTS, EVIDENCE, PERSONAL, SUBMISSIONS, EvidenceDamaged

from .. import audit
from .reach import (
    invitation_entries,
    letter_files,
    message_entries,
    outbox_entries,
    tracking_entries,
)

TABLES = (SUBMISSIONS, PERSONAL, EVENTS, EVIDENCE)
#: The files copied into the answer: those passed by the virus check (or, outside production
#: with no scanner, not scanned).
COPIED_SCANS = ("clean", "not_scanned")


def due_date(received: date, is_working_day: Callable[[date], bool] | None = None) -> date:
    """One calendar month from the day received (ICO): the same day of the next month, or its
    last day if it has none (31 January -> 28 or 29 February); a weekend or bank holiday moves
    it to the next working day."""
    year, month = (
        (received.year + 1, 1) if received.month == 12 else (received.year, received.month + 1)
    )
    day = min(received.day, calendar.monthrange(year, month)[1])
    due = date(year, month, day)
    working = is_working_day or (lambda d: d.weekday() < 5)
    while not working(due):
        due += timedelta(days=1)
    return due


def _email(value: str) -> str:
    return value.strip().casefold()


def _phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    return digits


def _name(value: str) -> str:
    return " ".join(value.split()).casefold()


@dataclass
class AccessResult:
    output: Path
    refs: list[str] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)  # per table, plus letters, audit...
    due: date | None = None


def find_refs(parts, *, ref=None, email=None, phone=None, name=None) -> list[str]:
    refs: set[str] = set()
    if ref:
        row = parts.store.find(ref)
        if row is not None:
            refs.add(row["ref"])
    if email or phone or name:
        for row in parts.store.rows(PERSONAL):
            if (
                (email and row["email"] and _email(row["email"]) == _email(email))
                or (phone and row["phone"] and _phone(row["phone"]) == _phone(phone))
                or (name and _name(name) in {_name(row["name"]), _name(row["subject_name"])})
            ):
                refs.add(row["ref"])
    return sorted(refs)


def _audit_entries(data_dir: Path, refs: set[str]) -> list[dict]:
    keys = ("utc_ts", "actor", "action", "ref", "fields")
    return [{k: entry[k] for k in keys} for entry in audit.entries_for(data_dir, refs)]


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def subject_access(
    parts,
    output: Path,
    *,
    actor: str,
    ref: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    received: date | None = None,
    now: datetime | None = None,
) -> AccessResult:
    """Write everything held about the person to ``output`` (a ``.zip`` file or a folder)."""
    if not (ref or email or phone or name):
        raise ValueError("give a reference, an email, a phone number or a name")
    data_dir = parts.settings.data_dir
    now = now or datetime.now(UTC)
    refs = find_refs(parts, ref=ref, email=email, phone=phone, name=name)
    wanted = set(refs)
    rows = {
        table: [row for row in parts.store.rows(table) if row["ref"] in wanted] for table in TABLES
    }
    files: dict[str, bytes] = {}
    cases = []
    letters_count = 0
    evidence_count = 0
    outbox = outbox_entries(data_dir, refs)
    messages = message_entries(data_dir, refs)
    tracking = tracking_entries(data_dir, refs)
    invited = invitation_entries(data_dir, refs)
    trail = _audit_entries(data_dir, wanted)
    for case_ref in refs:
        letters = []
        for name_in_zip, data in letter_files(data_dir, case_ref).items():
            files[name_in_zip] = data
            letters.append(name_in_zip)
        letters_count += len(letters)
        evidence = _evidence_files(parts, case_ref, files)
        evidence_count += sum(1 for item in evidence if item["copied_as"])
        cases.append(
            {
                "ref": case_ref,
                "submission": next((r for r in rows[SUBMISSIONS] if r["ref"] == case_ref), None),
                "personal": [r for r in rows[PERSONAL] if r["ref"] == case_ref],
                "events": [r for r in rows[EVENTS] if r["ref"] == case_ref],
                "letters": letters,
                "evidence": evidence,
                "sheet_outbox": outbox.get(case_ref),
                "messages": messages.get(case_ref, []),
                "tracking_page": tracking.get(case_ref),
                "survey_invitations": invited.get(case_ref, []),
                "audit_trail": [e for e in trail if e["ref"] == case_ref],
            }
        )
    due = due_date(received or now.date(), parts.calendar.is_working_day)
    document = {
        "made_at": now.isoformat(timespec="seconds"),
        "due": due.isoformat(),
        "cases": cases,
    }
    files["records.json"] = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    for table in TABLES:
        columns = [c for c in parts.contract.columns(table) if c != "crc"]
        files[package_file(table)] = _csv(rows[table], columns)
    counts = {table: len(rows[table]) for table in TABLES}
    counts.update(
        letters=letters_count,
        evidence_files=evidence_count,
        outbox=len(outbox),
        messages=sum(len(found) for found in messages.values()),
        audit=len(trail),
    )
    files["cover-note.txt"] = _cover_note(parts, refs, counts, due, now).encode("utf-8")
    output = Path(output)
    _write(output, files)
    how = [
        label
        for label, value in (("ref", ref), ("email", email), ("phone", phone), ("name", name))
        if value
    ]
    for case_ref in refs or [None]:
        audit.record(
            data_dir,
            actor=actor,
            action="records.subject_access",
            ref=case_ref,
            fields=list(TABLES),
            detail=f"matched_by={'+'.join(how)} cases={len(refs)}",
        )
    return AccessResult(output, refs, counts, due)


def _evidence_files(parts, ref: str, files: dict[str, bytes]) -> list[dict]:
    """The case's files, each with where it is in the answer ("" when not copied)."""
    listed = []
    for row in parts.store.evidence.files_of(ref):
        name_in_zip = ""
        if row["scan"] in COPIED_SCANS:
            name_in_zip = f"evidence/{ref.replace('/', '_')}/{row['id'][:8]}-"
            name_in_zip += download_name(row["name"], row["kind"])
            try:
                files[name_in_zip] = parts.store.evidence.read(row)
            except EvidenceDamaged:
                name_in_zip = ""
        listed.append({"name": row["name"], "scan": row["scan"], "copied_as": name_in_zip})
    return listed


def package_file(table: str) -> str:
    """The name of a table's CSV in the subject access folder (the person's copy)."""
    return f"{table}.csv"


def _cover_note(parts, refs, counts, due, now) -> str:
    organisation = parts.settings.organisation.get("name", "")
    lines = [
        f"Subject access: the information {organisation} holds about you",
        "",
        f"Made on {now.date().isoformat()}. Answer due by {due.isoformat()} "
        "(one calendar month from receiving the request).",
        "",
        f"Cases found: {len(refs)}" + (f" ({', '.join(refs)})" if refs else ""),
        f"- what you told us ({package_file(SUBMISSIONS)}): {counts[SUBMISSIONS]} rows",
        f"- your contact details ({package_file(PERSONAL)}): {counts[PERSONAL]} rows",
        f"- what happened to each case ({package_file(EVENTS)}): {counts[EVENTS]} rows",
        f"- letters we produced (letters/): {counts['letters']} files",
        f"- files added to your case ({package_file(EVIDENCE)}, evidence/): "
        f"{counts[EVIDENCE]} rows, {counts['evidence_files']} files (a file refused for a virus "
        "is listed but not copied)",
        f"- entries in the Google Sheet outbox: {counts['outbox']} cases",
        f"- emails and texts we sent you or are about to send: {counts['messages']}",
        f"- audit trail of staff who looked at or changed your case: {counts['audit']} entries",
        "",
        "Survey answers: if you answered our survey about how we handled your case, your",
        "answers are anonymous. They are kept apart from your case, with no name, reference or",
        "date finer than the month, so we cannot find them or tell which were yours. records.json",
        "says only whether you were invited and whether the invitation was used.",
        "",
        "Equality monitoring answers: if you answered our optional questions about yourself",
        "(such as your age or ethnic group) after sending your feedback, your answers are",
        "anonymous. They were never joined to your feedback, have no name, reference or date",
        "finer than the month, and no record says who was asked, so we cannot find them.",
        "",
        "records.json holds all of it in one file. The CSV files open in a spreadsheet.",
        "",
        "Not included: copies in the shared Google Sheet (the same case details as above) and",
        "in encrypted backups, which are deleted on their own schedule.",
        "",
        "Before sending (staff): check for other people's details, for example a relative or a",
        "member of staff named in the text, and remove or justify them.",
    ]
    return "\n".join(lines) + "\n"


def _write(output: Path, files: dict[str, bytes]) -> None:
    if output.suffix.lower() == ".zip":
        output.parent.mkdir(parents=True, exist_ok=True)
        temporary = output.with_name(output.name + ".tmp")
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in sorted(files.items()):
                archive.writestr(name, data)
        temporary.replace(output)
        return
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, data in files.items():
        path = output / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_bytes(data)
