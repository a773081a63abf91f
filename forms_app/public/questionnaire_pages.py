"""What the pages of every questionnaire share (the satisfaction survey's and equality
monitoring's): their routes in every language and wording, their words, the key their tokens
are hashed with, and the question page shown with what was typed and what is wrong."""

from __future__ import annotations

from flask import current_app, g, url_for

from forms_app.questionnaires.model import load
from forms_app.web.security import explains_nul

from .govuk_params import character_count_texts
from .prefixes import add_prefixed_rule
from .rendering import render
from .views import blueprint


def route(rule: str, endpoint: str, methods=("GET",), *, says_nul: bool = False):
    """Register a questionnaire page under every language and wording prefix."""

    def decorator(view):
        # A questionnaire's form says kindly which answer holds a NUL, keeping what was typed.
        add_prefixed_rule(
            blueprint, rule, endpoint, explains_nul(view) if says_nul else view, methods
        )
        return view

    return decorator


def words_of(questionnaire: str) -> dict[str, str]:
    """The questionnaire's words in the page's language and wording."""
    return load(questionnaire).words(g.language, g.variant)


def secret_key() -> str:
    """The app's secret key: links' tokens are kept as hashes keyed with it."""
    return current_app.config["SECRET_KEY"]


def question_page(
    questionnaire: str,
    template: str,
    endpoint: str,
    token: str,
    status: int = 200,
    *,
    typed=None,
    problems=None,
    notice: str = "",
):
    """The questionnaire's questions, with what was typed and the problems found in it."""
    words = words_of(questionnaire)
    problems = problems or {}
    # A question's first radio, or its text box, has the question's key as its id.
    summary = [{"text": text, "href": f"#{name}"} for name, text in problems.items()]
    return render(
        template,
        title=words["title"],
        words=words,
        questions=load(questionnaire).questions,
        typed=typed or {},
        errors=problems,
        problems=summary,
        notice=notice,
        action=url_for(endpoint, token=token),
        count_texts=character_count_texts(),
        # Marks the form for tests and styles: data-survey, data-equality.
        questionnaire=endpoint.rsplit(".", 1)[-1],
    ), status
