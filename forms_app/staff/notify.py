"""Alerts to staff: the safeguarding lead hears at once when a case is flagged (a safeguarding
concern cannot wait for the complaints timetable). The email is queued in the message outbox
when the case is flagged, so a mail server that is down then delays it rather than losing it,
and the message worker sends it. It says only that there is a case and where: no personal
details travel by email. The flag is also always on the lead's home page, email or not."""

from __future__ import annotations

from forms_app.casework.state import Case
from forms_app.messages import smtp as mail
from forms_app.messages.staff_mail import queue_staff_mail
from forms_app.web.hosts import staff_url
from forms_app.web.parts import parts

from .context import audit_log, users


def safeguarding_alert(case: Case, flagged_by: str, cause: str) -> int:
    """Queue the email to the safeguarding leads (and ``email.safeguarding_to``) for the flag
    event ``cause``; returns for how many addresses it is queued (0: email is not set up, no
    address, or the outbox could not be written). The audit log records it queued."""
    settings = parts().settings
    config = mail.email_settings(settings.raw)
    if config is None:
        return 0
    to = [u.email for u in users().with_role("safeguarding_lead") if u.email]
    extra = config.get("safeguarding_to") or []
    to += [extra] if isinstance(extra, str) else list(extra)
    link = f"{staff_url(settings)}/staff/cases/{case.ref}"
    body = (
        f"Case {case.ref} has been flagged for safeguarding by {flagged_by}.\n\n"
        f"Open the case to see the concern and decide what to do: {link}\n\n"
        "This email holds no personal details on purpose. Sign in to read them.\n"
    )
    queued = queue_staff_mail(
        settings.data_dir,
        config,
        to,
        f"Safeguarding: case {case.ref} needs your attention",
        body,
        ref=case.ref,
        cause=cause,
        kind="safeguarding_alert",
        sender=settings.contact.get("email", ""),
    )
    if queued:
        audit_log("safeguarding.alert_queued", ref=case.ref, detail=f"{queued} addresses")
    return queued
