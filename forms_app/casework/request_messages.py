"""The email that carries an investigating manager's link to the answer page, put in the
message outbox (``forms_app.messages``) like the messages to the person, so a send that fails
is tried again and, if it never goes, is shown on the staff's "messages not sent" page.

The link holds the secret that opens the page; the link store keeps only its keyed hash, and
the outbox empties the link once the email is sent (``outbox.KEPT_UNTIL_SENT_BY_TYPE``). The
message is not one of the person's (``outbox.NOT_TO_THE_PERSON``): their tracking page and a
subject access request do not show it. It is written in the case's language, as the link opens
the answer page in it.
"""

from __future__ import annotations

from forms_app.language.welsh import localise, long_date
from forms_app.messages import wording
from forms_app.messages.outbox import Message
from forms_app.organisation.settings import Settings

from .messaging import message_id
from .request_state import InvestigatorRequest
from .state import Case

MESSAGE_TYPE = "request_link"
#: What was asked for, as the email's sentence says it ("asked you for a statement"); in Welsh
#: after "am", which softens the first consonant ("am ddatganiad").
ASKS_IN_A_SENTENCE = {
    "en": {
        "statement": "a statement",
        "information": "information",
        "draft_response": "a draft response",
    },
    "cy": {
        "statement": "ddatganiad",
        "information": "wybodaeth",
        "draft_response": "ddrafft o ymateb",
    },
}


def request_link_message(
    settings: Settings, case: Case, request: InvestigatorRequest, asker: str, link: str
) -> Message:
    """The email to the person asked by link (``request.to_email``), its id made from the
    request so that queueing it twice keeps one."""
    language = case.language if case.language in wording.LANGUAGES else "en"
    organisation = localise(settings.organisation, language)
    return Message(
        id=message_id(case.ref, MESSAGE_TYPE, request.ident, "email"),
        ref=case.ref,
        type=MESSAGE_TYPE,
        channel="email",
        recipient=request.to_email,
        language=language,
        wording="standard",
        values={
            "reference": case.ref,
            "org_name": organisation.get("name", ""),
            "asker": asker,
            "asks": ASKS_IN_A_SENTENCE[language].get(request.asks, request.asks),
            "due": long_date(request.due, language),
            "link": link,
        },
    )
