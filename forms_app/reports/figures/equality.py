"""Who gave us feedback: the answers to the optional equality questions offered once feedback
has been sent, counted by question and answer, so the organisation can see whether people of
every background reach it (the public sector equality duty, Equality Act 2010 section 149).

The answers are anonymous and dated only by month (``forms_app.questionnaires.store``): a month
counts in the period its first day falls in. Everyone who answers chooses one answer to every
question ("prefer not to say" is one), so each question's answers add up to the number of
people who answered, which is published as it is (a whole-organisation count). Each question's
answers are a breakdown, protected by ``disclosure.protect`` against that published number, as
every other breakdown is; ethnic groups are counted under the Census's five headings, not its
nineteen categories, so fewer counts are small. The whole table is withheld when so few people
answered that every count would be small (no more than the disclosure threshold), or when any
question's answers cannot be protected: publishing the other questions would then let a reader
put one person's answers together.
"""

from __future__ import annotations

from datetime import date

from forms_app.questionnaires.model import Question, load

from ..disclosure import protect
from ..tables import COUNT, Column, Row, Table
from ..words import LANGUAGES
from .counting import Counting

KEY = "equality"
_TITLE = {
    "en": "Who gave us feedback",
    "cy": "Pwy roddodd adborth i ni",
}
_HOW = {
    "en": (
        "Answers to the optional, anonymous questions about themselves that we offer people "
        "once they have sent us feedback, given in the period (by month). Everyone who "
        "answers chooses one answer to each question, so each question's answers add up to "
        "the number who answered. Ethnic groups are those of the 2021 Census, counted under "
        "its five headings."
    ),
    "cy": (
        "Atebion i'r cwestiynau dewisol, dienw amdanyn nhw eu hunain a gynigiwn i bobl ar ôl "
        "iddynt anfon adborth atom, a roddwyd yn y cyfnod (fesul mis). Mae pawb sy'n ateb yn "
        "dewis un ateb i bob cwestiwn, felly mae atebion pob cwestiwn yn adio i nifer y bobl a "
        "atebodd. Grwpiau ethnig Cyfrifiad 2021 yw'r rhain, wedi'u cyfrif o dan ei bum pennawd."
    ),
}
_ROW_HEADER = {"en": "Question and answer", "cy": "Cwestiwn ac ateb"}
_PEOPLE = {"en": "People", "cy": "Pobl"}
_ANSWERED = {"en": "Everyone who answered", "cy": "Pawb a atebodd"}
#: Each question's short name in the table.
_SHORT = {
    "age_band": {"en": "Age", "cy": "Oedran"},
    "sex": {"en": "Sex", "cy": "Rhyw"},
    "disability": {"en": "Disability", "cy": "Anabledd"},
    "ethnicity": {"en": "Ethnic group", "cy": "Grŵp ethnig"},
    "religion": {"en": "Religion", "cy": "Crefydd"},
    "sexual_orientation": {"en": "Sexual orientation", "cy": "Cyfeiriadedd rhywiol"},
    "welsh_speaker": {"en": "Speaks Welsh", "cy": "Yn siarad Cymraeg"},
}


def _in_period(month: str, start: date, end: date) -> bool:
    try:
        first = date(int(month[:4]), int(month[5:7]), 1)
    except ValueError:
        return False
    return start <= first <= end


def _categories(question: Question) -> list[tuple[str, str, tuple[str, ...]]]:
    """(row key, word key, the answers it counts): a grouped question by its headings."""
    if not question.groups:
        return [(choice, choice, (choice,)) for choice in question.choices]
    grouped = [(group, f"group_{group}", keys) for group, keys in question.groups]
    listed = {key for _group, keys in question.groups for key in keys}
    return grouped + [(c, c, (c,)) for c in question.choices if c not in listed]


def equality(counting: Counting) -> Table:
    """The equality answers in the report's period, by question and answer."""
    questionnaire = load(KEY)
    period = counting.period
    given = [
        answers
        for month, answers in counting.dataset.questionnaires.get(KEY, [])
        if _in_period(month, period.start, period.end)
    ]
    words = {lang: questionnaire.words(lang, "standard") for lang in LANGUAGES}
    rows = [Row("answered", dict(_ANSWERED), [len(given)], total=True, in_chart=False)]
    publishable = True
    for question in questionnaire.questions:
        categories = _categories(question)
        counts = [
            [sum(1 for a in given if a.get(question.key) in answers)]
            for _key, _word, answers in categories
        ]
        protected = protect(
            counts, counting.policy, row_totals=False, col_totals=True, fixed_cols=True
        )
        publishable = publishable and protected.publishable
        for (row_key, word, _answers), (value,) in zip(categories, protected.cells, strict=True):
            label = {
                lang: f"{_SHORT[question.key][lang]}: {words[lang][word]}" for lang in LANGUAGES
            }
            rows.append(Row(f"{question.key}:{row_key}", label, [value], in_chart=False))
    return Table(
        KEY,
        dict(_TITLE),
        dict(_HOW),
        dict(_ROW_HEADER),
        [Column("people", dict(_PEOPLE), COUNT)],
        rows,
        breakdown=True,
        # So few answered that every count is small: nothing could be shown but the total.
        withheld=not publishable or 0 < len(given) <= counting.policy.threshold,
    )
