"""A small synthetic data set for the report tests, built event by event, whose figures are
worked out by hand in tests/reports/test_figures.py.

Procedure: Wales social services (acknowledge 2 working days; stage 1 "local_resolution" 10
working days; stage 2 "investigation" 25 working days; Welsh bank holidays; closed 24 December).
Every person is invented; phone numbers are in the 07700 900xxx drama range; NHS numbers are in
the 999 test range. Nothing here is about a real person.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.storage.contract import Contract
from forms_app.storage.table import Table

PROCEDURE = "wales-social-services-2014"
LR, INV = "local_resolution", "investigation"

#: Staff directory: username -> (name, roles)
STAFF = {
    "pat.publisher": ("Pat Pennyworth", ["publisher"]),
    "priya.publisher": ("Priya Ravensdale", ["publisher"]),
    "olive.officer": ("Olive Oakenshaw", ["officer"]),
}

PEOPLE = {
    # ref: (name, email, phone, postcode, address, subject)
    "C1": (
        "Zebedee Quarrington-Ŵyn",
        "zebedee.q@example.com",
        "07700 900123",
        "CF99 1ZZ",
        "12 Heol y Felin\nTrefenghraifft",
        "",
    ),
    "C2": (
        "Bronwen Tudur-Hall",
        "bronwen.th@example.com",
        "07700 900456",
        "SA1 9XX",
        "3 Orchard Close\nSampleford",
        "Gethin Tudur-Hall",
    ),
    "C7": (
        "Ffion Marchbanks",
        "ffion.m@example.com",
        "07700 900789",
        "EX1 2AB",
        "8 Mill Lane\nExampleton",
        "",
    ),
    "C12": (
        "Ifor Penhallow",
        "ifor.penhallow@example.com",
        "07700 900321",
        "CF99 1ZZ",
        "40 Station Road\nTrefenghraifft",
        "",
    ),
}

DETAILS = {
    "C1": "The evening carer came two hours late on four nights and my mother missed her "
    "tablets each time.",
}


def _sub(ref, received, kind, service, **extra):
    return {"ref": ref, "received": received, "kind": kind, "service": service, **extra}


def _ev(ref, at, type_, **values):
    return {"ref": ref, "at": at, "type": type_, **values}


def cases() -> tuple[list[dict], list[dict]]:
    """(submissions, events) of the data set. Times are UTC; the dates are what count."""
    subs, events = [], []

    def t(day: str, hour: str = "12:00") -> str:
        return f"{day}T{hour}:00+00:00"

    # C1: complaint, home care, 7 Apr 2025; on time throughout; upheld; two themes.
    subs.append(
        _sub(
            "C1",
            t("2025-04-07", "10:00"),
            "complaint",
            "home-care",
            on_behalf="self",
            details=DETAILS["C1"],
        )
    )
    events += [
        _ev("C1", t("2025-04-08"), "acknowledged", stage=LR),
        _ev("C1", t("2025-04-08"), "theme_added", value="communication"),
        _ev("C1", t("2025-04-08"), "theme_added", value="waiting-times"),
        _ev("C1", t("2025-04-17"), "responded", stage=LR),
        _ev("C1", t("2025-04-17"), "outcome_recorded", stage=LR, outcome="upheld"),
        _ev("C1", t("2025-04-18"), "closed"),
    ]
    # C2: complaint, home care, 1 May 2025; stage 1 late; stage 2 acknowledged late, extended,
    # answered within the extension; then the ombudsman.
    subs.append(
        _sub("C2", t("2025-05-01", "10:00"), "complaint", "home-care", on_behalf="someone_else")
    )
    events += [
        _ev("C2", t("2025-05-06"), "acknowledged", stage=LR),
        _ev("C2", t("2025-05-06"), "theme_added", value="communication"),
        _ev("C2", t("2025-05-06"), "theme_added", value="staff-attitude"),
        _ev("C2", t("2025-05-07"), "theme_removed", value="staff-attitude"),
        _ev("C2", t("2025-05-20"), "responded", stage=LR),
        _ev("C2", t("2025-05-20"), "outcome_recorded", stage=LR, outcome="not_upheld"),
        _ev("C2", t("2025-05-21"), "closed"),
        _ev("C2", t("2025-06-03"), "stage_entered", stage=INV, value="2025-06-02"),
        _ev("C2", t("2025-06-05"), "acknowledged", stage=INV),
        _ev("C2", t("2025-06-20"), "extension_agreed", stage=INV, value="2025-07-31"),
        _ev("C2", t("2025-07-25"), "responded", stage=INV),
        _ev("C2", t("2025-07-25"), "outcome_recorded", stage=INV, outcome="partially_upheld"),
        _ev("C2", t("2025-07-28"), "closed"),
        _ev(
            "C2",
            t("2025-08-01"),
            "action_added",
            value="A-00c201",
            note="Check call times every week",
        ),
        _ev("C2", t("2025-09-01"), "ombudsman_referred", value="2025-09-01"),
        _ev("C2", t("2025-12-01"), "ombudsman_outcome", outcome="not_upheld"),
        _ev("C2", t("2025-12-02"), "closed"),
    ]
    # C3: complaint received in 2024-25, answered at stage 1 in 2025-26, then stage 2.
    subs.append(_sub("C3", t("2025-03-20", "10:00"), "complaint", "community-nursing"))
    events += [
        _ev("C3", t("2025-03-21"), "acknowledged", stage=LR),
        _ev("C3", t("2025-03-21"), "theme_added", value="quality-of-care"),
        _ev("C3", t("2025-04-02"), "responded", stage=LR),
        _ev("C3", t("2025-04-02"), "outcome_recorded", stage=LR, outcome="resolved"),
        _ev("C3", t("2025-04-03"), "closed"),
        _ev("C3", t("2025-04-10"), "stage_entered", stage=INV),
        _ev("C3", t("2025-05-14"), "responded", stage=INV),
        _ev("C3", t("2025-05-14"), "outcome_recorded", stage=INV, outcome="not_upheld"),
        _ev("C3", t("2025-05-15"), "closed"),
    ]
    # C4: complaint, 30 Mar 2026, not yet acknowledged (due 1 Apr 2026).
    subs.append(_sub("C4", t("2026-03-30", "10:00"), "complaint", "mental-health"))
    events += [
        _ev("C4", t("2026-03-30"), "theme_added", value="communication"),
        _ev("C4", t("2026-03-30"), "theme_added", value="access"),
    ]
    # C5: an enquiry on 1 Oct 2025 that became a complaint on 3 Oct.
    subs.append(_sub("C5", t("2025-10-01", "10:00"), "enquiry", "home-care"))
    events += [
        _ev("C5", t("2025-10-03", "09:00"), "kind_changed", kind="complaint"),
        _ev("C5", t("2025-10-03"), "acknowledged"),
    ]
    # C6: complaint in 2024-25, upheld and closed then.
    subs.append(_sub("C6", t("2024-06-10", "10:00"), "complaint", "community-nursing"))
    events += [
        _ev("C6", t("2024-06-11"), "acknowledged", stage=LR),
        _ev("C6", t("2024-06-20"), "responded", stage=LR),
        _ev("C6", t("2024-06-20"), "outcome_recorded", stage=LR, outcome="upheld"),
        _ev("C6", t("2024-07-01"), "closed"),
    ]
    # C7, C8: compliments; C7 approved by a publisher, C8 "approved" by an officer.
    subs.append(_sub("C7", t("2025-06-15", "10:00"), "compliment", "home-care"))
    events += [
        _ev("C7", t("2025-06-16"), "closed"),
        _ev(
            "C7",
            t("2025-06-20"),
            "publication_approved",
            actor="pat.publisher",
            note="Ffion wrote: the carers were so kind to Mam, and Olive Oakenshaw rang every "
            "week. Call me on 07700 900789 if you want to know more.",
        ),
    ]
    subs.append(_sub("C8", t("2025-07-01", "10:00"), "compliment", "community-nursing"))
    events += [
        _ev("C8", t("2025-07-02"), "closed"),
        _ev(
            "C8",
            t("2025-07-03"),
            "publication_approved",
            actor="olive.officer",
            note="The nurse was wonderful.",
        ),
    ]
    # C9 concern; C10 comment (2023-24); C11 enquiry (2024-25).
    subs.append(_sub("C9", t("2025-08-01", "10:00"), "concern", "home-care"))
    events.append(_ev("C9", t("2025-08-04"), "closed"))
    subs.append(_sub("C10", t("2023-05-05", "10:00"), "comment", "home-care"))
    subs.append(_sub("C11", t("2024-11-11", "10:00"), "enquiry", "home-care"))
    # C12: complaint, approved as "you said, we did", with a learning action completed.
    subs.append(_sub("C12", t("2025-11-03", "10:00"), "complaint", "home-care"))
    events += [
        _ev("C12", t("2025-11-04"), "acknowledged", stage=LR),
        _ev("C12", t("2025-11-04"), "theme_added", value="quality-of-care"),
        _ev("C12", t("2025-11-14"), "responded", stage=LR),
        _ev("C12", t("2025-11-14"), "outcome_recorded", stage=LR, outcome="upheld"),
        _ev("C12", t("2025-11-15"), "closed"),
        _ev("C12", t("2025-11-20"), "action_added", value="A-00c121", note="Change the rota"),
        _ev("C12", t("2026-01-10"), "action_completed", value="A-00c121"),
        _ev(
            "C12",
            t("2025-11-21"),
            "publication_approved",
            actor="pat.publisher",
            note="You told us the morning visits were often late. We changed the rota so "
            "that the same carers cover your area.",
        ),
    ]
    # C13: complaint withdrawn.
    subs.append(_sub("C13", t("2025-09-09", "10:00"), "complaint", "community-nursing"))
    events += [
        _ev("C13", t("2025-09-10"), "acknowledged", stage=LR),
        _ev("C13", t("2025-09-20"), "withdrawn"),
    ]
    # B1-B5: complaints about carers' support, 2-6 June 2025, acknowledged the same day, open.
    for k in range(5):
        ref, day = f"B{k + 1}", f"2025-06-0{k + 2}"
        subs.append(_sub(ref, t(day, "10:00"), "complaint", "carers-support"))
        events += [
            _ev(ref, t(day), "acknowledged", stage=LR),
            _ev(ref, t(day), "theme_added", value="communication"),
            _ev(ref, t(day), "theme_added", value="waiting-times"),
        ]
    return subs, events


def write_data(data_dir: Path, extra_events: list[dict] = ()) -> Path:
    """The data set as a data directory (rows encoded by the store, with checksums)."""
    contract = Contract()
    data_dir.mkdir(parents=True, exist_ok=True)
    contract.write_descriptor(data_dir)
    blank = {
        name: {c: "" for c in contract.columns(name) if c != "crc"}
        for name in contract.resource_names
    }
    subs, events = cases()
    rows = []
    for k, sub in enumerate(subs):
        rows.append(
            {
                **blank["submissions"],
                "idempotency_key": f"report-test-key-{k:06d}",
                "variant": "standard",
                "language": "en",
                "channel": "online",
                "procedure": PROCEDURE,
                "details": "Details.",
                "anonymous": "false",
                **sub,
            }
        )
    Table(data_dir / "submissions.csv", contract.columns("submissions")).append(rows)
    people = []
    for ref, (name, email, phone, postcode, address, subject) in PEOPLE.items():
        people.append(
            {
                **blank["personal"],
                "ref": ref,
                "name": name,
                "email": email,
                "phone": phone,
                "postcode": postcode,
                "address": address,
                "subject_name": subject,
                "preferred_contact": "email",
            }
        )
    Table(data_dir / "personal.csv", contract.columns("personal")).append(people)
    rows = []
    for k, event in enumerate([*events, *extra_events]):
        rows.append(
            {**blank["events"], "event_id": f"evt{k:08d}", "actor": "olive.officer", **event}
        )
    Table(data_dir / "events.csv", contract.columns("events")).append(rows)
    users = {
        name: {
            "username": name,
            "name": full,
            "email": f"{name}@staff.example.org",
            "roles": roles,
            "services": [],
            "disabled": False,
        }
        for name, (full, roles) in STAFF.items()
    }
    (data_dir / "users.json").write_text(json.dumps({"version": 1, "users": users}), "utf-8")
    return data_dir


def write_settings(directory: Path, data_dir: Path, **reports) -> Path:
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text(encoding="utf-8"))
    raw["procedure"] = PROCEDURE
    raw["data_dir"] = str(data_dir)
    if reports:
        raw["reports"] = reports
    path = directory / "settings.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def loaded(tmp_path: Path, name: str, extra_events=()):
    """The report's data set folded as ``feedback report`` folds it (``reports.loading.load``),
    written under ``tmp_path / name`` with ``extra_events`` added to its cases."""
    from forms_app.organisation.settings import load_settings
    from forms_app.reports.loading import load

    folder = tmp_path / name
    data_dir = write_data(folder / "data", extra_events=list(extra_events))
    return load(data_dir, load_settings(write_settings(folder, data_dir)))


def merge_events(duplicate: str, survivor: str, at: str = "2025-05-01T12:00:00+00:00"):
    """The two events a merge writes: ``duplicate`` merged into ``survivor``."""
    return [
        {"ref": duplicate, "at": at, "type": "merged_into", "value": survivor},
        {"ref": survivor, "at": at, "type": "merged_from", "value": duplicate},
    ]
