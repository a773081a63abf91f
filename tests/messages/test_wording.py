"""Every message has its words in every language and wording, with only the placeholders the
service fills."""

from __future__ import annotations

import pytest

from forms_app.messages import wording

#: The placeholders each message may use (the service fills exactly these).
FILLED = {
    "acknowledgement": {"org_name", "reference", "next_steps", "advocacy", "copy", "tracking"},
    "acknowledged": {"org_name", "reference", "next_steps"},
    "assigned": {"org_name", "reference"},
    "extended": {"org_name", "reference", "new_date", "reason"},
    "paused": {"org_name", "reference", "reason"},
    "resumed": {"org_name", "reference"},
    "responded": {"org_name", "reference"},
    "closed": {"org_name", "reference", "survey"},
    "withdrawn": {"org_name", "reference"},
    "reopened": {"org_name", "reference"},
    "tracking_code": {"org_name", "reference", "code", "minutes"},
    "escalation_received": {"org_name", "reference", "stage_name", "next_steps"},
    "request_link": {"org_name", "reference", "asker", "asks", "due", "link"},
    "emailed_letter": {"org_name", "reference", "title", "letter"},
}


def test_every_message_type_is_checked_here():
    assert set(FILLED) == set(wording.MESSAGE_TYPES)


@pytest.mark.parametrize("message_type", wording.MESSAGE_TYPES)
def test_every_message_type_has_every_language_and_wording(message_type):
    raw = wording._file(message_type)
    assert set(raw) == set(wording.LANGUAGES)
    for language in wording.LANGUAGES:
        assert set(raw[language]) == set(wording.VARIANTS), (message_type, language)
        for words in wording.VARIANTS:
            # A letter's words are its own, or its email's (``wording.template`` fills them in).
            text = {**wording.template(message_type, language, words), **raw[language][words]}
            for part in ("subject", "email", "sms", "letter"):
                assert text.get(part, "").strip(), (message_type, language, words, part)
                used = set(wording.placeholders(text[part]))
                assert used <= FILLED[message_type], (message_type, language, words, part, used)
            assert "reference" in wording.placeholders(text["sms"])
            assert "reference" in wording.placeholders(text["email"])
            assert "reference" in wording.placeholders(text["letter"])


def test_a_copy_of_what_they_wrote_goes_by_email_only():
    for language in wording.LANGUAGES:
        for words in wording.VARIANTS:
            text = wording.template("acknowledgement", language, words)
            assert "copy" in wording.placeholders(text["email"])
            assert "copy" not in wording.placeholders(text["sms"])
            assert "copy" not in wording.placeholders(text["letter"])


def test_the_acknowledgement_letter_has_its_own_words_in_every_language_and_wording():
    raw = wording._file("acknowledgement")
    letters = set()
    for language in wording.LANGUAGES:
        for words in wording.VARIANTS:
            letter = raw[language][words].get("letter", "")
            assert "tracking" in wording.placeholders(letter), (language, words)
            assert letter != raw[language][words]["email"]
            letters.add(letter)
    assert len(letters) == len(wording.LANGUAGES) * len(wording.VARIANTS)


def test_every_acknowledgement_says_how_to_track_it():
    for language in wording.LANGUAGES:
        for words in wording.VARIANTS:
            text = wording.template("acknowledgement", language, words)
            for channel in wording.CHANNELS:
                assert "tracking" in wording.placeholders(text[channel]), (language, words)
            for key in ("track_email", "track_sms", "track_letter"):
                assert "track_url" in wording.placeholders(wording.snippets(language, words)[key])
            secret = wording.snippets(language, words)["track_letter"]
            assert "tracking_secret" in wording.placeholders(secret)


def test_a_tracking_code_is_never_posted():
    keys = wording.all_template_keys()
    assert ("tracking_code", "en", "standard", "letter") not in keys
    assert ("closed", "cy", "easy-read", "letter") in keys


def test_each_wording_and_language_says_it_differently():
    seen = set()
    for language in wording.LANGUAGES:
        for words in wording.VARIANTS:
            seen.add(wording.template("acknowledgement", language, words)["email"])
    assert len(seen) == len(wording.LANGUAGES) * len(wording.VARIANTS)


def test_the_snippets_exist_in_every_language_and_wording():
    raw = wording._file("snippets")
    for language in wording.LANGUAGES:
        for words in wording.VARIANTS:
            assert set(raw[language][words]) == {
                "next_steps_promised",
                "next_steps_none",
                "copy_heading",
                "advocacy",
                "track_email",
                "track_sms",
                "track_letter",
                "track_letter_no_secret",
            }


def test_a_missing_value_is_refused_not_left_blank():
    with pytest.raises(wording.MissingValue):
        wording.render("closed", "en", "standard", "email", {"reference": "ABCD-1234"})
