"""Where a person is in a journey: their answers so far, which of them were kept without being
checked, and their idempotency key, kept in the server-side draft named by the session cookie.
Whether they have sent it is not kept: it is whether the store holds a submission with their
key. Once sent, the draft keeps only that key (a second click on Send, or a resend after a lost
reply, still finds the reference), never the answers."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType

from flask import current_app, request, session

from forms_app.accounts.throttle import address_key
from forms_app.journeys.model import Page
from forms_app.storage.drafts import (
    DraftTooLarge,
    draft_owner,
    new_draft_id,
    new_idempotency_key,
)
from forms_app.web.parts import parts

SESSION_KEY = "draft"
# The longest answer kept for a question whose field sets no length (a date typed wrongly is
# kept as its three parts; choices are only ever one of their values).
UNSIZED_LIMIT = 100


def over_limit(step: Page, answers: Mapping[str, str]) -> list[str]:
    """The names of the page's answers longer than their field allows: never kept in a draft,
    whatever else is wrong with the page."""
    contract = parts().contract
    names = []
    for question in step.questions:
        limit = (
            contract.field(question.resource, question.name)
            .get("constraints", {})
            .get("maxLength", UNSIZED_LIMIT)
        )
        if len(answers.get(question.name, "")) > limit:
            names.append(question.name)
    return names


def owner() -> str:
    """The owner of a draft started by this request: its network, as a keyed hash."""
    network = address_key(request.remote_addr)
    return draft_owner(network, current_app.config["SECRET_KEY"])


class JourneyState:
    """The draft entry for one kind of feedback."""

    def __init__(self, kind: str):
        self.kind = kind
        self.draft_id = session.get(SESSION_KEY)
        self.draft = parts().drafts.load(self.draft_id)
        entry = self.draft.get("journeys", {}).get(kind) or {}
        self.answers: dict[str, str] = dict(entry.get("answers") or {})
        # Answers kept with a problem (the person switched language on that page). A draft
        # saved before this was recorded says nothing: then every answer counts as unchecked
        # (None).
        listed = entry.get("unchecked")
        self.unchecked: set[str] | None = (
            set(listed) if isinstance(listed, list) else None if self.answers else set()
        )
        self.key: str = entry.get("key") or new_idempotency_key()
        # Files added on the journey's file page, held beside the draft until it is sent
        # (``public.file_pages``): what each is, never its bytes.
        self.files: list[dict[str, str]] = list(entry.get("files") or [])

    @cached_property
    def submitted(self) -> dict | None:
        """The stored submission for this journey, once sent."""
        return parts().store.find_by_key(self.key)

    @property
    def sent(self) -> bool:
        return self.submitted is not None

    def start_again(self) -> None:
        """After a submission, the next visit to the start page begins a new one."""
        self.answers, self.key, self.unchecked = {}, new_idempotency_key(), set()
        self.files = []
        self.__dict__.pop("submitted", None)

    def keep(self, answers: dict[str, str], problems: Mapping[str, str] = MappingProxyType({})):
        """Take a page's answers into the draft; those with ``problems`` are kept unchecked."""
        self.answers.update(answers)
        if self.unchecked is not None:
            self.unchecked.difference_update(answers)
            self.unchecked.update(problems)

    def save(self) -> None:
        """Store the draft. Raises TooManyDrafts (this network keeps as many as it may) or
        OSError (the disk is full); then nothing is stored and the cookie is not changed."""
        entry = {"answers": self.answers, "key": self.key}
        if self.unchecked is not None:
            entry["unchecked"] = sorted(self.unchecked)
        if self.files:
            entry["files"] = self.files
        self._store(entry)

    def forget_answers(self) -> None:
        """After the submission is stored: keep only its key, so the answers leave the disk
        and a second click on Send still finds the reference."""
        self.answers, self.unchecked = {}, set()
        journeys = self.draft.setdefault("journeys", {})
        journeys[self.kind] = {"key": self.key}
        if self.files:
            # Files not attached yet (a failed write): kept, so the confirmation page can try
            # again; they go when they are attached.
            journeys[self.kind]["files"] = self.files
        if (
            not self.draft_id
            or self.files
            or any(entry.get("answers") for entry in journeys.values())
        ):
            # Another journey is still being answered in this draft: it stays a draft.
            self._store(journeys[self.kind])
            return
        parts().drafts.mark_sent(self.draft_id, self.draft)

    def _store(self, entry: dict) -> None:
        draft_id = self.draft_id or new_draft_id(owner())
        journeys = self.draft.setdefault("journeys", {})
        journeys[self.kind] = entry
        try:
            parts().drafts.save(draft_id, self.draft)
        except DraftTooLarge:
            # Several journeys at once can pass the size of one: keep this one only.
            self.draft = {"journeys": {self.kind: entry}}
            parts().drafts.save(draft_id, self.draft)
        if not self.draft_id:
            self.draft_id = draft_id
            session[SESSION_KEY] = draft_id
            # A permanent session survives the browser closing, for people who come back
            # within the draft's idle lifetime.
            session.permanent = True
        # The cookie's lifetime starts again with the draft's (drafts.purge counts from the
        # last save).
        session.modified = True
