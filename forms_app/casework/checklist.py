"""The aide-memoire for a case: the steps each stage should show done (acknowledged, the
person contacted, investigated, a response signed off), as complaints handbooks list them, and
first of all the tasks what the person asked for adds (an independent advocate)."""

from __future__ import annotations

from dataclasses import dataclass

from .state import Case


@dataclass(frozen=True)
class Step:
    text: str
    done: bool


def advocate_step(case: Case, advocate: str) -> Step | None:
    """The task an advocate request adds, whether the person asked online or staff logged it:
    offer an independent advocate and help arrange one. ``advocate`` is the submission's
    answer; the task is done once a note or a logged contact on the case mentions the
    advocate."""
    if advocate != "yes":
        return None
    done = any(
        event["type"] in ("note", "contact_logged")
        and "advocate" in (event.get("note") or "").lower()
        for event in case.events
    )
    return Step(
        "Independent advocate offered and help to arrange one given (record a note about the "
        "advocate when done)",
        done,
    )


def checklist(case: Case, *, sign_off_required: bool, advocate: str = "") -> list[Step]:
    """The steps for the case's current stage (or its single step), ticked from its events,
    after the advocate task when the person asked for one (``advocate`` is their answer)."""
    asked = advocate_step(case, advocate)
    stage = case.current
    types = {event["type"] for event in case.events}
    letters = {event["value"] for event in case.events if event["type"] == "letter_sent"}
    steps = [asked] if asked is not None else []
    steps += [
        Step("Kind, service and themes checked", bool(case.themes) and bool(case.service)),
        Step(
            "Owner assigned, who is not the person the feedback is about",
            bool(case.owner),
        ),
    ]
    if case.kind in ("complaint", "concern", "enquiry"):
        steps.append(
            Step(
                "Acknowledged within the time limit",
                stage is not None and stage.acknowledged is not None,
            )
        )
    if case.kind == "complaint":
        steps += [
            Step(
                "Acknowledgement letter names the investigating officer",
                bool(letters & {"acknowledgement", "stage2_acknowledgement"}),
            ),
            Step(
                "Contacted the person to understand what happened and the outcome they want",
                "contact_logged" in types,
            ),
            Step(
                "Safeguarding considered (flag set and lead alerted if needed)",
                "safeguarding" in case.flags or "note" in types or "contact_logged" in types,
            ),
            Step(
                "Outcome recorded with the underlying cause and the remedy",
                stage is not None and bool(stage.outcome and stage.cause and stage.remedy),
            ),
        ]
        if stage is not None and stage.extensions:
            steps.append(
                Step(
                    "Person told of the delay, with the reason and the new date",
                    "holding" in letters,
                )
            )
        if sign_off_required:
            steps.append(
                Step(
                    "Response signed off by the responsible person",
                    stage is not None and bool(stage.signed_off_by),
                )
            )
        steps += [
            Step(
                "Response sent, with the right to escalate and the ombudsman's details",
                "stage_response" in letters,
            ),
            Step(
                "Learning actions considered, with an owner and a target date", bool(case.actions)
            ),
        ]
    elif case.kind == "compliment":
        steps.append(Step("Thanked the person and passed it on", "compliment_thanks" in letters))
    elif case.kind == "enquiry":
        steps.append(
            Step("Replied to the person", "enquiry_reply" in letters or "responded" in types)
        )
    steps.append(Step("Closed", not case.is_open))
    return steps
