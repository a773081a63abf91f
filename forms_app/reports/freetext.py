"""Free text in a report: "you said, we did" examples and compliments, only where approved.

A case's public summary is published only when:

- its latest ``publication_approved`` event holds a written summary (the event's note), made by
  a member of staff who has the ``publisher`` role in the staff directory (``users.json``)
  and whose account is active;
- if the settings say ``reports: second_approval: true``, a second, different publisher has
  approved the same words;
- the case is not flagged confidential or safeguarding;
- the case is not restricted (UK GDPR Art 18, ``feedback records restrict``): publishing its
  words is processing beyond storage, which restriction stops, approved or not.

The summary is then de-identified (``deidentify``): names and contact details become a
smiling face (the person's and their subject's names, whole and each part, email, phone,
postcode and address; staff names, usernames and emails; anything shaped like an email, UK
phone number, NHS number or postcode), dates, ages, titles and the organisation's local places
become a marker ("[date]", "[age]", "[title]", "[place]"), and gendered words neutral ones.
The approver saw the same result beside their words before approving. The PII gate still
checks it, with the rest of the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forms_app.casework.flags import is_restricted
from forms_app.storage.store import PERSONAL

from .counted import Counted
from .deidentify import NAME_MARK, Knowledge, deidentified, places_from_settings
from .loading import Dataset
from .periods import Period
from .sources import open_tables, staff_directory
from .words import Names

SMILE = NAME_MARK


@dataclass
class Item:
    ref: str  # never published: for the tests and the command's summary
    kind: str  # compliment, or the kind of feedback for "you said, we did"
    service: dict[str, str]
    text: str
    outcome: str = ""


def _norm(text: str) -> str:
    return " ".join((text or "").split())


def approval(case: Counted, users: dict, second: bool) -> str | None:
    """The approved public summary of a case, or None (see the module docstring)."""
    approvals = case.approvals
    if not approvals or "confidential" in case.flags or "safeguarding" in case.flags:
        return None
    if is_restricted(case):
        return None
    latest_actor, latest_note = approvals[-1]
    text = _norm(latest_note)
    if not text:
        return None

    def publisher(actor: str) -> bool:
        user = users.get(actor)
        return bool(user) and "publisher" in (user.get("roles") or []) and not user.get("disabled")

    if not publisher(latest_actor):
        return None
    actors = {actor for actor, note in approvals if _norm(note) == text and publisher(actor)}
    if second and len(actors) < 2:
        return None
    return latest_note.strip()


def load_users(data_dir: Path, settings=None) -> dict[str, dict]:
    """The staff directory (``sources.staff_directory``)."""
    return staff_directory(data_dir, settings)


def approved_items(
    dataset: Dataset, period: Period, names: Names, settings, data_dir: Path
) -> list[Item]:
    """The approved free text of cases received or closed in the period, scrubbed."""
    from .words import OUTCOME_GROUP_OF

    users = load_users(data_dir, settings)
    second = bool((settings.raw.get("reports") or {}).get("second_approval"))
    found = []
    for case in dataset.cases:
        # The latest approval's summary (``Case.publication_summary``): without one there is
        # nothing to publish (``approval`` would say None), so the events need no looking at.
        if not _norm(case.publication_summary):
            continue
        if case.received_on not in period and case.closed_on not in period:
            continue
        text = approval(case, users, second)
        if text is None:
            continue
        outcome = ""
        if case.kind == "complaint":
            last = [s.outcome for s in case.stages.values() if s.outcome]
            outcome = OUTCOME_GROUP_OF.get(last[-1], "other") if last else ""
        found.append((case, text, outcome))
    if not found:
        return []
    refs = {case.ref for case, _, _ in found}
    people = {
        row["ref"]: row
        for row in open_tables(data_dir, settings).scan(PERSONAL)
        if row.get("ref") in refs
    }
    staff = staff_of(users, {actor for c, _, _ in found for actor in c.actors})
    places = places_from_settings(settings.raw)
    shared = Knowledge.gather(None, staff, places, people_names(data_dir, settings))
    items = []
    for case, text, outcome in found:
        items.append(
            Item(
                case.ref,
                case.kind,
                names.service(case.service),
                deidentified(text, shared.for_person(people.get(case.ref))),
                outcome,
            )
        )
    items.sort(key=lambda item: (item.kind != "compliment", item.service["en"], item.text))
    return items


def staff_of(users: dict, actors=()) -> list[tuple[str, str, str]]:
    """Every member of staff as (username, name, email): the staff directory (``users.json``)
    and whoever else acted on the cases (an imported case's handlers)."""
    staff = [(name, u.get("name") or "", u.get("email") or "") for name, u in users.items()]
    staff += [(actor, "", "") for actor in sorted(set(actors) - set(users)) if actor]
    return staff


def people_names(data_dir: Path, settings=None) -> list[str]:
    """The names of everyone in the personal-details table (the people and their subjects;
    of the engine the settings choose, ``sources.open_tables``), as the PII gate knows them: a
    summary may name someone from another case."""
    found = set()
    for name, subject in open_tables(data_dir, settings).scan(PERSONAL, ("name", "subject_name")):
        found.update(n for n in (name, subject) if n)
    return sorted(found)


def scrub(text: str, person: dict | None, staff: list[tuple[str, str, str]], places=()) -> str:
    """``text`` as published: de-identified, names and contact details as a smiling face."""
    return deidentified(text, Knowledge.gather(person, staff, places))
