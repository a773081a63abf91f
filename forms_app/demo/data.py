"""Synthetic demo data: invented people (English and Welsh names), reserved phone numbers
(07700 900xxx), example.com addresses, and cases that move through the procedure's stages.

Nothing here is about a real person. The same seed always makes the same data.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from forms_app.storage.vocabulary import KINDS, VARIANTS
from forms_app.web.parts import Parts

FIRST_NAMES = [
    "Alys",
    "Bethan",
    "Carys",
    "Dafydd",
    "Eleri",
    "Gethin",
    "Gwenllian",
    "Huw",
    "Iolo",
    "Lowri",
    "Mared",
    "Rhodri",
    "Siân",
    "Tomos",
    "Ffion",
    "Aled",
    "Amelia",
    "Oliver",
    "Priya",
    "Kwame",
    "Grace",
    "Harry",
    "Zainab",
    "Mateusz",
    "Chloe",
    "Imran",
    "Sophie",
    "Jack",
    "Ngozi",
    "Ellis",
]
SURNAMES = [
    "Ap Rhys",
    "Bowen",
    "Cadwaladr",
    "Davies-Prydderch",
    "Evans",
    "Gruffydd",
    "Howells",
    "Llewellyn",
    "Morgan",
    "Parry",
    "Pritchard",
    "Tudur",
    "Vaughan",
    "Whitlock",
    "Ashdown",
    "Brightwater",
    "Okonkwo",
    "Fernleigh",
    "Kowalczyk",
    "Stanmore",
    "Hartcliffe",
    "Penhallow",
]
STREETS = [
    "Heol y Felin",
    "Ffordd Las",
    "Mill Lane",
    "Orchard Close",
    "Station Road",
    "Rhodfa'r Parc",
]
TOWNS = ["Exampleton EX1 2AB", "Trefenghraifft CF99 1ZZ", "Sampleford SA1 9XX"]

STORIES = {
    "complaint": [
        "My father waited over four hours for his evening visit and missed his medication.",
        "Nobody told us Mam's care package had been changed until the carer did not arrive.",
        "The letter about the assessment used words we did not understand and had the wrong date.",
        "Staff spoke about my son as if he was not in the room. He felt ignored and upset.",
        "We asked three times for a call back about the charges and nobody rang.",
        "The ward did not have a hearing loop and my aunt could not follow what was said.",
    ],
    "concern": [
        "The evening calls keep changing time and it is unsettling for my mother.",
        "I am worried the ramp at the day centre is slippery when it rains.",
        "My appointment letter came in English though I asked for Welsh.",
    ],
    "comment": [
        "The car park signs are hard to read at night.",
        "It would help to have the leaflets in large print in the waiting room.",
        "Could the drop-in sessions start a little later for people who work?",
    ],
    "compliment": [
        "The night staff were kind and patient with Dad. Thank you all.",
        "Diolch yn fawr to the team who helped us get the adaptations done so quickly.",
        "The occupational therapist listened and made a real difference to my week.",
    ],
    "enquiry": [
        "How do I ask for a copy of my care plan?",
        "Who can I speak to about changing my visit times?",
        "Can someone help me understand the letter about my assessment?",
    ],
}
OUTCOMES = ["upheld", "partially_upheld", "not_upheld", "resolved", "withdrawn"]
OUTCOME_WEIGHTS = [25, 35, 30, 6, 4]
OWNERS = ["officer.a", "officer.b", "manager.c"]


@dataclass
class DemoResult:
    submissions: int
    events: int
    data_dir: Path


def make_demo_data(parts: Parts, *, count: int = 600, seed: int = 2025) -> DemoResult:
    """Append ``count`` synthetic submissions, spread over the last three years, with the
    events their cases would have: acknowledged, assigned, themes, stages, outcomes, closure."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    services = parts.service_codes
    themes = [theme.code for theme in parts.settings.themes] or ["other"]
    # Each service's own procedure (the settings may name one per service).
    stages_of = {p.code: [stage.code for stage in p.stages] for p in parts.procedures}
    columns = parts.contract.columns("submissions")
    kinds = list(KINDS)
    kind_weights = [35, 15, 10, 25, 15]  # in the schema's order of kinds
    event_count = 0
    received_times = sorted(
        now - timedelta(days=rng.uniform(1, 3 * 365), minutes=rng.randint(0, 600))
        for _ in range(count)
    )
    for received in received_times:
        kind = rng.choices(kinds, kind_weights)[0]
        anonymous = kind in ("comment", "compliment") and rng.random() < 0.3
        welsh = rng.random() < 0.15
        submission = {name: "" for name in columns if name not in ("crc", "ref")}
        submission.update(
            idempotency_key=secrets.token_urlsafe(24),
            received=received.isoformat(timespec="seconds"),
            kind=kind,
            variant=rng.choices(VARIANTS, [85, 10, 5])[0],
            language="cy" if welsh else "en",
            channel=rng.choices(
                ["online", "phone", "letter", "email", "in_person"], [60, 20, 8, 8, 4]
            )[0],
            service=rng.choice(services),
            details=rng.choice(STORIES[kind]),
            anonymous="true" if anonymous else "false",
        )
        submission["procedure"] = parts.procedure_code_for(submission["service"])
        stages = stages_of[submission["procedure"]]
        if kind in ("complaint", "concern"):
            submission.update(
                happening_now=rng.choice(["yes", "no"]),
                tried_already=rng.choice(["spoke_to_staff", "contacted_pals", "both", "no"]),
                outcome_wanted="An explanation and an apology, and for it not to happen again.",
                happened_on=(received - timedelta(days=rng.randint(1, 30))).date().isoformat(),
            )
        if kind == "compliment":
            submission["thank_who"] = rng.choice(
                ["The night staff", "The reablement team", "Nurse on Ward 4"]
            )
        if kind != "comment" and kind != "compliment":
            on_behalf = rng.random() < 0.35
            submission["on_behalf"] = "someone_else" if on_behalf else "self"
            if on_behalf:
                submission["relationship"] = rng.choice(["parent", "partner", "relative", "carer"])
                submission["consent"] = rng.choice(["agreed", "lacks_capacity", "child"])
        if kind == "complaint":
            submission["advocate"] = rng.choices(["no", "yes", "already_have"], [80, 15, 5])[0]
        personal = None if anonymous else _person(rng, submission)
        ref, _created = parts.store.commit_submission(
            idempotency_key=submission["idempotency_key"], submission=submission, personal=personal
        )
        events = _case_events(rng, ref, kind, received, now, themes, stages, parts)
        if events:
            parts.store.append_events(events)
            event_count += len(events)
    return DemoResult(count, event_count, parts.settings.data_dir)


def _person(rng: random.Random, submission: dict) -> dict:
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    method = rng.choice(["email", "phone", "post"])
    mailbox = unicodedata.normalize("NFKD", first.lower()).encode("ascii", "ignore").decode()
    town = rng.choice(TOWNS).rsplit(" ", 2)[0]
    person = {
        "name": f"{first} {last}",
        "email": f"{mailbox}.{rng.randint(10, 99)}@example.com",
        "phone": f"07700 900{rng.randint(0, 999):03d}",
        "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}\n{town}",
        "postcode": rng.choice(["EX1 2AB", "CF99 1ZZ", "SA1 9XX"]),
        "preferred_contact": method,
        "subject_name": "",
        "communication_needs": rng.choices(
            ["", "large_print", "easy_read", "bsl;interpreter"], [85, 6, 6, 3]
        )[0],
        "communication_detail": "",
    }
    if submission.get("on_behalf") == "someone_else":
        person["subject_name"] = f"{rng.choice(FIRST_NAMES)} {last}"
    return person


def _case_events(rng, ref, kind, received, now, themes, stages, parts) -> list[dict]:
    """What staff would have recorded for a case of this age."""
    events = []
    at = received

    def add(days: float, type_: str, **values) -> None:
        nonlocal at
        at = at + timedelta(days=days)
        if at > now:
            return
        events.append(
            {
                "event_id": secrets.token_urlsafe(12),
                "ref": ref,
                "at": at.isoformat(timespec="seconds"),
                "actor": values.pop("actor", rng.choice(OWNERS)),
                "type": type_,
                "stage": values.get("stage", ""),
                "kind": values.get("kind", ""),
                "outcome": values.get("outcome", ""),
                "value": values.get("value", ""),
                "note": values.get("note", ""),
            }
        )

    if kind in ("comment", "compliment", "enquiry"):
        add(rng.uniform(0.2, 3), "theme_added", value=rng.choice(themes))
        add(rng.uniform(0.5, 5), "closed")
        return [event for event in events if event]
    add(rng.uniform(0.1, 2.5), "acknowledged")
    add(0.01, "assigned", value=rng.choice(OWNERS))
    for theme in rng.sample(themes, k=rng.choice([1, 1, 2, 3])):
        add(0.01, "theme_added", value=theme)
    if kind == "complaint":
        add(0.01, "stage_entered", stage=stages[0])
        add(rng.uniform(3, 30), "responded", stage=stages[0])
        add(
            0.01,
            "outcome_recorded",
            stage=stages[0],
            outcome=rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0],
        )
        if len(stages) > 1 and rng.random() < 0.15:
            add(rng.uniform(2, 20), "stage_entered", stage=stages[1])
            add(rng.uniform(5, 25), "responded", stage=stages[1])
            add(
                0.01,
                "outcome_recorded",
                stage=stages[1],
                outcome=rng.choices(OUTCOMES[:3], [20, 30, 50])[0],
            )
        if rng.random() < 0.3:
            # A learning action is named by an identifier (A- and six hex digits), its words in
            # the note; made from the reference so the seeded random numbers stay the same.
            ident = "A-" + hashlib.blake2b(ref.encode(), digest_size=3).hexdigest().upper()
            add(0.1, "action_added", value=ident, note="Review visit scheduling")
    else:
        add(rng.uniform(1, 6), "responded")
    add(0.5, "closed")
    return events
