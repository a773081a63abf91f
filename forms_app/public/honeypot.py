"""The honeypot on the check-answers page: a field people cannot see or reach by keyboard,
labelled "Leave this blank". Simple bots fill every field. Browser autofill and some assistive
technology fill it too, so a hit is never dropped: the submission is stored as usual, the person
sees the usual confirmation, and a ``flag_set`` event with value ``quarantine`` puts it in front
of staff, who can look and release it (``flag_cleared``) like any other flag.
"""

from __future__ import annotations

import logging

from forms_app.casework.events import event, record

log = logging.getLogger(__name__)

FIELD = "website"
FLAG = "quarantine"
ACTOR = "system"
NOTE = "Honeypot field was filled in: check this is a real person before acting on it."


def is_hit(form) -> bool:
    return bool((form.get(FIELD) or "").strip())


def quarantine(store, contract, ref: str) -> None:
    """Record the quarantine flag for a stored submission. A failure is logged (reference
    only), never shown to the person: their feedback is already stored."""
    try:
        record(store, contract, [event(ref, ACTOR, "flag_set", value=FLAG, note=NOTE)])
    except Exception:  # noqa: BLE001 - the submission is stored; this must not undo that
        log.error("honeypot: could not record quarantine flag for %s", ref)
    else:
        log.info("honeypot: submission %s quarantined for staff review", ref)
