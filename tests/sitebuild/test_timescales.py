"""Timescales on the site come from the procedure profile, in English and Welsh.

Unit tests of ``forms_app.sitebuild.timescales`` (and its Welsh helpers) for every shipped profile.
The real site built with two different profiles is compared in
``tests/sitebuild/test_published.py::test_changing_the_profile_changes_the_site``.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from mkdocs.exceptions import PluginError

from forms_app.language.welsh import days, localise, months, opening_hours, years
from forms_app.procedures.profiles import available_procedures, load_procedure
from forms_app.sitebuild.hooks import document_information, overdue_warning
from forms_app.sitebuild.timescales import table_css, timescales, untranslated

PROFILES = available_procedures()


def strings(values: dict, prefix: str = ""):
    for key, value in values.items():
        if isinstance(value, dict):
            yield from strings(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


@pytest.mark.parametrize("code", PROFILES)
@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_profile_gives_every_placeholder_in_both_languages(code, language):
    values = timescales(load_procedure(code), language, ["12-24"])
    names = dict(strings(values))
    for required in (
        "summary",
        "acknowledge",
        "respond",
        "extension",
        "table",
        "steps",
        "next_stage",
        "final",
        "working_days",
        "time_limit",
        "other_feedback",
        "ombudsman.name",
        "ombudsman.url",
        "ombudsman.phone",
        "ombudsman.about",
        "stage1.name",
        "stage1.respond",
        "easy.stages",
        "easy.further",
        "easy.acknowledge",
        "easy.respond",
        "easy.final",
        "easy.working_days",
        "easy.time_limit",
        "concern",
        "enquiry",
        "compliment",
        "comment",
        "easy.enquiry",
    ):
        assert isinstance(names.get(required), str) and names[required].strip(), required
        assert "<" not in names[required] and "{" not in names[required], required


@pytest.mark.parametrize("code", PROFILES)
def test_the_shipped_profiles_have_welsh_for_all_their_text(code):
    assert untranslated(load_procedure(code), ["12-24"]) == []


@pytest.mark.parametrize("code", PROFILES)
@pytest.mark.parametrize("language", ["en", "cy"])
def test_easy_read_sentences_stay_short(code, language):
    values = timescales(load_procedure(code), language)
    for name, text in strings(values["easy"]):
        text = re.sub(r"\*\*[^*]+\*\*|^- ", "", text, flags=re.MULTILINE)  # labels, bullets
        for sentence in re.split(r"(?<=[.?!])\s+|\n", text):
            assert len(sentence.split()) <= 15, (code, language, name, sentence)


def test_the_numbers_come_from_the_profile():
    charity = timescales(load_procedure("charity-help-and-care"), "en", ["12-24"])
    assert "within 3 working days" in charity["summary"]
    assert "within 28 days of receiving your complaint" in charity["summary"]
    assert "| Appeal | within 3 working days | a time agreed with you |" in charity["table"]
    assert "Charity Commission for England and Wales" in charity["final"]
    assert "bank holidays in England or 24 December" in charity["working_days"]
    assert "including weekends" in charity["working_days"]  # 28 calendar days
    assert charity["time_limit"].startswith("There is no time limit")

    council = timescales(load_procedure("england-council-lgsco-2026"), "en")
    assert "within 10 working days of acknowledging it" in council["respond"]
    assert "up to 10 working days more" in council["extension"]
    assert "12 months" in council["time_limit"]
    assert "including weekends" not in council["working_days"]

    scotland = timescales(load_procedure("scotland-spso"), "en")
    assert "no separate acknowledgement" in scotland["table"]
    assert scotland["summary"] == scotland["respond"]
    assert "bank holidays in Scotland" in scotland["working_days"]

    nhs = timescales(load_procedure("england-nhs-social-care-2009"), "en")
    assert "agree with you how long" in nhs["respond"]
    assert "Local Government and Social Care Ombudsman" in nhs["ombudsman"]["about"]
    assert nhs["easy"]["further"] == "Not happy with our answer? Tell us."


def test_welsh_wording():
    wales = timescales(load_procedure("wales-social-services-2014"), "cy", ["12-24", "12-31"])
    assert "o fewn 2 ddiwrnod gwaith" in wales["summary"]
    assert wales["ombudsman"]["name"] == "Ombwdsmon Gwasanaethau Cyhoeddus Cymru"
    assert "yng Nghymru, 24 Rhagfyr na 31 Rhagfyr" in wales["working_days"]
    assert "Rheoliadau Gweithdrefn Gwynion" in wales["legal_basis"]
    council = timescales(load_procedure("england-council-lgsco-2026"), "cy")
    assert "ar ôl i ni ei chydnabod" in council["respond"]  # cwyn is feminine
    assert "| Cam 2 |" in council["table"]
    assert days(2, "working", "cy") == "2 ddiwrnod gwaith"
    assert days(28, "calendar", "cy") == "28 diwrnod"
    assert days(1, "working", "en") == "1 working day"
    assert months(2, "cy") == "2 fis" and months(12, "cy") == "12 mis"
    assert [years(n, "cy") for n in (1, 2, 3, 10, 11)] == [
        "1 flwyddyn",
        "2 flynedd",
        "3 blynedd",
        "10 mlynedd",
        "11 o flynyddoedd",
    ]
    assert opening_hours("Monday to Friday, 9am to 5pm") == "Dydd Llun i ddydd Gwener, 9am i 5pm"
    assert opening_hours("Weekdays 9 to 5") is None
    localised = localise({"a": {"name": "Ours", "name_cy": "Ein un ni"}}, "cy")
    assert localised["a"]["name"] == "Ein un ni"
    assert 'content: "Cydnabyddiaeth: "' in table_css()


def test_a_passed_review_date_is_shown_on_the_page():
    meta = {"owner": "Lead", "last_reviewed": date(2020, 1, 1), "next_review": date(2021, 1, 1)}
    assert "due for review" in overdue_warning(meta, "en", today=date(2026, 1, 1))
    assert "Mae angen adolygu" in overdue_warning(meta, "cy", today=date(2026, 1, 1))
    assert overdue_warning(meta, "en", today=date(2020, 6, 1)) == ""
    assert "- **Next review:** January 2021" in document_information(meta, "en")
    assert "- **Adolygiad nesaf:** Ionawr 2021" in document_information(meta, "cy")
    with pytest.raises(PluginError):
        document_information({"next_review": date(2027, 1, 1)}, "en")


def test_calendar_day_timescales_say_a_holiday_moves_the_date_earlier():
    charity = timescales(load_procedure("charity-help-and-care"), "en", ["12-24"])
    assert "we will reply by the last working day before it" in charity["working_days"]
    assert "we reply the working day before" in charity["easy"]["working_days"]
    welsh = timescales(load_procedure("charity-help-and-care"), "cy", ["12-24"])
    assert "y diwrnod gwaith olaf cyn hynny" in welsh["working_days"]
    # Working days only: nothing to move, so nothing said.
    council = timescales(load_procedure("england-council-lgsco-2026"), "en")
    assert "working day before" not in council["working_days"]
