"""Erasure, refusal, restriction and legal hold, each with a reason code.

- ``erase``: the whole case goes from every table, its letters, files (evidence), drafts and
  outbox entries, by atomic rewrite; only for the reasons in ``flags.ERASE_REASONS`` (for
  example a malicious allegation about a named staff member, UK GDPR Art 17(1)(g) style) and
  never under legal hold.
  Afterwards the data directory is scanned for the person's name, email and phone: places that
  still hold them (another case they are named in) are reported by reference, never by value.
- ``refuse``: the usual answer for complaint records. A ``note`` event (``value``
  ``erasure_refused``, ``note`` the reason code) and an audit entry, both with the reason code.
- ``restrict`` / ``unrestrict``: the ``restricted`` flag (Art 18), which keeps the case out of
  staff exports and published free text; the case stays stored.
- ``hold`` / ``release``: the ``legal_hold`` flag, which stops purge and erasure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from forms_app.casework.events import event, record
from forms_app.casework.flags import (
    ERASE_REASONS,
    LEGAL_HOLD,
    REFUSAL_REASONS,
    RESTRICT_REASONS,
    RESTRICTED,
)
from forms_app.storage import EVENTS, EVIDENCE, PERSONAL, SUBMISSIONS

from .. import audit
from ..exporting import case_states
from .reach import clear_beyond
from .rewrite import finish_pending, remove_cases

TOKEN_FIELDS = ("name", "email", "phone", "subject_name", "address", "postcode")
_MIN_TOKEN = 4


class RecordsError(ValueError):
    """The operation cannot be done as asked (unknown case, reason, or a legal hold)."""


@dataclass
class ErasureResult:
    ref: str
    reason: str
    removed: dict = field(default_factory=dict)
    residual: list[str] = field(default_factory=list)  # "file: place", never the values


def _case(parts, ref: str):
    row = parts.store.find(ref)
    if row is None:
        raise RecordsError(f"no case with reference {ref}")
    events = [e for e in parts.store.rows(EVENTS) if e["ref"] == row["ref"]]
    return row, case_states(parts, [row], events)[row["ref"]]


def _check(reason: str, allowed: dict, what: str) -> None:
    if reason not in allowed:
        raise RecordsError(f"{what} needs a reason code: one of {', '.join(sorted(allowed))}")


def tokens_of(person: dict[str, str] | None) -> list[str]:
    """The person's identifying values worth scanning for (short ones match too much)."""
    if not person:
        return []
    out = []
    for name in TOKEN_FIELDS:
        value = (person.get(name) or "").strip()
        if name == "address":
            out += [line.strip() for line in value.splitlines() if len(line.strip()) >= 8]
        elif len(value) >= _MIN_TOKEN:
            out.append(value)
    return out


def scan_for_tokens(data_dir: Path, tokens: list[str]) -> list[str]:
    """Every file under ``data_dir`` holding any token (casefolded; phones also as digits)."""
    wanted = [t.casefold().encode("utf-8") for t in tokens if t]
    digits = [re.sub(r"\D", "", t).encode() for t in tokens if len(re.sub(r"\D", "", t)) >= 9]
    found = []
    for path in sorted(Path(data_dir).rglob("*")):
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        folded = data.decode("utf-8", errors="replace").casefold().encode("utf-8")
        bare = re.sub(rb"\D", b"", data) if digits else b""
        if any(t in folded for t in wanted) or any(d in bare for d in digits):
            found.append(str(path.relative_to(data_dir)))
    return found


def _where_tokens(parts, tokens: list[str]) -> list[str]:
    """Which rows still hold a token: ``table:ref`` (refs are not personal values)."""
    folded = [t.casefold() for t in tokens]
    places = []
    for table in (SUBMISSIONS, PERSONAL, EVENTS, EVIDENCE):
        for row in parts.store.rows(table):
            text = " ".join(row.values()).casefold()
            if any(t in text for t in folded):
                places.append(f"{table}:{row['ref']}")
    return sorted(set(places))


def erase(parts, ref: str, reason: str, *, actor: str) -> ErasureResult:
    _check(reason, ERASE_REASONS, "erasure")
    data_dir = parts.settings.data_dir
    finish_pending(parts.store, clear_beyond(data_dir))
    row, case = _case(parts, ref)
    ref = row["ref"]
    if LEGAL_HOLD in case.flags:
        raise RecordsError(f"{ref} is under a legal hold: release it first, or refuse")
    person = next((p for p in parts.store.rows(PERSONAL) if p["ref"] == ref), None)
    tokens = tokens_of(person)
    removed = remove_cases(
        parts.store, [ref], operation="erase", beyond=clear_beyond(data_dir, tokens)
    )
    result = ErasureResult(ref, reason, removed)
    if tokens:
        result.residual = _where_tokens(parts, tokens)
    audit.record(
        data_dir,
        actor=actor,
        action="records.erase",
        ref=ref,
        fields=["submissions", "personal", "events", "evidence", "letters", "drafts", "outbox"],
        detail=f"reason={reason} residual_places={len(result.residual)}",
    )
    return result


def refuse(parts, ref: str, reason: str, *, actor: str) -> dict:
    """Record that an erasure request was refused, with its reason code."""
    _check(reason, REFUSAL_REASONS, "a refusal")
    row, _case_state = _case(parts, ref)
    ref = row["ref"]
    rows = [event(ref, actor, "note", value="erasure_refused", note=reason)]
    record(parts.store, parts.contract, rows)
    audit.record(
        parts.settings.data_dir,
        actor=actor,
        action="records.refuse_erasure",
        ref=ref,
        detail=f"reason={reason}",
    )
    return rows[0]


def _flag(
    parts, ref: str, flag: str, on: bool, note: str, *, actor: str, action: str, code: str = ""
) -> bool:
    """Set or clear a flag; False if it already was as asked (still audited)."""
    row, case = _case(parts, ref)
    ref = row["ref"]
    changed = (flag in case.flags) != on
    if changed:
        type_ = "flag_set" if on else "flag_cleared"
        record(parts.store, parts.contract, [event(ref, actor, type_, value=flag, note=note)])
    audit.record(
        parts.settings.data_dir,
        actor=actor,
        action=action,
        ref=ref,
        fields=[flag],
        detail=f"changed={'yes' if changed else 'no'}" + (f" reason={code}" if code else ""),
    )
    return changed


def restrict(parts, ref: str, reason: str, *, actor: str) -> bool:
    _check(reason, RESTRICT_REASONS, "restriction")
    return _flag(
        parts, ref, RESTRICTED, True, reason, actor=actor, action="records.restrict", code=reason
    )


def unrestrict(parts, ref: str, *, actor: str) -> bool:
    return _flag(parts, ref, RESTRICTED, False, "", actor=actor, action="records.unrestrict")


def hold(parts, ref: str, reason: str, *, actor: str) -> bool:
    if not reason.strip():
        raise RecordsError("a legal hold needs a reason (for example the claim or inquiry)")
    return _flag(parts, ref, LEGAL_HOLD, True, reason.strip(), actor=actor, action="records.hold")


def release(parts, ref: str, *, actor: str) -> bool:
    return _flag(parts, ref, LEGAL_HOLD, False, "", actor=actor, action="records.release")
