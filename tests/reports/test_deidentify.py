"""De-identifying approved free text: names, contact details, dates, ages, titles, gendered
words and local places replaced and marked, in English and in Welsh; ordinary words left
alone; a second run changing nothing; the approver shown their words and the published text
side by side before approving (and the second approver too); and the published report never
carrying what was replaced."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from forms_app.organisation.settings import PROJECT_DIR
from forms_app.reports.deidentify import (
    NAME_MARK,
    Knowledge,
    counts,
    deidentified,
    deidentify,
    language_of,
    places_from_settings,
)
from forms_app.reports.page_sections import escape_text
from tests.support.reports import write_data, write_settings
from tests.support.staff import add_events, csrf, make_people, sign_in, submit

PERSON = {
    "name": "May Quillfeather",
    "subject_name": "Arthur Penhaligon",
    "email": "may.q@example.com",
    "phone": "07700 900123",
    "postcode": "EX1 2AB",
    "address": "8 Mill Lane\nExampleton",
}
STAFF = [
    ("olive.officer", "Olive Oakenshaw", "olive@staff.example.org"),
    ("mark.e", "Mark Ellingham", "mark@staff.example.org"),
    ("J. Pritchard", "", ""),  # an imported case's handler
]
PLACES = ["Riverside House", "Abertawe", "Reading"]
KNOWN = Knowledge.gather(PERSON, STAFF, PLACES)


def out(text: str, language: str = "") -> str:
    return deidentified(text, KNOWN, language)


def test_the_person_their_subject_and_staff_are_replaced_with_a_smiling_face():
    text = (
        "May Quillfeather said Arthur was cared for by Olive Oakenshaw and olive.officer, "
        "then Oakenshaw and J. Pritchard called Quillfeather back; Pritchard apologised."
    )
    published = out(text)
    for gone in ("Quillfeather", "Arthur", "Olive", "Oakenshaw", "olive.officer", "Pritchard"):
        assert gone not in published, gone
    assert published.count(NAME_MARK) == 8
    assert published.startswith(f"{NAME_MARK} said {NAME_MARK} was cared for by")


def test_someone_from_another_case_is_replaced_without_their_surname_eating_words():
    shared = Knowledge.gather(None, STAFF, PLACES, people=["Zebedee Day", "Bronwen Tudur"])
    known = shared.for_person(PERSON)
    text = "Zebedee Day and May Quillfeather met Bronwen. Zebedee said we phone every day."
    expected = f"{NAME_MARK} and {NAME_MARK} met {NAME_MARK}. {NAME_MARK} said we phone every day."
    assert deidentified(text, known) == expected
    # A short part of someone else's name starting a sentence is taken as the word.
    assert deidentified("Day centres closed.", known) == "Day centres closed."
    assert deidentified("We saw Day at noon.", known) == f"We saw {NAME_MARK} at noon."


def test_a_name_after_a_title_is_replaced_even_when_nobody_knows_it():
    assert out("Mrs Okafor and Dr Patel were kind.") == f"{NAME_MARK} and Dr {NAME_MARK} were kind."
    assert out("Sister Blodwen checked on us.") == f"Sister {NAME_MARK} checked on us."
    assert out("Dear Sir. The visit was late.") == "Dear [title]. The visit was late."


def test_contact_details_are_replaced():
    text = "Ring 07700 900123 or +44 7700 900456, write to may.q@example.com or 8 Mill Lane."
    published = out(text + " NHS number 999 000 0018, postcode EX1 2AB.")
    for gone in ("07700", "7700", "@", "Mill Lane", "999 000", "EX1"):
        assert gone not in published, gone
    assert counts(deidentify(text, KNOWN))["contact"] == 4


@pytest.mark.parametrize(
    ("written", "published"),
    [
        ("We visited on 3rd March.", "We visited on [date]."),
        ("It happened on 14/02/2026.", "It happened on [date]."),
        ("It happened on 2026-02-14, then again.", "It happened on [date], then again."),
        ("The letter of March 3, 2026 was late.", "The letter of [date] was late."),
        ("On the 14th of February we met.", "On [date] we met."),
        ("In March 2026 it changed.", "In [date] it changed."),
        ("The carer came last Tuesday.", "The carer came [date]."),
        ("We spoke on Friday morning.", "We spoke on [date]."),
    ],
)
def test_dates_become_a_date_marker(written, published):
    assert out(written) == published


@pytest.mark.parametrize(
    ("written", "published"),
    [
        ("My dad, aged 84, fell.", "My parent, [age], fell."),
        ("An 84 year old was left waiting.", "An [age] was left waiting."),
        ("She is 84 years old.", "They are [age]."),
        ("We brought my 6-year-old.", "We brought my [age]."),
        ("A man in his late 80s waited.", "A person in their [age] waited."),
    ],
)
def test_ages_become_an_age_marker(written, published):
    assert out(written) == published


@pytest.mark.parametrize(
    ("written", "published"),
    [
        ("My husband was upset.", "My partner was upset."),
        ("Her son and his daughter visited.", "Their child and their child visited."),
        ("She was told to wait and she says so.", "They were told to wait and they say so."),
        ("He doesn't drive, he's been in hospital.", "They don't drive, they've been in hospital."),
        ("He goes home; she watches the door.", "They go home; they watch the door."),
        ("We told her that the bag was hers.", "We told them that the bag was theirs."),
        ("The nurse gave him his tablets himself.",
         "The nurse gave them their tablets themselves."),
        ("The ward sister and a woman from the office helped.",
         "The ward nurse and a person from the office helped."),
        ("Mrs was written on the letter.", "[title] was written on the letter."),
        ("My mum and my grandmother came.", "My parent and my grandparent came."),
    ],
)  # fmt: skip
def test_gendered_words_become_neutral_and_stay_readable(written, published):
    assert out(written) == published


def test_local_places_and_service_sites_become_a_place_marker():
    raw = {"places": ["Riverside House", "Abertawe"], "services": [{"sites": ["Ward 7"]}]}
    assert places_from_settings(raw) == ["Riverside House", "Abertawe", "Ward 7"]
    known = Knowledge.gather(places=places_from_settings(raw))
    written = "At Riverside House, then Ward 7 in Abertawe."
    assert deidentified(written, known) == "At [place], then [place] in [place]."


@pytest.mark.parametrize(
    ("written", "published"),
    [
        ("Roedd fy ngŵr yn 84 oed.", "Roedd fy mhartner yn [oed]."),
        ("Aeth ei ferch a'i mab i'r ysbyty.", "Aeth eu plentyn a'i plentyn i'r ysbyty."),
        ("Mae fy ngwraig yn hapus ond roedd hi'n flin.",
         "Mae fy mhartner yn hapus ond roedden nhw'n flin."),
        ("Ar 3 Mawrth 2026 roedd y gofalwr yn hwyr.", "Ar [dyddiad] roedd y gofalwr yn hwyr."),
        ("Daeth hi ddydd Mawrth diwethaf i Abertawe.", "Daeth hi [dyddiad] i [lle]."),
        ("Mae fy mam yn ei hwythdegau ac mae Mrs Puw yn garedig.",
         f"Mae fy rhiant yn ei hwythdegau ac mae {NAME_MARK} yn garedig."),
    ],
)  # fmt: skip
def test_welsh_text_gets_welsh_markers_dates_ages_and_neutral_family_words(written, published):
    assert language_of(written) == "cy"
    assert out(written) == published


def test_ordinary_words_that_are_also_names_places_or_months_are_not_mangled():
    # "Mark" is a member of staff, "May" the person, "Reading" a place in the settings.
    assert out("Mark my words, we will do better.") == "Mark my words, we will do better."
    assert out("We thanked Mark for his help.") == f"We thanked {NAME_MARK} for their help."
    assert out("In May we changed the rota.") == "In May we changed the rota."
    assert out("I am reading the letter.") == "I am reading the letter."
    assert out("We met in Reading.") == "We met in [place]."
    # The person's full name is still found, even though one part of it is a month.
    assert out("May Quillfeather rang.") == f"{NAME_MARK} rang."
    # A parent named as "Mam" (not "my mam") and "the sixties" as an era are left.
    text = "The carers were so kind to Mam, who loved the music of the sixties."
    assert out(text) == text
    # Gendered words inside longer words are left.
    text = "We saw the manager, the therapist, the shepherd and the hermit on the mend."
    assert out(text) == text


CORPUS = [
    "May Quillfeather said on 3rd March that her husband, aged 84, was seen by Olive at "
    "Riverside House last Tuesday; she was grateful and he says thanks to Mrs Jones.",
    "Roedd fy ngŵr yn 84 oed ac mae hi'n hapus. Ar 3 Mawrth 2026 aeth ei ferch i Abertawe "
    "ddydd Mawrth diwethaf.",
    "Call 07700 900123 or email may.q@example.com; my 6-year-old and his sister came on "
    "14/02/2026. Sir, thank you.",
    "Nothing here to replace at all.",
]


@pytest.mark.parametrize("text", CORPUS)
def test_de_identifying_twice_changes_nothing_more(text):
    once = out(text)
    assert once != text or text == CORPUS[-1]
    assert out(once) == once
    assert out(once, "en") == once or language_of(text) == "cy"


def test_every_replacement_keeps_what_it_replaced_for_the_approver():
    pieces = deidentify("Her husband rang on 3rd March.", KNOWN)
    assert "".join(p.original or p.text for p in pieces) == "Her husband rang on 3rd March."
    replaced = [(p.original, p.text, p.kind) for p in pieces if p.kind]
    assert replaced == [
        ("Her", "Their", "gender"),
        ("husband", "partner", "gender"),
        ("3rd March", "[date]", "date"),
    ]


# -- The published report -------------------------------------------------------------------

SUMMARY = (
    "Zebedee's wife, aged 84, told us on 3rd March 2026 that she was left waiting at "
    "Brynhyfryd House last Tuesday. Mrs Gwynfor from the office rang her husband."
)
GONE = ("Zebedee", "wife", "aged 84", "3rd March", "she was", "Brynhyfryd", "Tuesday", "Gwynfor")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deidentify")
    approved = {
        "ref": "C12",
        "at": "2025-11-25T10:00:00+00:00",
        "type": "publication_approved",
        "actor": "pat.publisher",
        "note": SUMMARY,
    }
    data = write_data(tmp / "data", [approved])
    settings = write_settings(tmp, data)
    raw = yaml.safe_load(settings.read_text("utf-8"))
    raw["places"] = ["Brynhyfryd House"]
    settings.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    (tmp / "site").mkdir()
    env = {**os.environ, "FORMS_APP_SETTINGS": str(settings), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("FORMS_APP_DATA_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from forms_app.cli.group import main; sys.exit(main())"]
        + ["report", "--year", "2025", "--as-at", "2026-04-15"]
        + ["--site-dir", str(tmp / "site"), "--data-out", str(tmp / "data-out")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp


def test_published_free_text_reads_back_as_written_apostrophes_and_markers_included():
    for text in (f'{NAME_MARK}\'s partner, [age], & "them" <b>', "It's #1 (of 2) | *so* _kind_"):
        escaped = escape_text(text)
        assert html.unescape(escaped) == text
        outside_entities = re.sub(r"&#\d+;", "", escaped)
        assert not set(outside_entities) & set("[]()<>*_#|'\"&"), outside_entities


@pytest.mark.slow
def test_the_published_report_carries_the_de_identified_text_never_the_original(report):
    expected = escape_text(
        f"{NAME_MARK}'s partner, [age], told us on [date] that they were left waiting at "
        f"[place] [date]. {NAME_MARK} from the office rang their partner."
    )
    for page in ("2025-26.md", "2025-26.cy.md"):
        assert expected in (report / "site" / "outcomes" / page).read_text("utf-8"), page
    for path in [*report.joinpath("site").rglob("*"), *report.joinpath("data-out").rglob("*")]:
        if path.is_file() and path.suffix in (".md", ".csv", ".json", ".svg"):
            text = path.read_text("utf-8")
            for gone in GONE:
                assert gone not in text, (path.name, gone)


# -- The approver's page --------------------------------------------------------------------


@pytest.fixture
def closed_case(app, app_parts):
    app_parts.settings.raw["places"] = ["Riverside House"]
    ref = submit(app_parts, name="Ffion Marchbanks", email="ffion.m@example.com")
    add_events(app_parts, ref, "olive", ("closed", {}))
    return ref


def _post(client, ref, summary, shown="", preview=False):
    page = client.get(f"/staff/publication/{ref}")
    data = {"csrf_token": csrf(page.text), "summary": summary, "shown": shown}
    if preview:
        data["preview"] = "yes"
    return client.post(f"/staff/publication/{ref}", data=data)


def _approved(app_parts, ref) -> list[tuple[str, str]]:
    rows = app_parts.store.rows("events")
    return [
        (e["actor"], e["note"])
        for e in rows
        if e["ref"] == ref and e["type"] == ("publication_approved")
    ]


def test_the_approver_sees_their_words_beside_what_will_be_published_before_approving(
    app_parts, closed_case, signed_in
):
    client = signed_in("pat")
    words = "Ffion's husband, aged 84, waited at Riverside House on 3rd March."
    first = _post(client, closed_case, words)  # approve without having seen it
    assert first.status_code == 200
    assert _approved(app_parts, closed_case) == []
    html = first.text
    assert "Not approved yet" in html and "What will be published" in html
    original = html.split('id="original">', 1)[1].split("</td>", 1)[0]
    published = html.split('id="published">', 1)[1].split("</td>", 1)[0]
    assert "<mark>Ffion</mark>" in original and "<mark>Riverside House</mark>" in original
    assert "Ffion" not in published and "84" not in published and "husband" not in published
    assert "[place]" in published and "[date]" in published and "partner" in published
    assert "(replaced name)" in published and "(replaced gendered word)" in published
    shown = html.split('name="shown" value="', 1)[1].split('"', 1)[0]
    done = _post(client, closed_case, words, shown=shown)
    assert done.status_code == 302
    assert _approved(app_parts, closed_case) == [("pat", words)]


def test_changed_words_are_shown_again_before_they_can_be_approved(
    app_parts, closed_case, signed_in
):
    client = signed_in("pat")
    shown = _post(client, closed_case, "The carers were kind.", preview=True)
    assert shown.status_code == 200 and "Nothing was replaced" in shown.text
    fingerprint = shown.text.split('name="shown" value="', 1)[1].split('"', 1)[0]
    changed = _post(client, closed_case, "The carers were kind to my wife.", shown=fingerprint)
    assert changed.status_code == 200 and "Not approved yet" in changed.text
    assert _approved(app_parts, closed_case) == []


def test_the_second_approver_sees_the_same_side_by_side_view_and_who_approved(
    app, app_parts, closed_case, data_dir
):
    app_parts.settings.raw["reports"] = {"second_approval": True}
    secrets = make_people(data_dir, {"pat": ("Pat Publisher", ["publisher"], []),
                                     "mina": ("Mina Manager", ["manager"], [])})  # fmt: skip
    words = "She was seen on 3rd March."
    add_events(app_parts, closed_case, "pat", ("publication_approved", {"note": words}))
    mina = app.test_client()
    sign_in(mina, "mina", secrets["mina"])
    page = mina.get(f"/staff/publication/{closed_case}")
    assert page.status_code == 200
    assert "approved by pat" in page.text and "A second publisher must approve" in page.text
    published = page.text.split('id="published">', 1)[1].split("</td>", 1)[0]
    assert "They were" in published and "[date]" in published and "3rd March" not in published
    shown = page.text.split('name="shown" value="', 1)[1].split('"', 1)[0]
    assert _post(mina, closed_case, words, shown=shown).status_code == 302
    after = mina.get(f"/staff/publication/{closed_case}").text
    assert "approved by mina and pat, as two publishers must" in after


@pytest.mark.browser
def test_the_side_by_side_page_in_a_browser_passes_axe(app, app_parts, closed_case, data_dir):
    import pyotp
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_chromium, live_server, serious_violations
    from tests.support.staff import PASSWORD

    secrets = make_people(data_dir, {"pat": ("Pat Publisher", ["publisher"], [])})
    add_events(
        app_parts,
        closed_case,
        "pat",
        ("publication_approved", {"note": "Ffion's husband, aged 84, waited at Riverside "
                                  "House last Tuesday. She was told on 14/02/2026."}),
    )  # fmt: skip
    shots = Path(os.environ.get("STAFF_SCREENSHOTS") or data_dir)
    shots.mkdir(parents=True, exist_ok=True)
    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(base_url=base_url, viewport={"width": 1280, "height": 900})
        page.goto("/staff/sign-in")
        page.get_by_label("Username", exact=True).fill("pat")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Continue").first.click()
        page.wait_for_load_state("load")
        page.locator('input[name="code"]').fill(pyotp.TOTP(secrets["pat"]).now())
        page.get_by_role("button").first.click()
        page.wait_for_load_state("load")
        page.goto(f"/staff/publication/{closed_case}")
        assert page.get_by_role("heading", name="What will be published").is_visible()
        assert page.locator("#published mark").count() >= 6
        assert serious_violations(page) == []
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(
                path=str(shots / f"publication-side-by-side-{width}.png"), full_page=True
            )
        page.get_by_label("Public summary").fill("My wife was happy.")
        page.get_by_role("button", name="Approve").click()
        page.wait_for_load_state("load")
        assert page.get_by_text("Not approved yet").is_visible()
        assert "partner" in page.locator("#published").inner_text()
        assert serious_violations(page) == []
        browser.close()
