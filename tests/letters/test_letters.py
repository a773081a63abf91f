"""Letters in English and Welsh, filled from the case, the person and the procedure; produced
from the case page as an event with the letter kept; printable HTML and a real PDF.

The Welsh templates were written carefully but must be reviewed by a Welsh speaker before use.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from forms_app.casework.deadlines import stage_due
from forms_app.casework.state import fold
from forms_app.letters import catalogue
from forms_app.letters.document import LetterFiles, body_html, page
from forms_app.letters.fill import context, fill
from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.procedures.profiles import load_procedure
from tests.support.staff import csrf, make_people, sign_in, submit

SETTINGS = load_settings(EXAMPLE_SETTINGS)
NAMES = (
    "acknowledgement",
    "holding",
    "stage_response",
    "stage2_acknowledgement",
    "compliment_thanks",
    "enquiry_reply",
)


def _letter(
    name,
    language,
    *,
    procedure="charity-help-and-care",
    events=(),
    kind="complaint",
    person=None,
    received="2025-03-03T10:00:00+00:00",
    source=None,
):
    proc = load_procedure(procedure)
    first = proc.first_stage.code
    submission = {
        "ref": "ABCD-2345",
        "received": received,
        "kind": kind,
        "service": "home-care",
        "language": language,
        "channel": "online",
        "procedure": procedure,
        "variant": "standard",
        "anonymous": "false",
        "thank_who": "The night staff",
    }
    base = {
        "event_id": "e" * 12,
        "ref": "ABCD-2345",
        "at": "2025-03-04T10:00:00+00:00",
        "actor": "olive",
        "stage": "",
        "kind": "",
        "outcome": "",
        "value": "",
        "note": "",
    }
    case = fold(submission, [{**base, **e} for e in events], first_stage=first)
    due = stage_due(proc, proc.calendar(), case, case.current, date(2025, 3, 4))
    values = context(
        case=case,
        personal=person
        or {
            "name": "Siân Example",
            "address": "1 Heol y Felin\nTrefenghraifft",
            "postcode": "CF99 1ZZ",
        },
        submission=submission,
        settings=SETTINGS,
        procedure=proc,
        due=due,
        officer="Olive Officer",
        signatory="Mina Manager",
        language=language,
        today=date(2025, 3, 4),
    )
    if source is None:
        source = catalogue.find(catalogue.DEFAULT_DIR, procedure, language, name).source()
    return fill(source, values)


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("name", NAMES)
def test_every_template_exists_and_fills_in_both_languages(name, language):
    text = _letter(name, language)
    assert "ABCD-2345" in text and "Mina Manager" in text
    assert "{{" not in text and "{%" not in text
    greeting = "Dear Siân Example," if language == "en" else "Annwyl Siân Example,"
    assert text.lstrip().startswith(greeting)
    assert ("Yours sincerely," if language == "en" else "Yn gywir,") in text


def test_acknowledgement_names_the_investigating_officer_and_dates():
    en = _letter("acknowledgement", "en")
    assert "Olive Officer will investigate your complaint" in en
    assert "3 March 2025" in en and "31 March 2025" in en  # received, 28 days later
    cy = _letter("acknowledgement", "cy")
    assert "Olive Officer fydd yn ymchwilio i'ch cwyn" in cy
    assert "3 Mawrth 2025" in cy and "erbyn 31 Mawrth 2025" in cy
    assert "Mae croeso i chi gysylltu â ni yn Gymraeg" in cy


def test_letters_give_the_promised_working_day_not_a_bank_holiday():
    # 28 days from Friday 4 December 2026 is New Year's Day: the letter promises 31 December.
    en = _letter("acknowledgement", "en", received="2026-12-04T10:00:00+00:00")
    assert "by 31 December 2026" in en
    assert "1 January 2027" not in en
    cy = _letter("acknowledgement", "cy", received="2026-12-04T10:00:00+00:00")
    assert "erbyn 31 Rhagfyr 2026" in cy
    assert "1 Ionawr 2027" not in cy


def test_welsh_letters_name_the_service_and_give_the_address_in_welsh():
    source = "{{ case.service }} | {{ org.address }}"
    assert _letter("any", "cy", source=source) == (
        "Gofal cartref | Tîm Adborth, Tŷ Riverside, 1 River Road, Exampleton EX1 1AA"
    )
    assert _letter("any", "en", source=source) == (
        "Home care | Feedback Team, Riverside House, 1 River Road, Exampleton EX1 1AA"
    )


def test_stage_response_gives_the_right_to_escalate_and_the_ombudsman():
    events = [
        {
            "type": "outcome_recorded",
            "stage": "stage1",
            "outcome": "partially_upheld",
            "note": "The visit was late twice.",
        },
        {"type": "remedy_recorded", "stage": "stage1", "note": "We changed the rota."},
    ]
    en = _letter("stage_response", "en", events=events)
    assert "partially upheld your complaint" in en and "We changed the rota." in en
    assert "next stage of our complaints procedure, Stage 2" in en
    assert "within 3 working days and aim to respond within 15 working days" in en
    assert "Charity Commission for England and Wales" in en and "0300 066 9197" in en
    cy = _letter("stage_response", "cy", events=events)
    assert "Rydym wedi cadarnhau rhan o'ch cwyn" in cy
    assert "i gam nesaf ein gweithdrefn gwyno: Cam 2" in cy
    assert "ystyried eich cwyn: Comisiwn Elusennau Cymru a Lloegr" in cy
    assert "o fewn 3 diwrnod gwaith" in cy and "o fewn 15 diwrnod gwaith" in cy
    assert "Comisiwn Elusennau Cymru a Lloegr" in cy


def test_final_stage_goes_straight_to_the_ombudsman_in_welsh():
    events = [
        {
            "type": "outcome_recorded",
            "stage": "local_resolution",
            "outcome": "not_upheld",
            "note": "Checked the records.",
        }
    ]
    cy = _letter("stage_response", "cy", procedure="wales-social-services-2014", events=events)
    assert "Nid ydym wedi cadarnhau eich cwyn" in cy
    assert "Cam 2: ymchwiliad ffurfiol" in cy
    en = _letter("stage_response", "en", procedure="nhs-wales-ptr", events=events)
    assert "This is our final response" in en
    assert "Public Services Ombudsman for Wales" in en and "https://www.ombudsman.wales" in en
    cy = _letter("stage_response", "cy", procedure="nhs-wales-ptr", events=events)
    assert "Dyma ein hymateb terfynol" in cy and "Ombwdsmon Gwasanaethau Cyhoeddus Cymru" in cy


def test_compliment_and_holding_letters():
    assert "The night staff" in _letter("compliment_thanks", "en", kind="compliment")
    holding = _letter(
        "holding",
        "cy",
        events=[
            {
                "type": "extension_agreed",
                "stage": "stage1",
                "value": "2025-04-25",
                "note": "Mae angen siarad â'r tîm nos.",
            }
        ],
    )
    assert "erbyn 25 Ebrill 2025" in holding and "Y rheswm yw: Mae angen siarad" in holding


def test_nothing_a_person_typed_becomes_html():
    text = _letter(
        "acknowledgement", "en", person={"name": "<script>alert(1)</script>", "address": "<b>x</b>"}
    )
    html = page(
        text,
        {"language": "en", "ref": "ABCD-2345", "name": "<i>n</i>", "address": ["<b>x</b>"]},
        inline_css="",
    )
    assert "<script>" not in html and "<b>x</b>" not in html and "<i>n</i>" not in html
    assert "&lt;script&gt;" in html
    assert "<strong>Your complaint, reference ABCD-2345</strong>" in body_html(text)


def test_a_procedure_can_override_one_template(tmp_path):
    (tmp_path / "default" / "en").mkdir(parents=True)
    (tmp_path / "scotland-spso" / "en").mkdir(parents=True)
    (tmp_path / "default" / "en" / "holding.md").write_text("{# title: Default #}\nA\n")
    (tmp_path / "scotland-spso" / "en" / "holding.md").write_text("{# title: SPSO #}\nB\n")
    assert catalogue.find(tmp_path, "scotland-spso", "en", "holding").title == "SPSO"
    assert catalogue.find(tmp_path, "nhs-wales-ptr", "en", "holding").title == "Default"
    assert catalogue.find(tmp_path, "nhs-wales-ptr", "en", "../x") is None


def test_producing_a_letter_and_its_pdf(app, app_parts):
    secrets_by_user = make_people(app_parts.settings.data_dir)
    ref = submit(
        app_parts,
        language="cy",
        name="Dafydd Example",
        received=datetime(2025, 3, 3, 10, tzinfo=UTC),
    )
    client = app.test_client()
    sign_in(client, "olive", secrets_by_user["olive"])
    choose = client.get(f"/staff/cases/{ref}/letters")
    assert "Cydnabod cwyn" in choose.text  # offered in the person's language
    draft = client.get(f"/staff/cases/{ref}/letters/new/acknowledgement")
    assert draft.status_code == 200 and "Annwyl Dafydd Example" in draft.text
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", draft.text, re.S).group(1)
    import html as html_module

    text = html_module.unescape(text) + "\nNodyn ychwanegol gan y swyddog.\n"
    produced = client.post(
        f"/staff/cases/{ref}/letters/new/acknowledgement",
        data={"text": text, "language": "cy", "csrf_token": csrf(draft.text)},
    )
    assert produced.status_code == 302
    letter_id = produced.headers["Location"].rsplit("/", 1)[1]
    events = [e for e in app_parts.store.rows("events") if e["ref"] == ref]
    assert events[-1]["type"] == "letter_sent" and events[-1]["value"] == "acknowledgement"
    assert events[-1]["event_id"] == letter_id and events[-1]["actor"] == "olive"
    kept, meta = LetterFiles(app_parts.settings.data_dir).load(ref, letter_id)
    assert "Nodyn ychwanegol" in kept and meta["language"] == "cy"
    printable = client.get(f"/staff/cases/{ref}/letters/{letter_id}/print")
    assert printable.status_code == 200 and 'lang="cy"' in printable.text
    assert "Ein cyfeirnod" in printable.text and "1 Mill Lane" in printable.text
    pdf = client.get(f"/staff/cases/{ref}/letters/{letter_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-") and len(pdf.data) > 5_000
    timeline = client.get(f"/staff/cases/{ref}").text
    assert "Letter produced" in timeline and "Open the letter" in timeline
