"""The PII gate tells a person from a word: staff whose account names are ordinary words
("will", "mark", "grant", "rose") do not stop a page that uses those words, while their full
names, and account names that look like identifiers, still stop it."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_app.organisation.settings import load_settings
from forms_app.public.respond_pages import LINK_ACTOR
from forms_app.reports.pii_gate import Gate
from forms_app.reports.pii_sources import Allowed, Known
from tests.support.reports import write_data, write_settings

STAFF = {
    "will": "Will Bishop",
    "mark": "Mark Fenwick",
    "grant": "Grant Oduya",
    "rose": "Rose Tremlett",
    "okonkwo": "Rhiannon Okonkwo",
    "wbishop2": "Will Bishop",
}


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("words")
    data = write_data(tmp / "data")
    settings = load_settings(write_settings(tmp, data))
    known = Known()
    for username, name in STAFF.items():
        known.add_username(username)
        known.add_name(name, "staff name")
    known.add_username("import")  # the importer's own name, on every imported event
    return Gate(known, Gate.for_data(settings, data).allowed)


def kinds(gate, text):
    return [f.kind for f in gate.scan([("outcomes/2025-26/index.html", text)])]


@pytest.mark.parametrize(
    "text",
    [
        "We will write to you within 20 working days.",
        "Complaints will be acknowledged; we mark each one as received.",
        "A grant from the council paid for the rose garden.",
        "You can import your own records. WILL we publish them? No.",
    ],
)
def test_ordinary_words_that_are_also_usernames_do_not_stop_publishing(gate, text):
    assert kinds(gate, text) == []


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Your complaint was handled by Will Bishop.", "staff name"),
        ("Mark Fenwick answered it.", "staff name"),
        ("as Mr Tremlett said", "staff name"),
        ("signed off by wbishop2", "staff username"),
        ("assigned to okonkwo", "staff username"),
    ],
)
def test_a_real_name_or_an_identifier_still_stops_publishing(gate, text, kind):
    assert kind in kinds(gate, text), text


def test_a_handle_of_several_words_is_a_name_unless_every_word_is_ordinary():
    known = Known()
    known.add_username("J. Pritchard")
    known.add_username("Complaints Team")
    known.finish()
    assert "j pritchard" in known.phrases
    assert "complaints team" not in known.phrases and "complaints team" not in known.usernames


def test_the_actor_of_an_answer_sent_through_a_request_link_is_nobody_to_look_for():
    """An investigating manager without an account answers through a link; the event's actor
    says so in words ("investigator (by link)") and names no one, so the everyday word "link"
    on every public page must not stop publishing."""
    known = Known()
    known.add_username(LINK_ACTOR)
    known.finish()
    assert not [p for p in known.phrases if "link" in p]
    assert "link" not in known.usernames


def test_files_copied_unchanged_from_the_theme_are_not_scanned_but_changed_ones_are(tmp_path):
    """The theme ships the search engine's word lists for many languages: "mina" (a staff
    username here) is a Swedish and Finnish word in them. A file that is byte for byte the
    theme's own cannot carry anything of ours; the same file changed by one byte is scanned."""
    import material

    theme = Path(material.__file__).parent / "templates" / "assets" / "javascripts" / "lunr"
    shipped = (theme / "min" / "lunr.sv.min.js").read_bytes()
    assert b"mina" in shipped
    site = tmp_path / "site"
    (site / "assets" / "javascripts" / "lunr" / "min").mkdir(parents=True)
    (site / "assets" / "javascripts" / "lunr" / "min" / "lunr.sv.min.js").write_bytes(shipped)
    (site / "assets" / "javascripts" / "lunr" / "min" / "lunr.xx.min.js").write_bytes(
        shipped + b"\n"
    )
    known = Known()
    known.add_username("mina")
    found = Gate(known, Allowed()).scan_files(site)
    assert [(f.where, f.kind) for f in found] == [
        ("assets/javascripts/lunr/min/lunr.xx.min.js", "staff username")
    ]
