"""The publication approval page (``/staff/publication/<ref>``): a publisher writes the public
summary of a closed case and sees it side by side with what will be published, de-identified
(``forms_app.reports.deidentify``: names, contact details, dates, ages, places and gendered
words replaced, each replacement highlighted), before it can be approved.

"Approve" stores the summary only when the text posted is the text whose published form was
shown: changed words are shown again, side by side, first. When the settings ask for two
publishers (``reports: second_approval: true``), the page says who has approved the words so
far, and a second publisher sees the same side-by-side view before adding their approval.
"""

from __future__ import annotations

import hashlib

from flask import abort, request, url_for

from forms_app.reports.deidentify import (
    KIND_LABELS,
    Knowledge,
    counts,
    deidentify,
    language_of,
    places_from_settings,
)
from forms_app.reports.freetext import people_names
from forms_app.web.parts import parts

from . import blueprint, labels
from . import record_forms as records
from .access import can_publish
from .case_actions import run_action
from .context import audit_log, index, user, users


def fingerprint(text: str) -> str:
    """Which words were shown side by side (white space does not count)."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:32]


def knowledge_for(case) -> Knowledge:
    """The names, contact details and places to replace in this case's summary: its person
    and everyone else in the data, every member of staff and whoever acted on the case, and
    the organisation's places."""
    staff = [(u.username, u.name, u.email) for u in users().all()]
    known = {u for u, _, _ in staff}
    actors = {e.get("actor") or "" for e in case.events}
    actors |= {e.get("value") or "" for e in case.events if e.get("type") == "assigned"}
    staff += [(actor, "", "") for actor in sorted(actors - known) if actor]
    places = places_from_settings(parts().settings.raw)
    everyone = people_names(parts().settings.data_dir)
    return Knowledge.gather(index().personal(case.ref), staff, places, everyone)


def approvals(case) -> dict:
    """Who approved the latest approved words, and whether a second publisher is needed."""
    events = [e for e in case.events if e["type"] == "publication_approved"]
    latest = " ".join((case.publication_summary or "").split())
    by = sorted({e["actor"] for e in events if " ".join((e.get("note") or "").split()) == latest})
    second = bool((parts().settings.raw.get("reports") or {}).get("second_approval"))
    return {
        "by": by if latest else [],
        "second": second,
        "waiting": second and bool(latest) and len(by) < 2,
        "mine": user().username in by,
    }


def side_by_side(text: str, known: Knowledge) -> dict | None:
    """The pieces of the summary and a sentence counting the replacements, or None."""
    if not text.strip():
        return None
    pieces = deidentify(text, known)
    found = counts(pieces)
    parts_said = [f"{n} {KIND_LABELS[kind]}{'' if n == 1 else 's'}" for kind, n in found.items()]
    if not parts_said:
        said = "Nothing was replaced. Check that nothing in it could identify anyone."
    else:
        listed = ", ".join(parts_said[:-1]) + (" and " if len(parts_said) > 1 else "")
        said = f"Replaced: {listed}{parts_said[-1]}. Check each one, and anything missed."
    return {
        "pieces": pieces,
        "said": said,
        "labels": KIND_LABELS,
        "language": language_of(text),
        "fingerprint": fingerprint(text),
    }


@blueprint.route("/publication/<ref>", methods=["GET", "POST"])
def publish(ref):
    u = user()
    case = index().get(ref)
    if case is None or not can_publish(u, case):
        abort(404)
    audit_log("publication.view_case", ref=case.ref, fields=["kind", "service", "outcome"])
    stage = case.current
    if request.method == "POST":
        text = request.form.get("summary", "")
        seen = request.form.get("shown", "") == fingerprint(text)
        show_only = bool(request.form.get("preview")) or not seen
    else:
        text, show_only = case.publication_summary or "", False
    return run_action(
        case,
        records.ApprovePublication(),
        url_for("staff.publication"),
        url_for("staff.publication"),
        template="staff/publish.html",
        show_only=show_only,
        outcome=labels.OUTCOMES.get(stage.outcome, "") if stage else "",
        findings=stage.findings if stage else "",
        remedy=stage.remedy if stage else "",
        compared=side_by_side(text[:2_000], knowledge_for(case)),
        changed=request.method == "POST" and show_only and not request.form.get("preview"),
        approvals=approvals(case),
    )
