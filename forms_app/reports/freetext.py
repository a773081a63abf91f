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

Every known personal detail in the summary is then replaced with a smiling face: the person's
and their subject's names (whole and each part), email, phone, postcode and address; staff
names, usernames and emails; and anything shaped like an email, UK phone number, NHS number or
postcode. The PII gate still checks the result, with the rest of the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from forms_app.casework.flags import is_restricted
from forms_app.storage.reading import open_for_reading
from forms_app.storage.store import PERSONAL

from .loading import Dataset
from .periods import Period
from .pii_patterns import EMAIL, NHS, POSTCODE
from .words import Names

SMILE = "😊"
_PHONE = re.compile(r"(?<![\w])(?:\+44\s?\(?0?\)?\s?|\(?0)\d(?:[\d\s().-]{7,14})\d(?![\w])")


@dataclass
class Item:
    ref: str  # never published: for the tests and the command's summary
    kind: str  # compliment, or the kind of feedback for "you said, we did"
    service: dict[str, str]
    text: str
    outcome: str = ""


def _norm(text: str) -> str:
    return " ".join((text or "").split())


def approval(case, users: dict, second: bool) -> str | None:
    """The approved public summary of a case, or None (see the module docstring)."""
    approvals = [e for e in case.events if e["type"] == "publication_approved"]
    if not approvals or "confidential" in case.flags or "safeguarding" in case.flags:
        return None
    if is_restricted(case):
        return None
    latest = approvals[-1]
    text = _norm(latest.get("note") or "")
    if not text:
        return None

    def publisher(actor: str) -> bool:
        user = users.get(actor)
        return bool(user) and "publisher" in (user.get("roles") or []) and not user.get("disabled")

    if not publisher(latest["actor"]):
        return None
    actors = {
        e["actor"]
        for e in approvals
        if _norm(e.get("note") or "") == text and publisher(e["actor"])
    }
    if second and len(actors) < 2:
        return None
    return latest.get("note").strip()


def load_users(data_dir: Path) -> dict[str, dict]:
    import json

    path = Path(data_dir) / "users.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text("utf-8")).get("users") or {}


def approved_items(
    dataset: Dataset, period: Period, names: Names, settings, data_dir: Path
) -> list[Item]:
    """The approved free text of cases received or closed in the period, scrubbed."""
    from forms_app.procedures.profiles import local_date

    from .words import OUTCOME_GROUP_OF

    users = load_users(data_dir)
    second = bool((settings.raw.get("reports") or {}).get("second_approval"))
    found = []
    for case in dataset.cases:
        # The latest approval's summary (``Case.publication_summary``): without one there is
        # nothing to publish (``approval`` would say None), so the events need no looking at.
        if not _norm(case.publication_summary):
            continue
        if local_date(case.received) not in period and case.closed_on not in period:
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
        for row in open_for_reading(data_dir).scan(PERSONAL)
        if row.get("ref") in refs
    }
    staff = [(name, u.get("name") or "", u.get("email") or "") for name, u in users.items()]
    staff += [(actor, "", "") for actor in {e["actor"] for c, _, _ in found for e in c.events}]
    items = []
    for case, text, outcome in found:
        items.append(
            Item(
                case.ref,
                case.kind,
                names.service(case.service),
                scrub(text, people.get(case.ref), staff),
                outcome,
            )
        )
    items.sort(key=lambda item: (item.kind != "compliment", item.service["en"], item.text))
    return items


def scrub(text: str, person: dict | None, staff: list[tuple[str, str, str]]) -> str:
    """``text`` with every known personal detail replaced by a smiling face."""
    exact: set[str] = set()
    parts: set[str] = set()
    if person:
        for key in ("name", "subject_name"):
            name = (person.get(key) or "").strip()
            if name:
                exact.add(name)
                parts.update(p for p in re.split(r"[\s,]+", name) if len(p) >= 2)
        for key in ("email", "phone", "postcode"):
            if person.get(key):
                exact.add(person[key].strip())
        for line in re.split(r"[\n,]+", person.get("address") or ""):
            if len(line.strip()) >= 4:
                exact.add(line.strip())
    for username, name, email in staff:
        for value in (username, name, email):
            if value and len(value) >= 3:
                exact.add(value.strip())
        parts.update(p for p in (name or "").split() if len(p) >= 3)
    for value in sorted(exact | parts, key=len, reverse=True):
        pattern = re.escape(value).replace(r"\ ", r"\s+")
        text = re.sub(rf"(?<![\w]){pattern}(?![\w])", SMILE, text, flags=re.IGNORECASE)
    text = EMAIL.sub(SMILE, text) if "@" in text else text
    text = re.sub(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+", SMILE, text)
    text = _PHONE.sub(SMILE, text)
    text = NHS.sub(SMILE, text)
    text = re.sub(POSTCODE.pattern, SMILE, text, flags=re.IGNORECASE)
    return text
