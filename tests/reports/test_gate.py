"""The PII gate (reliability test plan P3 to P5) and the free text it lets through.

Every detail planted here is invented (tests/support/reports.py); the recall test over a
built site, with canaries in every published place, is in tests/reports/test_publish.py.
"""

from __future__ import annotations

import gzip
import json

import pytest

from forms_app.organisation.settings import load_settings
from forms_app.reports.freetext import SMILE, approval, load_users, scrub
from forms_app.reports.pii_gate import Gate, nhs_number_valid
from tests.support.reports import DETAILS, write_data, write_settings


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gate")
    data = write_data(tmp / "data")
    settings = load_settings(write_settings(tmp, data))
    return settings, Gate.for_data(settings, data, vocabulary={"officer", "publisher"})


def kinds(gate, text, where="page.html"):
    return [f.kind for f in gate.scan([(where, text)])]


# Disguises (P4) ---------------------------------------------------------------------------------

DISGUISES = {
    "plain": "Zebedee Quarrington-Ŵyn said so.",
    "entities": "&#90;ebedee Quarrington&#45;&#x174;yn said so.",
    "split by tags": "Zebe<span>dee</span> Quar<b>ring</b>ton-Wyn said so.",
    "upper case": "ZEBEDEE QUARRINGTON-ŴYN SAID SO.",
    "accents dropped": "Zebedee Quarrington-Wyn said so.",
    "zero-width": "Zebe\u200bdee\u200d Quarring\u00adton-Wyn",
    "non-breaking space": "Zebedee\u00a0Quarrington-Wyn",
    "url-encoded": "see%20Zebedee%20Quarrington-Wyn",
    "alt attribute": '<img alt="Zebedee Quarrington-Wyn at the day centre" src="x.png">',
    "title attribute": '<abbr title="Bronwen Tudur-Hall">B</abbr>',
    "decomposed accent": "Zebedee Quarrington-W\u0302yn",
    "title and surname": "as Mr Quarrington told us",
    "surname alone": "the Quarrington family",
}


@pytest.mark.parametrize("disguise", DISGUISES)
def test_a_known_name_is_found_in_every_disguise(setup, disguise):
    _, gate = setup
    assert any(k.startswith("name") for k in kinds(gate, DISGUISES[disguise])), disguise


def test_json_escapes_and_gzip_are_opened(setup, tmp_path):
    _, gate = setup
    (tmp_path / "search").mkdir()
    index = {"docs": [{"location": "x/", "title": "T", "text": "Ifor Penhall\u00f6w wrote"}]}
    (tmp_path / "search" / "search_index.json").write_text(json.dumps(index), "utf-8")
    (tmp_path / "sitemap.xml.gz").write_bytes(gzip.compress(b"<loc>bronwen.th@example.com</loc>"))
    found = {f.where: f.kind for f in gate.scan_files(tmp_path)}
    assert found["search/search_index.json"].startswith("name")
    assert found["sitemap.xml.gz"] == "email"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("ring 07700 900456", "phone or NHS number"),
        ("ring +44 7700 900456", "phone or NHS number"),
        ("ring (07700) 900-456", "phone or NHS number"),
        ("write to zebedee.q@example.com", "email"),
        ("write to ZEBEDEE.Q@EXAMPLE.COM", "email"),
        ("at 12 Heol y Felin", "address"),
        ("postcode cf99 1zz", "postcode"),
        ("Gethin Tudur-Hall was there", "name"),  # the person the complaint was about
        ("handled by olive.officer", "staff username"),
        ("handled by Olive Oakenshaw", "staff name"),
        ("anyone@elsewhere.example.net", "email address (pattern)"),
        ("call 01632 960123", "UK phone number (pattern)"),
        ("NHS number 999 000 0018", "NHS number (pattern)"),
        ("NHS number 9990000018", "NHS number (pattern)"),
        ("lives in SW1A 2AA", "postcode (pattern)"),
        ("born 01/02/1950", "date (dd/mm/yyyy)"),
    ],
)
def test_known_details_and_patterns_are_found(setup, text, kind):
    _, gate = setup
    assert kind in kinds(gate, text), text


def test_eight_words_of_a_narrative_are_found_unless_approved(setup):
    settings, gate = setup
    words = DETAILS["C1"].split()
    quoted = "We read that " + " ".join(words[2:10]) + " in the report."
    assert "words from a narrative" in kinds(gate, quoted)
    assert "words from a narrative" not in kinds(gate, " ".join(words[2:9]))  # seven words
    approved = Gate.for_data(settings, settings.data_dir, approved=[DETAILS["C1"]])
    assert "words from a narrative" not in [f.kind for f in approved.scan([("p", quoted)])]


def test_eight_words_of_a_narrative_are_found_by_keys_saved_before(setup):
    """A report starting from its saved cases gives the gate the keys of what people wrote,
    not the texts (``CaseWriting.narrative_keys``): the same words are found, and the same
    approved words pass."""
    settings, _ = setup
    from array import array

    from forms_app.reports.pii_patterns import narrative_keys
    from forms_app.reports.pii_sources import CaseWriting, case_writing

    texts = case_writing(settings.data_dir, settings)
    keys = array("Q", sorted(set(narrative_keys(texts.narratives))))

    class Saved:
        def load(self):
            return keys

    writing = CaseWriting(texts.actors, set(), narrative_keys=Saved())
    gate = Gate.for_data(settings, settings.data_dir, writing=writing)
    words = DETAILS["C1"].split()
    quoted = "We read that " + " ".join(words[2:10]) + " in the report."
    assert "words from a narrative" in kinds(gate, quoted)
    assert "words from a narrative" not in kinds(gate, " ".join(words[2:9]))  # seven words
    approved = Gate.for_data(settings, settings.data_dir, approved=[DETAILS["C1"]], writing=writing)
    assert "words from a narrative" not in [f.kind for f in approved.scan([("p", quoted)])]
    # Nothing given as keys or as texts: nothing is found (the keys are what found it above).
    empty = Gate.for_data(settings, settings.data_dir, writing=CaseWriting(texts.actors, set()))
    assert "words from a narrative" not in kinds(empty, quoted)


def test_the_organisations_own_details_and_public_numbers_pass(setup):
    settings, gate = setup
    text = (
        f"Contact {settings.contact['email']} or {settings.pals['email']}, call "
        f"{settings.contact['phone']} or PALS on {settings.pals['phone']}; write to "
        f"{settings.contact['address']}. Childline 0800 1111, the ICO 0303 123 1113, the "
        "ombudsman 0300 790 0203. Complaints fell from 2,023 to 1,234 (12.5%) in 2025-26 Q3."
    )
    assert gate.scan([("page.html", text)]) == []
    assert not nhs_number_valid("9990000017") and nhs_number_valid("9990000018")


def test_a_finding_says_where_and_never_shows_the_detail(setup):
    _, gate = setup
    findings = gate.scan([("outcomes/2025-26/index.html", "Zebedee Quarrington-Wyn")])
    text = " ".join(str(f) for f in findings)
    assert "outcomes/2025-26/index.html" in text
    assert "Quarrington" not in text and "quarrington" not in text


def test_code_files_are_checked_for_known_details_but_not_for_shapes(setup, tmp_path):
    _, gate = setup
    (tmp_path / "bundle.js").write_text('x="call 01632 960123";y="olive.officer"', "utf-8")
    assert [f.kind for f in gate.scan_files(tmp_path)] == ["staff username"]


# Free text ---------------------------------------------------------------------------------------


def test_free_text_needs_a_publisher_and_optionally_a_second_one(setup):
    settings, _ = setup
    from forms_app.reports.loading import load

    cases = {c.ref: c for c in load(settings.data_dir, settings).cases}
    users = load_users(settings.data_dir)
    assert approval(cases["C7"], users, second=False).startswith("Ffion wrote")
    assert approval(cases["C8"], users, second=False) is None  # an officer's approval
    assert approval(cases["C7"], users, second=True) is None  # only one publisher so far
    (_actor, summary), *_ = cases["C7"].approvals
    cases["C7"].approvals += (("priya.publisher", summary),)
    assert approval(cases["C7"], users, second=True) is not None


def test_every_known_detail_in_free_text_becomes_a_smiling_face():
    person = {
        "name": "Ffion Marchbanks",
        "email": "ffion.m@example.com",
        "phone": "07700 900789",
        "postcode": "EX1 2AB",
        "address": "8 Mill Lane\nExampleton",
    }
    text = (
        "Ffion wrote: Marchbanks family thanks Olive Oakenshaw (olive.officer). Call "
        "07700 900789 or +44 7700 900111, email ffion.m@example.com or x.y@example.org; "
        "we live at 8 Mill Lane, EX1 2AB. NHS 999 000 0018."
    )
    staff = [("olive.officer", "Olive Oakenshaw", "olive@staff.example.org")]
    out = scrub(text, person, staff)
    for gone in (
        "Ffion",
        "Marchbanks",
        "Olive",
        "Oakenshaw",
        "olive.officer",
        "07700",
        "@",
        "Mill Lane",
        "EX1",
        "943",
    ):
        assert gone not in out, gone
    assert out.count(SMILE) >= 10
    assert "thanks" in out and "we live at" in out


def test_finishing_again_after_more_details_is_the_same_as_finishing_once():
    """The report finishes the people while the counting runs, then adds the staff who acted
    on cases and finishes again, looking only at what was added: the gate must end up as if
    it had finished once with everything."""
    from forms_app.reports.pii_sources import Known

    def people(known: Known) -> Known:
        known.add_name("Zebedee Quarrington-Ŵyn")
        known.add_address("12 Heol y Felin\nTrefenghraifft")
        return known

    def staff(known: Known) -> Known:
        known.add_username("olive.officer")
        known.add_name("Dr Marged Ap Iorwerth Llewellyn", "staff name")
        return known

    twice = staff(people(Known()).finish()).finish()
    once = staff(people(Known())).finish()
    assert twice._first == once._first
    assert twice._longest == once._longest == 5
    assert {"dr", "llewellyn"} <= twice._first  # added after the first finish
