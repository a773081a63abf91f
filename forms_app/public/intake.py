"""Turning a finished journey into stored rows: the submission, and personal details apart.

The rows are checked whole against the schemas before anything is written, then committed
durably by the store; only then does the person see a reference.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from forms_app.journeys.model import Journey, Page
from forms_app.storage.contract import Contract, FieldProblem


class IncompleteAnswers(ValueError):
    """A journey was submitted without an answer it needs (for example by skipping pages)."""

    def __init__(self, page: Page | None, problems: list[FieldProblem]):
        super().__init__(f"incomplete answers: {problems}")
        self.page = page
        self.problems = problems


@dataclass(frozen=True)
class Context:
    """How the feedback came in, recorded with it."""

    variant: str = "standard"
    language: str = "en"
    channel: str = "online"


def first_unanswered(
    journey: Journey,
    answers: Mapping[str, str],
    contract: Contract | None = None,
    *,
    unchecked: Collection[str] | None = None,
) -> Page | None:
    """The first page the person must still answer or correct, or None when all is well.

    With a contract, answers are checked against the schema too: those named in
    ``unchecked``, or every answer when it is None. An answer is kept unchecked when the person
    switched language on a page where it had a problem; every other answer was checked on its
    own page when it was kept."""
    for page in journey.shown_pages(answers):
        for question in page.questions:
            if not question.is_shown(answers):
                continue
            value = answers.get(question.name, "")
            if not value:
                if question.is_required(answers):
                    return page
                continue
            if (
                contract
                and (unchecked is None or question.name in unchecked)
                and contract.check(question.resource, {question.name: value}, partial=True)
            ):
                return page
    return None


def build_rows(
    journey: Journey,
    answers: Mapping[str, str],
    *,
    contract: Contract,
    context: Context,
    procedure: str,
    received: datetime,
    unchecked: Collection[str] | None = None,
) -> tuple[dict[str, str], dict[str, str] | None]:
    """The submission row and the personal-details row (None when anonymous), checked whole
    against the schemas. ``ref`` and ``idempotency_key`` are left for the store to fill.

    Answers checked on their own page are not checked one by one again (``unchecked`` names
    the others, None means all): the whole rows are checked before anything is stored, and a
    problem found there is traced back to the page to correct."""
    page = first_unanswered(journey, answers, contract, unchecked=unchecked)
    if page is not None:
        raise IncompleteAnswers(page, [])
    values = {**answers, **journey.fixed}
    submission_columns = contract.columns("submissions")
    personal_columns = contract.columns("personal")
    submission = {name: "" for name in submission_columns if name != "crc"}
    for question in journey.questions():
        if question.resource == "submissions" and question.is_shown(values):
            submission[question.name] = values.get(question.name, "")
    submission.update(
        kind=journey.kind,
        variant=context.variant,
        language=context.language,
        channel=context.channel,
        procedure=procedure,
        received=received.isoformat(timespec="seconds"),
        anonymous="true" if values.get("anonymous") == "true" else "false",
    )
    personal = None
    if submission["anonymous"] == "false":
        personal = {name: "" for name in personal_columns if name != "crc"}
        for question in journey.questions():
            if question.resource == "personal" and question.is_shown(values):
                personal[question.name] = values.get(question.name, "")
        if not any(value for key, value in personal.items() if key != "ref"):
            personal = None

    placeholder = {"ref": "PENDING", "idempotency_key": "x" * 16}
    problems = contract.check("submissions", {**submission, **placeholder})
    if personal is not None:
        problems += contract.check("personal", {**personal, "ref": "PENDING"})
    if problems:
        # Every answer passed its own page's check, yet the rows do not (the schema changed
        # while the draft waited?): check each answer again to find the page to send them to.
        raise IncompleteAnswers(first_unanswered(journey, answers, contract), problems)
    return submission, personal
