"""The state of one case, folded from its submission and its events in order.

``Case.apply(event)`` takes one event row at a time, so an index can keep cases current by
applying only the events appended since it last looked. Unknown event types are kept on the
timeline and otherwise ignored: an older app can read a newer log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .request_state import HANDLERS as REQUEST_HANDLERS
from .request_state import InvestigatorRequest

FLAGS = (
    "safeguarding",
    "unacceptable_conduct",
    "communication_needs",
    "confidential",
    "councillor_mp",
)
CHANNELS = ("phone", "letter", "email", "in_person")


def event_date(event: dict) -> date:
    """The day an event happened: its ``value`` when that is a date the staff member gave
    (for example a letter received yesterday), otherwise the day it was recorded."""
    value = event.get("value")
    if value and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return _day(value)
        except ValueError:
            pass
    at = event["at"]
    # ``day_of``'s first step, here too: a report folds hundreds of thousands of events.
    found = _DAYS.get(at[:10])
    if found is not None and at[10:11] in _AFTER_DAY:
        return found
    return day_of(at)


def parse_at(text: str) -> datetime:
    return datetime.fromisoformat(text)


#: Days already parsed, by their ``YYYY-MM-DD`` text. A log has a few hundred distinct days a
#: year and hundreds of thousands of events: a look-up is several times cheaper than parsing.
_DAYS: dict[str, date] = {}


def _day(text: str) -> date:
    """``date.fromisoformat(text)`` for a ``YYYY-MM-DD`` text, remembered."""
    found = _DAYS.get(text)
    if found is None:
        found = _DAYS[text] = date.fromisoformat(text)
    return found


def day_of(text: str) -> date:
    """The date part of an ISO 8601 time (``parse_at(text).date()``, in the time's own offset):
    its first ten characters, so no time or offset needs parsing. Anything not in the extended
    form falls back to the full parse."""
    found = _DAYS.get(text[:10])  # only a valid ``YYYY-MM-DD`` is ever remembered
    if found is not None and text[10:11] in _AFTER_DAY:
        return found
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[10:11] in ("T", " ", ""):
        return _day(text[:10])
    return parse_at(text).date()


_AFTER_DAY = ("T", " ", "")  # what may follow the date in an ISO 8601 time


#: The submission cells a case is made from (``Case.from_submission``): the case index saves
#: only these, and the report reads only these of the submissions table.
SUBMISSION_COLUMNS = (
    "ref",
    "received",
    "kind",
    "service",
    "language",
    "channel",
    "procedure",
    "variant",
    "anonymous",
)


@dataclass(slots=True)
class StageState:
    """Where one stage of a complaint (or the single step of other feedback) stands."""

    code: str
    started: date
    acknowledged: date | None = None
    responded: date | None = None
    extended_to: date | None = None
    extended_on: date | None = None
    extensions: int = 0
    outcome: str = ""
    findings: str = ""
    cause: str = ""
    remedy: str = ""
    signed_off_by: str = ""
    signed_off_on: date | None = None
    owner: str = ""
    # (paused on, resumed on or None while still paused)
    pauses: list[tuple[date, date | None]] = field(default_factory=list)

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None


@dataclass(slots=True)
class LearningAction:
    """A learning action (what will change because of a case): what, who owns it, by when,
    progress and evidence."""

    ident: str
    description: str
    added: date
    owner: str = ""
    target: date | None = None
    updates: list[str] = field(default_factory=list)
    completed: date | None = None
    evidence: str = ""

    @property
    def status(self) -> str:
        if self.completed:
            return "completed"
        return "in_progress" if self.updates else "open"


@dataclass(slots=True)
class Case:
    """One case: the submission's fixed facts and what its events have made of it."""

    ref: str
    received: datetime
    kind: str
    original_kind: str
    service: str
    language: str
    channel: str
    procedure: str
    variant: str
    anonymous: bool
    status: str = "open"  # open, closed, withdrawn, merged
    owner: str = ""
    stage: str = ""  # current stage code of a complaint ("" for other kinds)
    stages: dict[str, StageState] = field(default_factory=dict)
    step: StageState | None = None  # the single step of a non-complaint
    themes: list[str] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)  # flag -> detail
    review_on: date | None = None
    review_note: str = ""
    ombudsman_referred: date | None = None
    ombudsman_outcome: str = ""
    closed_on: date | None = None
    reopened: int = 0
    publication_summary: str = ""
    letters: int = 0
    contacts: int = 0
    actions: dict[str, LearningAction] = field(default_factory=dict)
    requests: dict[str, InvestigatorRequest] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    version: int = 0  # bumped by every event: cached deadlines key on it
    first_stage: str = ""  # the procedure's first stage, where a complaint starts
    links: list[str] = field(default_factory=list)  # references of related cases
    merged_into: str = ""  # the case this duplicate was merged into
    merged_from: list[str] = field(default_factory=list)  # duplicates merged into this one

    @classmethod
    def from_submission(cls, row: dict, first_stage: str = "") -> Case:
        """A new case from its submission row; a complaint starts ``first_stage`` on receipt."""
        received = parse_at(row["received"])
        # The first ten fields by position, in the order the class lists them: a report
        # starts every case of the log, and a call by keyword matches each name to a field.
        case = cls(
            row["ref"],  # ref
            received,  # received
            row["kind"],  # kind
            row["kind"],  # original_kind
            row.get("service") or "",  # service
            row.get("language") or "en",  # language
            row.get("channel") or "online",  # channel
            row.get("procedure") or "",  # procedure
            row.get("variant") or "standard",  # variant
            row.get("anonymous") == "true",  # anonymous
        )
        case.first_stage = first_stage
        day = received.date()
        case.step = StageState("", day)
        if case.kind == "complaint" and first_stage:
            case.stages[first_stage] = StageState(first_stage, day)
            case.stage = first_stage
        return case

    # -- reading ----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def current(self) -> StageState | None:
        """The stage (or single step) whose clock is running now."""
        if self.kind == "complaint":
            return self.stages.get(self.stage)
        return self.step

    @property
    def in_inbox(self) -> bool:
        """New and not yet triaged: open, with nobody owning it."""
        return self.is_open and not self.owner

    @property
    def unsigned(self) -> list[str]:
        """Stages with an outcome but no sign-off yet."""
        return [s.code for s in self.stages.values() if s.outcome and not s.signed_off_by]

    # -- folding ----------------------------------------------------------------------------

    def apply(self, event: dict) -> None:
        """Fold one event into the state."""
        self.events.append(event)
        self.version += 1
        handler = _HANDLERS.get(event["type"])
        if handler is not None:
            handler(self, event)

    def _stage_for(self, event: dict) -> StageState | None:
        if self.kind != "complaint":
            return self.step
        code = event.get("stage") or self.stage or self.first_stage
        found = self.stages.get(code)
        if found is not None:
            return found
        if code and code != "ombudsman":
            # A stage mentioned before it was entered (older data): it started on receipt.
            self.stages[code] = StageState(code, self.received.date())
            if not self.stage:
                self.stage = code
        return self.stages.get(code)

    def _on_acknowledged(self, event):
        stage = self._stage_for(event)
        if stage is not None and stage.acknowledged is None:
            stage.acknowledged = event_date(event)

    def _on_assigned(self, event):
        self.owner = event["value"]
        stage = self._stage_for(event)
        if stage is not None:
            stage.owner = event["value"]

    def _on_kind_changed(self, event):
        old = self.kind
        self.kind = event["kind"] or self.kind
        if old != "complaint" and self.kind == "complaint" and not self.stages and self.first_stage:
            # An enquiry that becomes a complaint: the first stage's clock starts that day.
            self.stages[self.first_stage] = StageState(
                self.first_stage, event_date(event), owner=self.owner
            )
            self.stage = self.first_stage
        elif old == "complaint" and self.kind != "complaint":
            # A complaint resolved on the spot as a concern: the concern's clock runs from receipt.
            self.stages.clear()
            self.stage = ""

    def _on_service_changed(self, event):
        self.service = event["value"]

    def _on_procedure_changed(self, event):
        # The case now follows another procedure (its new service's), counted from the day its
        # clock first started; see ``changes.change_service``.
        self.procedure = event["value"]
        first = event.get("stage") or self.first_stage
        if self.kind == "complaint":
            was = self.stages.get(self.stage) or StageState(first, self.received.date())
            self.stages = {
                first: StageState(
                    first, was.started, owner=was.owner, acknowledged=was.acknowledged
                )
            }
            self.stage = first
        self.first_stage = first

    def _on_stage_entered(self, event):
        code = event["stage"]
        if code == "ombudsman":
            self._on_ombudsman_referred(event)
            return
        # Entering a complaint stage makes the case a complaint, and open again.
        if self.kind != "complaint":
            self.kind = "complaint"
        started = event_date(event)
        previous = self.stages.get(code)
        if previous is None or previous.started != started:
            self.stages[code] = StageState(code, started, owner=self.owner)
        self.stage = code
        self.status = "open"
        self.closed_on = None

    def _on_extension_agreed(self, event):
        stage = self._stage_for(event)
        if stage is not None:
            stage.extended_to = date.fromisoformat(event["value"])
            stage.extended_on = day_of(event["at"])
            stage.extensions += 1

    def _on_paused(self, event):
        stage = self._stage_for(event)
        if stage is not None and not stage.paused:
            stage.pauses.append((event_date(event), None))

    def _on_resumed(self, event):
        stage = self._stage_for(event)
        if stage is not None and stage.paused:
            stage.pauses[-1] = (stage.pauses[-1][0], event_date(event))

    def _on_responded(self, event):
        stage = self._stage_for(event)
        if stage is not None and stage.responded is None:
            stage.responded = event_date(event)

    def _on_outcome_recorded(self, event):
        stage = self._stage_for(event)
        if stage is not None:
            stage.outcome = event["outcome"]
            stage.findings = event.get("note") or ""
            # A new outcome needs a new sign-off.
            stage.signed_off_by, stage.signed_off_on = "", None

    def _on_cause_recorded(self, event):
        stage = self._stage_for(event)
        if stage is not None:
            stage.cause = event.get("note") or ""

    def _on_remedy_recorded(self, event):
        stage = self._stage_for(event)
        if stage is not None:
            stage.remedy = event.get("note") or ""

    def _on_signed_off(self, event):
        stage = self._stage_for(event)
        if stage is not None:
            stage.signed_off_by = event["actor"]
            stage.signed_off_on = day_of(event["at"])

    def _on_theme_added(self, event):
        if event["value"] not in self.themes:
            self.themes.append(event["value"])

    def _on_theme_removed(self, event):
        if event["value"] in self.themes:
            self.themes.remove(event["value"])

    def _on_flag_set(self, event):
        self.flags[event["value"]] = event.get("note") or ""

    def _on_flag_cleared(self, event):
        self.flags.pop(event["value"], None)
        if event["value"] == "unacceptable_conduct":
            self.review_on, self.review_note = None, ""

    def _on_review_set(self, event):
        self.review_on = date.fromisoformat(event["value"])
        self.review_note = event.get("note") or ""

    def _on_contact_logged(self, event):
        self.contacts += 1

    def _on_letter_sent(self, event):
        self.letters += 1

    def _on_ombudsman_referred(self, event):
        self.ombudsman_referred = event_date(event)
        self.status = "open"
        self.closed_on = None

    def _on_ombudsman_outcome(self, event):
        self.ombudsman_outcome = event["outcome"]

    def _on_publication_approved(self, event):
        self.publication_summary = event.get("note") or ""

    def _on_closed(self, event):
        self.status = "closed"
        self.closed_on = day_of(event["at"])

    def _on_withdrawn(self, event):
        self.status = "withdrawn"
        self.closed_on = day_of(event["at"])

    def _on_reopened(self, event):
        self.status = "open"
        self.closed_on = None
        self.reopened += 1
        # A reopened case starts its current stage's clock again from the day it reopened.
        stage = self.current
        if stage is not None:
            restarted = StageState(stage.code, event_date(event), owner=stage.owner)
            restarted.acknowledged = restarted.started
            if self.kind == "complaint":
                self.stages[stage.code] = restarted
            else:
                self.step = restarted

    def _on_case_linked(self, event):
        if event["value"] not in self.links:
            self.links.append(event["value"])

    def _on_case_unlinked(self, event):
        if event["value"] in self.links:
            self.links.remove(event["value"])

    def _on_merged_into(self, event):
        self.status = "merged"
        self.merged_into = event["value"]
        self.closed_on = day_of(event["at"])

    def _on_merged_from(self, event):
        if event["value"] not in self.merged_from:
            self.merged_from.append(event["value"])

    def _on_unmerged(self, event):
        # Written on both cases of an undone merge, each naming the other: the duplicate is
        # open again (only open cases are merged) and the survivor no longer lists it.
        if self.status == "merged" and self.merged_into == event["value"]:
            self.status = "open"
            self.merged_into = ""
            self.closed_on = None
        if event["value"] in self.merged_from:
            self.merged_from.remove(event["value"])

    def _on_action_added(self, event):
        ident = event["value"]
        if ident.startswith("A-"):
            description = event.get("note") or ident
        else:  # older rows: the value was the action itself
            description = ident + (f" ({event['note']})" if event.get("note") else "")
        self.actions[ident] = LearningAction(ident, description, day_of(event["at"]))

    def _action(self, event) -> LearningAction | None:
        return self.actions.get(event["value"])

    def _on_action_owner_set(self, event):
        action = self._action(event)
        if action is not None:
            action.owner = event.get("note") or ""

    def _on_action_target_set(self, event):
        action = self._action(event)
        if action is not None:
            action.target = date.fromisoformat(event["note"])

    def _on_action_updated(self, event):
        action = self._action(event)
        if action is not None:
            action.updates.append(event.get("note") or "")

    def _on_action_completed(self, event):
        action = self._action(event)
        if action is not None:
            action.completed = day_of(event["at"])
            action.evidence = event.get("note") or ""


#: Event type -> the method that folds it, looked up once here rather than by name per event.
_HANDLERS = {
    name.removeprefix("_on_"): function
    for name, function in vars(Case).items()
    if name.startswith("_on_") and callable(function)
}
_HANDLERS.update(REQUEST_HANDLERS)


def fold(submission: dict, events, first_stage: str = "") -> Case:
    """A case's state from its submission row and its event rows (in the order written)."""
    case = Case.from_submission(submission, first_stage)
    for event in events:
        case.apply(event)
    return case
