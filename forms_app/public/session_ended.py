"""A question page shown again after its form was refused for an expired session token, with
every answer the person had typed on it: a slow typist never loses their complaint."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from forms_app.journeys import JOURNEYS
from forms_app.journeys.answers import read_page
from forms_app.web.parts import parts

from .journey_state import JourneyState
from .views import render_question_page


def typed_page_again() -> ResponseReturnValue | None:
    """The refused question page again with what was typed, or None for any other public page."""
    if request.endpoint != "public.page" or not request.view_args:
        return None
    journey = JOURNEYS.get(request.view_args.get("journey", ""))
    step = journey.page(request.view_args.get("page", "")) if journey else None
    if step is None or not step.questions:
        return None
    return _typed_page_again(journey, step)


def _typed_page_again(journey, step):
    """The question page again after a refused token, with every answer typed on it.

    The earlier answers come from the draft if the session still names one. A question shown
    only after an earlier answer (the email box after "contact me by email") is shown anyway
    when the person typed into it: with a lost session its condition cannot be known, and
    hiding it would throw their text away."""
    earlier = JourneyState(journey.kind).answers
    typed = {
        question.name
        for question in step.questions
        if any(
            (key == question.name or key.startswith(question.name + "-")) and value.strip()
            for key, value in request.form.items(multi=True)
        )
    }
    shown = replace(
        step,
        questions=tuple(
            replace(question, show_if=None) if question.name in typed else question
            for question in step.questions
        ),
    )
    answers, _problems = read_page(
        shown,
        request.form,
        earlier,
        contract=parts().contract,
        service_codes=parts().service_codes,
        today=date.today(),
    )
    notice = _(
        "We could not save that page because your session had ended. "
        "Your answers are below: check them and select Continue."
    )
    return render_question_page(journey, shown, {**earlier, **answers}, {}, notice=notice), 400
