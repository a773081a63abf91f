"""What people said about how their feedback was handled: the answers to the satisfaction
survey offered once a case is closed, counted by question and answer.

The answers are anonymous and dated only by month (``forms_app.questionnaires.store``): a
month counts in the period its first day falls in. Each person answers every question once
("prefer not to say" is an answer), so every question's row adds up to the number of people
who answered, which is published as it is (a whole-organisation count); the answers within a
row are a breakdown, protected by ``disclosure.protect`` as every other breakdown is. Free text
is never published here: only how many people wrote some.
"""

from __future__ import annotations

from datetime import date

from forms_app.questionnaires.model import load

from ..disclosure import protect
from ..tables import COUNT, Column, Row, Table
from ..words import LANGUAGES
from .counting import Counting

KEY = "satisfaction"
_TITLE = {
    "en": "How people felt we handled their feedback",
    "cy": "Sut roedd pobl yn teimlo y gwnaethom ddelio â'u hadborth",
}
_HOW = {
    "en": (
        "Answers to the short, anonymous survey we offer once a case is closed, given in the "
        "period (by month). It asks about how we handled the case, not what we decided. Each "
        'person answers each statement once; "agree" includes "strongly agree" and '
        '"disagree" includes "strongly disagree"; the last column is how many answered.'
    ),
    "cy": (
        "Atebion i'r arolwg byr, dienw a gynigiwn pan fydd achos wedi'i gau, a roddwyd yn y "
        "cyfnod (fesul mis). Mae'n gofyn am y ffordd y gwnaethom ddelio â'r achos, nid yr hyn a "
        'benderfynwyd gennym. Mae pob person yn ateb pob datganiad unwaith; mae "cytuno" yn '
        'cynnwys "cytuno\'n gryf" ac mae "anghytuno" yn cynnwys "anghytuno\'n gryf"; y '
        "golofn olaf yw faint a atebodd."
    ),
}
_STATEMENT = {"en": "Statement", "cy": "Datganiad"}
#: The strong answers, each counted with the plain answer on its side of the scale.
_FOLDED = {"strongly_agree": "agree", "strongly_disagree": "disagree"}
_ANSWERED = {"en": "Answered", "cy": "Wedi ateb"}
_WROTE = {
    "en": "{count} of {answered} people also told us what we could do better.",
    "cy": "Dywedodd {count} o {answered} o bobl wrthym hefyd beth allem ei wneud yn well.",
}


def _in_period(month: str, start: date, end: date) -> bool:
    try:
        first = date(int(month[:4]), int(month[5:7]), 1)
    except ValueError:
        return False
    return start <= first <= end


def satisfaction(counting: Counting) -> Table:
    """The survey's answers in the report's period, by statement and answer."""
    questionnaire = load(KEY)
    questions = questionnaire.scale_questions
    # Five points and "prefer not to say" are published as four columns: the strong and the
    # plain answer of each side together, so the table fits a page in both languages and
    # fewer cells are small enough to hide.
    choices = [choice for choice in questions[0].choices if choice not in _FOLDED]
    period = counting.period
    given = [
        answers
        for month, answers in counting.dataset.questionnaires.get(KEY, [])
        if _in_period(month, period.start, period.end)
    ]
    folded = [{key: _FOLDED.get(value, value) for key, value in a.items()} for a in given]
    counts = [[sum(1 for a in folded if a.get(q.key) == c) for c in choices] for q in questions]
    protected = protect(
        counts,
        counting.policy,
        row_totals=True,
        col_totals=False,
        fixed_rows=True,
        grand_known=False,
    )
    words = {lang: questionnaire.words(lang, "standard") for lang in LANGUAGES}
    columns = [Column(c, {lang: words[lang][c] for lang in LANGUAGES}, COUNT) for c in choices]
    columns.append(Column("answered", dict(_ANSWERED), COUNT))
    rows = [
        Row(
            q.key,
            {lang: words[lang][f"q_{q.key}"] for lang in LANGUAGES},
            [*cells, total],
            in_chart=False,
        )
        for q, cells, total in zip(questions, protected.cells, protected.row_totals, strict=True)
    ]
    wrote = sum(1 for a in given if any(a.get(q.key) for q in questionnaire.questions if q.is_text))
    notes = (
        [{lang: _WROTE[lang].format(count=wrote, answered=len(given)) for lang in LANGUAGES}]
        if given
        else []
    )
    return Table(
        KEY,
        dict(_TITLE),
        dict(_HOW),
        dict(_STATEMENT),
        columns,
        rows,
        notes=notes,
        breakdown=True,
        withheld=not protected.publishable,
    )
