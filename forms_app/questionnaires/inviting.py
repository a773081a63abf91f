"""The offer of a questionnaire put in a message to the person: a sentence with its link, made
from a new invitation for the case (``store.Answers.invite``), in the person's language and
wording. Given to the messenger of the data directory, which knows nothing of questionnaires
beyond calling it."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .model import load
from .store import Answers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inviter:
    """``inviter(submission)``: the sentence offering the questionnaire with the case's link, or
    "" when there is none to give (the case was invited before: its first link still works,
    and the tracking page gives a new one; or the store could not be written: the message goes
    without a link)."""

    data_dir: Path
    key: str | bytes
    questionnaire: str
    #: (token, language, wording) to the full address of the questionnaire's page.
    address: Callable[[str, str, str], str]

    def __call__(self, submission: dict) -> str:
        try:
            with Answers(self.data_dir, self.key) as answers:
                token = answers.invite(self.questionnaire, submission["ref"])
        except (OSError, sqlite3.Error) as error:
            log.error("questionnaires: no invitation made (%s)", type(error).__name__)
            return ""
        if token is None:
            return ""
        language = submission.get("language") or "en"
        wording = submission.get("variant") or "standard"
        address = self.address(token, language, wording)
        return load(self.questionnaire).say(language, wording, "message", url=address)
