"""The page where a person adds files to their feedback, and attaching them when it is sent;
checking a batch of uploaded files (``examine``), which the tracking page uses too.

Works without JavaScript: one form with a plain ``<input type=file multiple>`` (the GOV.UK file
upload component), "Add files" to add more, a "Remove" button beside each added file, and
"Continue". Every file is checked as it arrives: its kind from its bytes (``evidence.content``),
the limits, and ClamAV's verdict. A file that is not taken gets a message in the person's
language and wording; the files already taken stay listed, and every answer stays in the draft.

A file with a virus is not deleted: it is held apart and goes with the feedback marked
infected, so staff see that one was refused. If the scanner cannot be reached, the file is
held "being checked" and scanned again before staff can open it (``staff.case_files``).
"""

from __future__ import annotations

import logging

from flask import abort, g, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from werkzeug.datastructures import FileStorage

from forms_app.evidence import INFECTED, Refusal, safe_name
from forms_app.journeys import JOURNEYS
from forms_app.journeys.model import Journey, Page
from forms_app.journeys.pages import FILE_PROBLEMS
from forms_app.journeys.wording import say
from forms_app.storage.evidence import EvidenceDamaged
from forms_app.storage.store import StoreWriteError
from forms_app.web.parts import parts
from forms_app.web.uploads import (
    Received,
    chosen_files,
    limits,
    now,
    receive,
    scanner,
    size_in_words,
)

from . import ratelimit
from .journey_state import JourneyState
from .prefixes import LANGUAGES
from .rendering import render

log = logging.getLogger(__name__)

FIELD = "files"


def files_step(journey: Journey) -> Page | None:
    return next((page for page in journey.pages if page.files), None)


def _page_url(journey: Journey, step: Page | None) -> str:
    return url_for("public.page", journey=journey.slug, page=step.slug if step else CHECK)


CHECK = "check-your-answers"


def limits_context() -> dict[str, object]:
    chosen = limits()
    return {"max_files": chosen.files, "max_size": size_in_words(chosen.file_bytes)}


def add_files(journey):
    journey = JOURNEYS.get(journey)
    step = files_step(journey) if journey else None
    if step is None:
        abort(404)
    state = JourneyState(journey.kind)
    if state.sent:
        return redirect(url_for("public.confirmation", journey=journey.slug))
    if not step.is_shown(state.answers) or scanner() is None:
        # Files are not offered here (no scanner): go where the journey goes.
        return redirect(_page_url(journey, journey.next_page(step.slug, state.answers)))
    if request.method == "GET":
        return render_files_page(journey, step, state)
    if not ratelimit.allowed("post"):
        return render_files_page(journey, step, state, notice=_rate_notice()), 429
    if not state.draft_id:
        state.save()  # files are held beside the draft: it needs its id first
    removed = request.form.get("remove")
    if removed:
        _remove(state, removed)
        state.save()
        return redirect(request.path)
    problems = take_files(state, request.files.getlist(FIELD))
    state.save()
    switch_to = request.form.get("switch_language")
    if switch_to in LANGUAGES:
        return redirect(url_for("public.add_files", journey=journey.slug, lang=switch_to))
    if problems:
        return render_files_page(journey, step, state, problems=problems), 400
    if request.form.get("action") == "upload":
        return redirect(request.path)
    return redirect(_page_url(journey, journey.next_page(step.slug, state.answers)))


def _rate_notice() -> str:
    return _(
        "We have had a lot of forms from your network in the last few minutes, so we could "
        "not accept this one yet. Your answers are kept below: wait a few minutes, then try again."
    )


def take_files(state: JourneyState, uploads: list[FileStorage]) -> list[str]:
    """Check, scan and hold each uploaded file; return the messages for those not taken."""
    chosen = limits()
    evidence = parts().store.evidence
    received, problems = examine(
        uploads,
        files_left=chosen.files - len(state.files),
        bytes_left=chosen.total_bytes - sum(int(item["size"]) for item in state.files),
        most_files=chosen.files,
    )
    for got in received:
        try:
            evidence.hold(state.draft_id, got.row["id"], got.data)
        except OSError as exc:
            log.error("evidence: a file could not be held: %s", exc.strerror)
            problems.append(file_problem("damaged", got.name))
            continue
        # A file with a virus is held too, apart (quarantined), and sent with the feedback so
        # staff know; it is never shown to the person as added.
        state.files.append({**got.row, "at": now()})
    return problems


def examine(
    uploads: list[FileStorage], *, files_left: int, bytes_left: int, most_files: int
) -> tuple[list[Received], list[str]]:
    """Check and scan each uploaded file, with room for ``files_left`` more files and
    ``bytes_left`` more bytes (``most_files``: the limit on the number, as the person is told
    it). Returns the files taken (a file with a virus among them, to keep in quarantine) and a
    message for each file refused or found to have a virus, in the person's language."""
    received: list[Received] = []
    problems: list[str] = []
    for upload in chosen_files(uploads):
        name = safe_name(upload.filename)
        if len(received) >= files_left:
            problems.append(file_problem("too_many", name, most_files))
            continue
        try:
            got = receive(upload, name, room=bytes_left)
        except Refusal as refusal:
            problems.append(file_problem(refusal.code, name))
            continue
        received.append(got)
        bytes_left -= len(got.data)
        if got.row["scan"] == INFECTED:
            log.warning("evidence: a file with a virus was refused (%s)", got.row["finding"])
            problems.append(file_problem("infected", name))
    return received, problems


def file_problem(code: str, name: str, max_files: int | None = None) -> str:
    """What the person is told about a file not taken (``evidence.Refusal`` codes), in their
    language and wording; ``max_files`` when the limit on the number is not one upload's."""
    context = {**limits_context(), "name": name}
    if max_files is not None:
        context["max_files"] = max_files
    return FILE_PROBLEMS[code].get(g.variant, context)


def _remove(state: JourneyState, file_id: str) -> None:
    kept = [item for item in state.files if item["id"] != file_id or item["scan"] == INFECTED]
    if len(kept) != len(state.files):
        parts().store.evidence.drop_held(state.draft_id, file_id)
    state.files = kept


def shown_files(state: JourneyState) -> list[dict[str, str]]:
    """The files the person sees as added (not those refused for a virus)."""
    return [item for item in state.files if item["scan"] != INFECTED]


def render_files_page(journey, step, state, *, problems=(), notice=None, status=None):
    context = limits_context()
    rows = [
        {
            "key": {"text": item["name"]},
            "value": {"text": size_in_words(max(int(item["size"]), 1024))},
            "id": item["id"],
        }
        for item in shown_files(state)
    ]
    previous = journey.previous_page(step.slug, state.answers)
    page = render(
        "public/add_files.html",
        picture=step.picture,
        title=step.title.get(g.variant, context),
        intro=say(g.variant, step.intro, context),
        body=[text.get(g.variant, context) for text in step.body],
        journey_name=journey.name.get(g.variant),
        files=rows,
        problems=[{"text": text, "href": f"#{FIELD}"} for text in problems],
        field_error=problems[0] if problems else None,
        notice=notice,
        action=request.path,
        back_url=_page_url(journey, previous) if previous else None,
    )
    return (page, status) if status else page


def too_large():
    """Shown when one upload is over the request size limit: the files already added stay,
    nothing typed is lost."""
    journey = JOURNEYS.get((request.view_args or {}).get("journey", ""))
    step = files_step(journey) if journey else None
    if step is None:
        return None
    state = JourneyState(journey.kind)
    message = file_problem("total_too_large", "")
    return render_files_page(journey, step, state, problems=[message], status=413)


def check_answers_row(journey: Journey, state: JourneyState, change_url: str) -> dict | None:
    """The files' row on check answers (None when the journey takes no files or none were
    added and files are not offered)."""
    step = files_step(journey)
    if step is None or not step.is_shown(state.answers):
        return None
    names = [item["name"] for item in shown_files(state)]
    label = step.title.get(g.variant, limits_context())
    return {
        "key": {"text": label},
        "value": {"html": Markup("<br>").join(names) if names else escape(_("None"))},
        "actions": {
            "items": [{"href": change_url, "text": _("Change"), "visuallyHiddenText": label}]
        },
    }


def attach_to_case(state: JourneyState, ref: str) -> bool:
    """Store the draft's files with case ``ref`` (once: a repeat attaches nothing twice), then
    forget the held copies. False if they could not be stored yet (kept, tried again)."""
    if not state.files or not state.draft_id:
        return True
    evidence = parts().store.evidence
    files = []
    for item in state.files:
        data = evidence.held(state.draft_id, item["id"])
        if data is None:
            continue  # attached by an earlier try, which then dropped the held copy
        row = {key: item[key] for key in ("id", "name", "kind", "size", "sha256", "scan")}
        row.update(finding=item.get("finding", ""), added_by="person", at=item["at"])
        files.append((row, data))
    try:
        evidence.attach(ref, files, parts().contract)
    except (StoreWriteError, EvidenceDamaged, OSError, ValueError) as exc:
        log.error("evidence: files of %s not attached yet: %s", ref, exc)
        return False
    evidence.drop_held(state.draft_id)
    state.files = []
    state.save()
    return True
