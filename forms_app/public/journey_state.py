"""Where a person is in a journey: their answers so far, which of them were kept without being
checked, and their idempotency key, kept in the server-side draft named by the session cookie.
Whether they have sent it is not kept: it is whether the store holds a submission with their
key."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType

from flask import session

from forms_app.storage.drafts import new_draft_id, new_idempotency_key
from forms_app.web.parts import parts

SESSION_KEY = "draft"


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
        if not self.draft_id:
            self.draft_id = new_draft_id()
            session[SESSION_KEY] = self.draft_id
            # A permanent session survives the browser closing, for people who come back later.
            session.permanent = True
        # The cookie's lifetime starts again with the draft's (drafts.purge counts from the
        # last save).
        session.modified = True
        journeys = self.draft.setdefault("journeys", {})
        journeys[self.kind] = {"answers": self.answers, "key": self.key}
        if self.files:
            journeys[self.kind]["files"] = self.files
        if self.unchecked is not None:
            journeys[self.kind]["unchecked"] = sorted(self.unchecked)
        parts().drafts.save(self.draft_id, self.draft)
